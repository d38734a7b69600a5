"""glibc's heap tuning lives in one module, hantei/heap.py: the trim policy after uploads, and the settings
gunicorn's master applies before it forks."""

import ast
import subprocess
import sys
from pathlib import Path

from hantei import heap as heap_module

ROOT = Path(__file__).resolve().parent.parent


class _Heap:
    """glibc's two calls release_memory makes, with a free heap the test sets: the policy, not glibc, is tested."""

    def __init__(self):
        self.free, self.trims = 0, 0

    def mallinfo2(self):
        return type("MallInfo", (), {"fordblks": self.free})()

    def malloc_trim(self, _pad):
        self.trims += 1


def test_the_heap_is_trimmed_when_much_lies_free_but_not_after_every_upload(monkeypatch):
    heap = _Heap()
    monkeypatch.setattr(heap_module, "_LIBC", heap)
    monkeypatch.setattr(heap_module, "_TRIMMED", {"at": float("-inf"), "free": 0})
    mb = 1 << 20
    heap.free = 20 * mb
    heap_module.release_memory()
    assert heap.trims == 0  # too little to be worth the page faults
    heap.free = 40 * mb
    heap_module.release_memory()
    heap_module.release_memory()
    assert heap.trims == 1  # settled above the bar: once, not after every upload
    heap.free = 80 * mb
    heap_module.release_memory()
    assert heap.trims == 2  # a large photo's worth came free since: at once
    heap_module._TRIMMED["at"] -= heap_module.TRIM_EVERY_SECONDS
    heap_module.release_memory()
    assert heap.trims == 3  # and again once the interval has passed


def test_no_other_module_reaches_into_glibc():
    """intake is the trust boundary and gunicorn.conf.py sizes workers: neither tunes the heap itself."""
    for path in [*(ROOT / "hantei").rglob("*.py"), ROOT / "deploy" / "gunicorn.conf.py"]:
        if path.name == "heap.py":
            continue
        names = {alias.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
        modules = {node.module for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                   if isinstance(node, ast.ImportFrom)}
        assert "ctypes" not in names | modules, path


def test_gunicorn_tunes_the_heap_through_heap_py_without_importing_the_app():
    """The master tunes the heap with hantei/heap.py and loads no Flask, model runtime or image library before the
    fork (each worker loads its own)."""
    probe = ("import runpy, sys; settings = runpy.run_path('deploy/gunicorn.conf.py'); "
             "print(settings['heap'].__file__); "
             "print(sorted(m for m in sys.modules if m.startswith(('flask', 'onnxruntime', 'PIL', 'cv2'))))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    path, modules = out.splitlines()
    assert Path(path).resolve() == ROOT / "hantei" / "heap.py"
    assert modules == "[]"
    assert heap_module.tune({"MALLOC_ARENA_MAX": "3"})[heap_module.M_ARENA_MAX] == 3
