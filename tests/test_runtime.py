"""Run-time promises: nothing is downloaded, torch is never imported, sessions are made per process."""

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.photos import PEOPLE

ROOT = Path(__file__).resolve().parent.parent

OFFLINE_JUDGE = textwrap.dedent("""
    import socket, sys
    def refuse(self, address, *args):
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("/"):
            raise SystemExit(f"tried to reach {address}")
        return real(self, address, *args)
    real = socket.socket.connect
    socket.socket.connect = refuse
    from hantei import create_app
    app = create_app({"DATA_DIR": sys.argv[2]})
    app.test_cli_runner().invoke(args=["judge", sys.argv[1]], catch_exceptions=False)
    with app.test_client() as client:
        assert client.get("/").status_code == 200
    print("torch" in sys.modules, "tensorflow" in sys.modules)
""")


def test_judging_needs_no_network_and_no_torch(tmp_path):
    result = subprocess.run([sys.executable, "-c", OFFLINE_JUDGE, str(PEOPLE["astronaut"]), str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


def test_no_runtime_module_imports_torch():
    for path in [*(ROOT / "hantei").rglob("*.py"), ROOT / "app.py"]:
        assert "import torch" not in path.read_text(), path


def test_sessions_are_per_process():
    code = textwrap.dedent("""
        import os
        from hantei.vision import runtime
        from hantei.vision.detectors import NudeNetDetector
        first = runtime.session(NudeNetDetector().path)
        assert runtime.session(NudeNetDetector().path) is first
        pid = os.fork()
        if pid == 0:
            os._exit(0 if runtime.session(NudeNetDetector().path) is not first else 1)
        print(os.waitpid(pid, 0)[1])
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "0", result.stderr
