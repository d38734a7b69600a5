"""Load test: drive hantei under gunicorn on loopback at several concurrency levels; stops by itself.

    .venv/bin/python bench/load.py                 # starts its own gunicorn (deploy/gunicorn.conf.py)
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000 --levels 1,4,16 --count 64

Reports throughput, p50/p95/p99 latency, answers by status and resident memory per worker,
and writes the table to bench/results/load.md. Only loopback addresses are accepted as targets.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.photos import phone_jpeg  # noqa: E402
from tests.servers import Gunicorn  # noqa: E402


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def worker_rss_mb(master_pid):
    """Resident memory of each gunicorn worker (children of the master), in MB."""
    sizes = []
    for child in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        status = Path(f"/proc/{child}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        sizes.append(kb / 1024)
    return sizes


def run_level(url, photo, concurrency, count, timeout):
    """Send count uploads with concurrency at a time; return latencies (s), statuses and wall time."""
    def one(_):
        started = time.perf_counter()
        try:
            status = requests.post(url + "/api/v1/judge", files={"image": ("photo.jpg", photo, "image/jpeg")},
                                   timeout=timeout).status_code
        except requests.RequestException as error:
            status = type(error).__name__
        return time.perf_counter() - started, status

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        answers = list(pool.map(one, range(count)))
    return [a[0] for a in answers], Counter(a[1] for a in answers), time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already running hantei on loopback")
    parser.add_argument("--levels", default="1,2,4,8,16")
    parser.add_argument("--count", type=int, default=48, help="uploads per level")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--size", default="4032x3024", help="photo size, a 12 MP phone JPEG by default")
    args = parser.parse_args()

    server = None
    url = args.url
    if url is None:
        server = Gunicorn(tempfile.mkdtemp(prefix="hantei-load-"), workers=os.cpu_count() or 1, ratelimit="off")
        url = server.url
    if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("load tests only target loopback addresses")
    width, height = map(int, args.size.split("x"))
    photo = phone_jpeg(size=(width, height))
    rows = []
    try:
        run_level(url, photo, 1, 3, args.timeout)  # warm-up
        rss_before = worker_rss_mb(server.process.pid) if server else []
        for level in map(int, args.levels.split(",")):
            latencies, statuses, wall = run_level(url, photo, level, args.count, args.timeout)
            ok = [t for t, s in zip(latencies, statuses.elements()) if s == 201]
            created = statuses.get(201, 0)
            rows.append({
                "concurrency": level,
                "uploads": args.count,
                "judged/s": created / wall,
                "p50 ms": statistics.median(latencies) * 1000,
                "p95 ms": percentile(latencies, 0.95) * 1000,
                "p99 ms": percentile(latencies, 0.99) * 1000,
                "answers": ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items(), key=str)),
                "rss MB/worker": "/".join(f"{mb:.0f}" for mb in (worker_rss_mb(server.process.pid) if server else [])),
            })
            del ok
            print(rows[-1], flush=True)
    finally:
        if server:
            server.stop()
    header = list(rows[0])
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        table.append("| " + " | ".join(f"{v:.1f}" if isinstance(v, float) else str(v) for v in row.values()) + " |")
    photo_note = f"{width}x{height} JPEG, {len(photo) / 1e6:.1f} MB"
    text = (f"# Load test, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n"
            f"{os.cpu_count()} cores, {photo_note}, {args.count} uploads per level, "
            f"worker RSS before: {'/'.join(f'{mb:.0f}' for mb in rss_before)} MB\n\n" + "\n".join(table) + "\n")
    (ROOT / "bench" / "results" / "load.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
