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


def dotted(path):
    """A module's dotted name: hantei/web/views/pages.py -> hantei.web.views.pages."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(("hantei", *(parts[:-1] if parts[-1] == "__init__" else parts)))


def imported(path, at=None):
    """Every module a file imports, as absolute dotted names (relative imports resolved as if the file lay at
    `at`, a path inside the package: so a probe written elsewhere is read as a module of hantei)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    at = at or path
    inside = PACKAGE in at.parents
    package = ".".join(("hantei", *at.relative_to(PACKAGE).parts[:-1])) if inside else "tests"
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


def rooms_imported(path, at=None):
    """The rooms of hantei a module imports (its own room left out)."""
    found = set()
    for name in imported(path, at):
        parts = name.split(".")
        if parts[0] == "hantei" and len(parts) > 1:
            found.add(parts[1])
    return found - {room(at or path)}


def uses_flask(path, at=None):
    return any(name.split(".")[0] == "flask" or name.startswith("flask_") for name in imported(path, at))


WEB = PACKAGE / "web"
WEB_MODULES = sorted(WEB.rglob("*.py"))
VIEWS = "hantei.web.views"


def web_modules_imported(path, at=None):
    """The modules of hantei.web a module imports (a name imported from a package counts when it is a module)."""
    known = {dotted(module) for module in WEB_MODULES}
    return {name for name in imported(path, at) if name in known} - {dotted(at or path)}


def is_view(name):
    return name.startswith(VIEWS + ".")


def floor_breaks(path, at=None):
    """How a web module breaks the floors: a view importing a view, or a lower floor importing a view."""
    at = at or path
    views = {name for name in web_modules_imported(path, at) if is_view(name)}
    if is_view(dotted(at)):
        return sorted(f"view imports view {name}" for name in views)
    return sorted(f"imports the view {name}" for name in views)


def nested_imports(path):
    """Imports inside a function or class body (they hide import circles)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found += [inner.lineno for inner in ast.walk(node) if isinstance(inner, (ast.Import, ast.ImportFrom))]
    return found


def reads_extensions(path):
    """Lines where a module reads or writes an app's extensions (the services' store)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "extensions"]


def test_web_has_floors():
    """Views never import views; nothing below the views imports one (but web/__init__.py, the wiring above them);
    no import hides inside a function."""
    breaks = {str(p.relative_to(ROOT)): floor_breaks(p) for p in WEB_MODULES if p != WEB / "__init__.py"}
    assert {path: found for path, found in breaks.items() if found} == {}
    nested = {str(p.relative_to(ROOT)): nested_imports(p) for p in WEB_MODULES}
    assert {path: lines for path, lines in nested.items() if lines} == {}


def test_web_has_no_import_circles():
    graph = {dotted(p): web_modules_imported(p) for p in WEB_MODULES if p != WEB / "__init__.py"}
    circles = []

    def walk(name, trail):
        for neighbour in sorted(graph.get(name, ())):
            if neighbour in trail:
                circles.append(trail[trail.index(neighbour):] + [neighbour])
            elif len(trail) < len(graph):
                walk(neighbour, trail + [neighbour])

    for start in sorted(graph):
        walk(start, [start])
    assert circles == []


def test_only_services_reads_the_apps_services():
    """hantei.services is the one reader (and the factory's one writer) of app.extensions, for web and CLI alike."""
    offenders = {str(p.relative_to(ROOT)): reads_extensions(p) for p in MODULES if p != PACKAGE / "services.py"}
    assert {path: lines for path, lines in offenders.items() if lines} == {}


def test_only_web_cli_services_and_the_factory_import_flask():
    allowed = {"web", "cli", "services"}
    offenders = [str(p.relative_to(ROOT)) for p in MODULES
                 if uses_flask(p) and room(p) not in allowed and p != PACKAGE / "__init__.py"]
    assert offenders == []


@pytest.mark.parametrize("rule, forbidden", [
    ("vision", {"web", "cli", "judges", "store", "share", "training", "intake", "records", "refusals", "i18n",
                "config", "cockpit"}),
    ("judges", {"web", "cli", "store", "share", "cockpit"}),
    ("store", {"vision", "judges", "web", "cli", "share", "training"}),
    ("cli", {"web"}),
    ("intake", {"vision", "judges", "store", "web", "cli", "share", "training"}),
    ("records", {"vision", "judges", "store", "web", "cli", "share", "training", "intake"}),
    ("services", {"vision", "judges", "store", "web", "cli", "share", "training", "intake", "cockpit", "records"}),
])
def test_no_layer_reaches_where_it_must_not(rule, forbidden):
    offenders = {str(p.relative_to(ROOT)): sorted(rooms_imported(p) & forbidden) for p in MODULES if room(p) == rule}
    assert {path: rooms for path, rooms in offenders.items() if rooms} == {}


def test_the_rules_see_a_violation(tmp_path):
    """The reader resolves relative imports, so a judge module reaching into the store would be caught (the probe is
    written under a temporary folder and read as if it lay in the package)."""
    bad = tmp_path / "probe.py"
    bad.write_text("from ..store import photo_name\nfrom flask import request\n", encoding="utf-8")
    assert rooms_imported(bad, at=PACKAGE / "judges" / "probe.py") == {"store"}
    assert uses_flask(bad, at=PACKAGE / "judges" / "probe.py")


@pytest.mark.parametrize("where, code, broken", [
    ("views/probe.py", "from .results import found\n", ["view imports view hantei.web.views.results"]),
    ("views/probe.py", "from . import pages\n", ["view imports view hantei.web.views.pages"]),
    ("probe.py", "from .views.albums import album_json\n", ["imports the view hantei.web.views.albums"]),
    ("views/probe.py", "from ..answers import found\n", []),
])
def test_the_web_rules_see_a_broken_floor(tmp_path, where, code, broken):
    bad = tmp_path / "probe.py"
    bad.write_text(code, encoding="utf-8")
    assert floor_breaks(bad, at=WEB / where) == broken


def test_the_web_rules_see_a_hidden_import_and_a_services_reader(tmp_path):
    bad = tmp_path / "probe.py"
    bad.write_text("def late():\n    from .views import pages\n    return current_app.extensions['x']\n",
                   encoding="utf-8")
    assert nested_imports(bad) == [2] and reads_extensions(bad) == [3]


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
