"""Load test: drive hantei under gunicorn on loopback at several concurrency levels; stops by itself.

    .venv/bin/python bench/load.py                 # starts its own gunicorn (deploy/gunicorn.conf.py)
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000 --levels 1,4,16 --count 64

Reports throughput, p50/p95/p99 latency, answers by status and resident memory per worker,
and writes the table to bench/results/load.md. Only loopback addresses are accepted as targets.
"""

import argparse
import http.client
import itertools
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.loadgen import markdown, run_level  # noqa: E402
from tests.photos import phone_jpeg  # noqa: E402
from tests.servers import Gunicorn  # noqa: E402


def worker_rss_mb(master_pid, field="VmRSS"):
    """Resident memory of each gunicorn worker (children of the master), in MB (VmHWM: the most it ever held)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [status_mb(child, field) for child in children]


def status_mb(pid, field="VmRSS"):
    """A memory figure of /proc/<pid>/status, in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith(field + ":")) / 1024


def form_body(name, photo, mime, keep=None):
    """An API upload's multipart body (keep=None: no keep field, the default), built once as a phone's browser
    builds it: (body, content type)."""
    boundary = "----hantei-bench-" + uuid.uuid4().hex
    keep_part = b"" if keep is None else (f'--{boundary}\r\nContent-Disposition: form-data; name="keep"\r\n\r\n'
                                          f'{1 if keep else 0}\r\n').encode()
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{name}"\r\n'
            f"Content-Type: {mime}\r\n\r\n").encode()
    return keep_part + head + photo + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def poster(url, timeout):
    """post(body, content type) -> HTTP status, over one kept-alive connection per thread, as a browser keeps one.

    The body is sent as it was built: the load generator shares the server's cores, and requests (its encoder
    and session) cost it 2.1-2.4 ms a 3 MB upload, against 1.0 ms for this."""
    address = urlsplit(url)
    local = threading.local()

    def post(body, content_type):
        while True:
            kept = getattr(local, "connection", None)
            connection = local.connection = kept or http.client.HTTPConnection(address.hostname, address.port,
                                                                              timeout=timeout)
            try:
                connection.request("POST", "/api/v1/judge", body=body, headers={"Content-Type": content_type})
                answer = connection.getresponse()
                answer.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                connection.close()
                local.connection = None
                if kept is None:
                    raise
                continue  # the server closed a connection kept idle too long: once more on a new one
            if answer.getheader("Connection", "").lower() == "close":
                connection.close()
                local.connection = None
            return answer.status
    return post


def uploader(url, photo, timeout, keep=True):
    """One API upload of the photo (keep=0 when keep is false); returns the HTTP status."""
    post = poster(url, timeout)
    body, content_type = form_body("photo.jpg", photo, "image/jpeg", None if keep else False)
    return lambda: post(body, content_type)


def mixed_uploader(url, uploads, timeout):
    """API uploads taken in turn from [(name, bytes, mime type, keep)]; each call returns the HTTP status."""
    post, bodies, turn = poster(url, timeout), [form_body(*upload) for upload in uploads], itertools.count()
    return lambda: post(*bodies[next(turn) % len(bodies)])


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
    call = uploader(url, photo, args.timeout)
    rows = []
    try:
        run_level(call, 1, 3)  # warm-up
        rss_before = worker_rss_mb(server.process.pid) if server else []
        for level in map(int, args.levels.split(",")):
            row = run_level(call, level, args.count)
            row["rss MB/worker"] = "/".join(f"{mb:.0f}" for mb in (worker_rss_mb(server.process.pid) if server else []))
            rows.append(row)
            print(row, flush=True)
    finally:
        if server:
            server.stop()
    text = (f"# Load test, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n"
            f"{os.cpu_count()} cores, {width}x{height} JPEG of {len(photo) / 1e6:.1f} MB, {args.count} uploads per "
            f"level, worker RSS before: {'/'.join(f'{mb:.0f}' for mb in rss_before)} MB\n\n{markdown(rows)}\n")
    (ROOT / "bench" / "results" / "load.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
