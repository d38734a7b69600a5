"""Every speed benchmark in one run, as ratios against the floor and the peer, into the README.

    .venv/bin/python bench/run.py        (about 7 minutes on 2 cores; the first run also builds .venv-peer)

1. floor and naive reference per stage (bench/floor.py), 2. the app end to end under gunicorn at
concurrency 1-16 (bench/load.py), 3. the Gradio + NudeDetector peer with the same load generator
(bench/peer.py), 4. worker memory over 1,000 uploads, 5. intake's peak memory per format (bench/memory.py).
Writes bench/results/summary.md and the table between the bench markers of the README's performance section.
"""

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.load import uploader, worker_rss_mb  # noqa: E402
from bench.loadgen import markdown, run_level  # noqa: E402
from bench.memory import rows as memory_rows  # noqa: E402
from bench.peer import hantei_rows, peer_rows  # noqa: E402
from bench.photos import bench_photos  # noqa: E402
from tests.servers import Gunicorn  # noqa: E402

LEVELS = [1, 2, 4, 8, 16]
COUNT = 32


def floor():
    subprocess.run([sys.executable, str(ROOT / "bench" / "floor.py")], check=True, stdout=subprocess.DEVNULL)
    return json.loads((ROOT / "bench" / "results" / "floor.json").read_text())


def memory(photo, uploads=1000):
    """Worker RSS after warm-up and after `uploads` uploads at concurrency 4."""
    server = Gunicorn(tempfile.mkdtemp(prefix="hantei-mem-"), workers=os.cpu_count() or 1, ratelimit="off")
    try:
        call = uploader(server.url, photo, 60)
        run_level(call, 4, 20)
        before = worker_rss_mb(server.process.pid)
        row = run_level(call, 4, uploads)
        after = worker_rss_mb(server.process.pid)
    finally:
        server.stop()
    return before, after, row


def verdict(ok):
    return "met" if ok else "**not met**"


def main():
    started = time.perf_counter()
    photos = bench_photos()
    jpeg = photos["12MP JPEG"]
    cores = os.cpu_count() or 1
    floors = floor()
    print("floor done", flush=True)
    ours = hantei_rows(jpeg, LEVELS, COUNT)
    print("app done", flush=True)
    with tempfile.NamedTemporaryFile(suffix=".jpg", dir="/tmp") as file:
        file.write(jpeg)
        file.flush()
        peer = peer_rows(file.name, LEVELS, COUNT)
    print("peer done", flush=True)
    before, after, memory_row = memory(photos["1080p JPEG"])
    print("memory done", flush=True)
    per_format = memory_rows()

    f = floors["12MP JPEG"]
    ideal = cores / (f["floor ms"] / 1000)
    best = max(ours, key=lambda row: row["judged/s"])
    at = {row["concurrency"]: row for row in ours}
    peer_at = {row["concurrency"]: row for row in peer}
    checks = [
        ("app throughput at its best concurrency / floor's ideal (cores / floor time)",
         f"{best['judged/s']:.2f}/s at {best['concurrency']} / {ideal:.2f}/s", best["judged/s"] / ideal, 0.85, ">="),
        ("p50 at concurrency 1 / floor's single-photo time",
         f"{at[1]['p50 ms']:.0f} ms / {f['floor ms']:.0f} ms", at[1]["p50 ms"] / f["floor ms"], 1.3, "<="),
        ("naive reference / hantei's judging path, 12 MP JPEG",
         f"{f['naive ms']:.0f} ms / {f['hantei ms']:.0f} ms", f["naive ms"] / f["hantei ms"], 3.0, ">="),
        ("hantei / Gradio peer throughput at concurrency 8",
         f"{at[8]['judged/s']:.2f}/s / {peer_at[8]['judged/s']:.2f}/s", at[8]["judged/s"] / peer_at[8]["judged/s"], 2.0, ">="),
        ("hantei / Gradio peer p95 at concurrency 8",
         f"{at[8]['p95 ms']:.0f} ms / {peer_at[8]['p95 ms']:.0f} ms", at[8]["p95 ms"] / peer_at[8]["p95 ms"], 1.0, "<"),
        ("worker RSS after 1,000 uploads (MB; target <= 250, flat)",
         f"{'/'.join(f'{mb:.0f}' for mb in before)} -> {'/'.join(f'{mb:.0f}' for mb in after)}",
         max(after), 250, "<="),
    ]
    rows = []
    for name, measured, ratio, target, op in checks:
        ok = {">=": ratio >= target, "<=": ratio <= target, "<": ratio < target}[op]
        rows.append({"target": name, "measured": measured, "ratio": ratio, "goal": f"{op} {target}",
                     "": verdict(ok)})
    floor_table = (ROOT / "bench" / "results" / "floor.md").read_text().split("\n", 4)[4].strip()
    machine = f"{cores} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    summary = (
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine}, in one run of "
        f"`bench/run.py` ({(time.perf_counter() - started) / 60:.1f} min).\n\n{markdown(rows)}\n\n"
        f"Per photo, one thread (ms; floor = reduced decode to the model's size + letterbox + one run; naive = "
        f"full decode + whole-photo resize + run; hantei = intake with its stored copy + detect + JPEG encode):\n\n"
        f"{floor_table}\n\nEnd to end, {COUNT} uploads of the 12 MP JPEG per level to `POST /api/v1/judge` "
        f"(gunicorn, {cores} workers):\n\n{markdown(ours)}\n\nThe peer, Gradio's `gr.Interface(gr.Image, gr.Label)` "
        f"around nudenet's `NudeDetector`, driven by the same load generator through Gradio's client:\n\n"
        f"{markdown(peer)}\n\nMemory: 1,000 uploads of a 1080p JPEG at concurrency 4: "
        f"{memory_row['judged/s']:.1f}/s, answers {memory_row['answers']}.\n\n"
        f"Intake's peak memory per format (9 MP files of a few kilobytes, each decoded in a fresh process; "
        f"the estimate is what `HANTEI_UPLOAD_MEMORY_MB` is checked against before decoding):\n\n"
        f"{markdown(per_format)}\n")
    (ROOT / "bench" / "results" / "summary.md").write_text("# Benchmarks\n\n" + summary)
    readme = ROOT / "README.md"
    text = readme.read_text()
    text = re.sub(r"(<!-- bench:start -->\n).*?(<!-- bench:end -->)", lambda m: m.group(1) + summary + m.group(2),
                  text, flags=re.S)
    readme.write_text(text)
    print(summary)


if __name__ == "__main__":
    main()
