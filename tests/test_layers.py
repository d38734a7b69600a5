"""The rules of the house, read from every module's imports: data flows one way and no layer reaches up."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "hantei"
MODULES = sorted(PACKAGE.rglob("*.py"))


def room(path):
    """The part of hantei a module lives in: "web", "judges", … or the top-level module's own name."""
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else path.stem


def imported(path):
    """Every module a file imports, as absolute dotted names (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside = PACKAGE in path.parents
    package = ".".join(("hantei", *path.relative_to(PACKAGE).parts[:-1])) if inside else "tests"
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module
            names.append(stem)
            names += [f"{stem}.{alias.name}" for alias in node.names]
    return names


def rooms_imported(path):
    """The rooms of hantei a module imports (its own room left out)."""
    found = set()
    for name in imported(path):
        parts = name.split(".")
        if parts[0] == "hantei" and len(parts) > 1:
            found.add(parts[1])
    return found - {room(path)}


def uses_flask(path):
    return any(name.split(".")[0] == "flask" or name.startswith("flask_") for name in imported(path))


def test_only_web_cli_and_the_factory_import_flask():
    allowed = {"web", "cli"}
    offenders = [str(p.relative_to(ROOT)) for p in MODULES
                 if uses_flask(p) and room(p) not in allowed and p != PACKAGE / "__init__.py"]
    assert offenders == []


@pytest.mark.parametrize("rule, forbidden", [
    ("vision", {"web", "cli", "judges", "store", "share", "training", "intake", "records", "refusals", "i18n",
                "config", "admin"}),
    ("judges", {"web", "cli", "store", "share", "admin"}),
    ("store", {"vision", "judges", "web", "cli", "share", "training"}),
    ("cli", {"web"}),
    ("intake", {"vision", "judges", "store", "web", "cli", "share", "training"}),
    ("records", {"vision", "judges", "store", "web", "cli", "share", "training", "intake"}),
])
def test_no_layer_reaches_where_it_must_not(rule, forbidden):
    offenders = {str(p.relative_to(ROOT)): sorted(rooms_imported(p) & forbidden) for p in MODULES if room(p) == rule}
    assert {path: rooms for path, rooms in offenders.items() if rooms} == {}


def test_the_rules_see_a_violation():
    """The reader resolves relative imports, so a judge module reaching into the store would be caught."""
    bad = PACKAGE / "judges" / "_layer_probe.py"
    bad.write_text("from ..store import photo_name\nfrom flask import request\n", encoding="utf-8")
    try:
        assert rooms_imported(bad) == {"store"} and uses_flask(bad)
    finally:
        bad.unlink()


def test_migrations_load_no_model_runtime():
    """Alembic's env imports the tables alone: no onnxruntime or OpenCV in a migration's process."""
    code = ("import sys\n"
            "import hantei.store.tables\n"
            "bad = [m for m in ('onnxruntime', 'cv2', 'flask') if m in sys.modules]\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_test_module_imports_another():
    tests = ROOT / "tests"
    offenders = []
    for path in tests.rglob("test_*.py"):
        for name in imported(path):
            if name.startswith("tests.") and name.split(".")[-1].startswith("test_"):
                offenders.append(f"{path.name} imports {name}")
    assert offenders == []
