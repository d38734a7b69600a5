"""Peer benchmark: the same photos and concurrency against a Gradio + NudeDetector app and against hantei.

    .venv/bin/python bench/peer.py [--levels 1,2,4,8,16] [--count 32]

Makes .venv-peer once (bench/peer-requirements.txt), serves bench/peer_app.py on loopback, drives it with
Gradio's client through bench/loadgen.py, drives hantei (gunicorn, deploy/gunicorn.conf.py) with the same
generator, and writes both tables to bench/results/peer.md.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.load import uploader  # noqa: E402
from bench.loadgen import markdown, run_level  # noqa: E402
from tests.photos import phone_jpeg  # noqa: E402
from tests.servers import Gunicorn, free_port, wait_for  # noqa: E402

PEER_VENV = ROOT / ".venv-peer"


def peer_python():
    """The peer's interpreter, making its virtual environment on first use."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
                        str(ROOT / "bench" / "peer-requirements.txt")], check=True)
    return python


def peer_rows(photo_path, levels, count):
    python = peer_python()
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "MALLOC_ARENA_MAX": "2"}
    log = Path(tempfile.mkdtemp(prefix="hantei-peer-log-")) / "gradio.log"
    with open(log, "ab") as output:  # a file, not a pipe: a full pipe would stall the server
        server = subprocess.Popen([str(python), str(ROOT / "bench" / "peer_app.py"), str(port)], env=env,
                                  stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"

    def answers():
        try:
            return requests.get(url, timeout=1).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_for(answers, "gradio", server, seconds=120, log=log)
        client = subprocess.run([str(python), str(ROOT / "bench" / "peer_client.py"), url, str(photo_path),
                                 ",".join(map(str, levels)), str(count)], env=env, capture_output=True, text=True,
                                timeout=900)
        if client.returncode:
            raise RuntimeError(client.stderr[-2000:])
        return [json.loads(line) for line in client.stdout.splitlines() if line.startswith("{")]
    finally:
        server.terminate()
        server.wait(timeout=30)


def hantei_rows(photo, levels, count, keep=True):
    server = Gunicorn(tempfile.mkdtemp(prefix="hantei-peer-"), workers=os.cpu_count() or 1, ratelimit="off")
    try:
        call = uploader(server.url, photo, 60, keep)
        run_level(call, 1, 3)
        return [run_level(call, level, count) for level in levels]
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,2,4,8,16")
    parser.add_argument("--count", type=int, default=32)
    parser.add_argument("--size", default="4032x3024")
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    width, height = map(int, args.size.split("x"))
    photo = phone_jpeg(size=(width, height))
    with tempfile.NamedTemporaryFile(suffix=".jpg", dir="/tmp") as file:
        file.write(photo)
        file.flush()
        peer = peer_rows(file.name, levels, args.count)
    ours = hantei_rows(photo, levels, args.count)
    at8 = {row["concurrency"]: row for row in peer}, {row["concurrency"]: row for row in ours}
    summary = ""
    if 8 in at8[0] and 8 in at8[1]:
        ratio = at8[1][8]["judged/s"] / max(at8[0][8]["judged/s"], 1e-9)
        summary = (f"At concurrency 8: hantei {at8[1][8]['judged/s']:.2f}/s, p95 {at8[1][8]['p95 ms']:.0f} ms; "
                   f"Gradio {at8[0][8]['judged/s']:.2f}/s, p95 {at8[0][8]['p95 ms']:.0f} ms: "
                   f"**{ratio:.2f}x** the peer's throughput.\n\n")
    text = (f"# hantei against a Gradio + NudeDetector peer, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n"
            f"{os.cpu_count()} cores, the same {width}x{height} JPEG ({len(photo) / 1e6:.1f} MB), {args.count} "
            f"requests per level, one load generator (bench/loadgen.py).\n\n{summary}"
            f"## Gradio (gr.Interface(gr.Image, gr.Label), NudeDetector, Gradio's client)\n\n{markdown(peer)}\n\n"
            f"## hantei (gunicorn, deploy/gunicorn.conf.py, POST /api/v1/judge)\n\n{markdown(ours)}\n")
    (ROOT / "bench" / "results" / "peer.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
