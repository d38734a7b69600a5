"""gunicorn settings for hantei: one worker per core, one ONNX thread each, models loaded after the fork."""

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the app's own modules, before gunicorn adds them
from hantei import cgroups, heap, proxies, recycling  # small modules: no Flask, no onnxruntime before the fork

# glibc's heap is tuned in the master, before the workers are forked: two arenas, buffers of 8 MB and more mapped on
# their own, 16 MB of free heap kept on top (the numbers and why: hantei/heap.py, whose other half, the trim after
# an upload, runs in the workers). MALLOC_ARENA_MAX=2 in the environment (systemd unit, Dockerfile, make run) works
# best; this covers a gunicorn started without it.
heap.tune()

bind = os.environ.get("HANTEI_BIND", "127.0.0.1:8000")
# What each worker costs in memory (bench/run.py, 1,000 uploads of 12 MP JPEG and HEIC, 1080p JPEG and
# 2400 px PNG, kept and not, one photo judged at a time per worker as HANTEI_MAX_JUDGING=1 says): about
# 195-230 MB resident, flat (16 MB of free heap stays mapped; intake trims once 32 MB lie free); up to about
# 350 MB for the moment it decodes a whole 12 MP photo (a HEIC it keeps), handed back at once. The master
# holds about 25 MB. Size for the peaks: workers x 350 MB + 25 MB.
#   1 GB VPS (about 800 MB left after the OS and nginx): 2 workers (725 MB at their peaks); a third could run
#            out of memory when all three decode a 12 MP HEIC at once. PostgreSQL and Redis on the same
#            host take 100-200 MB more: keep to 1 worker then (judging on both cores, as below), or to SQLite.
#   2 GB VPS (about 1.8 GB left): up to 4 workers (1.4 GB at their peaks), with PostgreSQL and Redis up to 4
#            as well; a fifth would leave nothing for a moment when all decode at once.
# More workers than cores add memory, not speed (each judges on one core): the default, one per core, is
# 1-2 workers on such machines; more threads (HANTEI_THREADS) let more uploads wait for a slot instead.
# One worker can judge on both cores of a small VPS instead: HANTEI_WORKERS=1 HANTEI_MAX_JUDGING=2 held
# 223-241 MB over the same 1,000 uploads (384 MB at its peak), against 417-452 MB for two workers, and no
# upload waits behind another on a busy worker while the other idles (below a worker's threads, two uploads can
# land on one worker): at concurrency 4, p95 99-117 ms against 103-179 (measured with kept-alive connections); at
# best 3-7% less throughput (the GIL and libheif's threads are shared). On a 1 GB VPS with PostgreSQL and Redis,
# prefer it to 1 worker.
# The default counts what this process may use, not the host: a container's CPU quota and memory limit (cgroup v1
# or v2, e.g. compose's `cpus` and `mem_limit`) or a systemd unit's CPUQuota/MemoryMax, at 350 MB a worker.
workers = int(os.environ.get("HANTEI_WORKERS") or cgroups.workers(per_worker_mb=350, master_mb=25))
# Threads only accept and answer (413, 429, 503, pages); HANTEI_MAX_JUDGING bounds the judging itself.
worker_class = "gthread"
threads = int(os.environ.get("HANTEI_THREADS", "4"))
# The app is created in each worker (no preload), so ONNX sessions never cross a fork.
preload_app = False
timeout = 60
graceful_timeout = 30
# A worker takes no more connections than its threads serve at once, and each carries one request: the rest wait
# in the listen queue all workers share, for whichever worker frees first. gunicorn's default (1,000 a worker, kept
# alive) let whichever worker's accept won queue uploads in its own thread pool while the other had none: with 8
# uploads in flight through nginx the cores sat idle 3-4 % of the time (0.1-0.3 % this way, 1.05x the uploads a
# second: bench/results/launch-compare-lines.md).
# nginx (deploy/nginx/hantei.conf) opens a connection a request anyway; a kept-alive one would hold a place.
worker_connections = threads
keepalive = 0
# gunicorn's max_requests counts every request: 235 health checks or static files a second restarted a worker every
# four seconds, each time reloading every model. Workers recycle on what makes them grow instead (post_request):
# after HANTEI_RECYCLE_UPLOADS judged photos (plus up to a quarter more, different for each worker, so that workers
# started together do not reload together), or once one has grown HANTEI_RECYCLE_MB past its size with its models
# loaded. A new worker loads its models before it takes a request (post_worker_init).
max_requests = 0
RECYCLE_UPLOADS = int(os.environ.get("HANTEI_RECYCLE_UPLOADS") or 5000)
RECYCLE_MB = int(os.environ.get("HANTEI_RECYCLE_MB") or 256)
backlog = 256
# Each request's method and path, its status, size and time, without the client's address, its User-Agent or the
# query string (an API delete_url carries its owner token there): what reaches the logs (journald, a container's
# log) is kept, and hantei keeps none of those.
accesslog = "-"
access_log_format = '"%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# Operators reload with HUP (systemd's ExecReload); the control socket would need a writable home.
control_socket_disable = True
# X-Forwarded-Proto and -For are believed only from the proxy HANTEI_PROXY_FIX says is there, at the address
# HANTEI_TRUSTED_PROXIES names (nginx on this machine: loopback; in a container: `gateway`, the host), never from
# whoever reaches gunicorn directly: the same rule the app follows (hantei/proxies.py).
PROXY_HOPS = int(os.environ.get("HANTEI_PROXY_FIX") or 0)
TRUSTED_PROXIES = proxies.networks(os.environ.get("HANTEI_TRUSTED_PROXIES") or proxies.LOOPBACK)
forwarded_allow_ips = ",".join(str(net) for net in TRUSTED_PROXIES) if PROXY_HOPS > 0 else ""
raw_env = ["HANTEI_ONNX_THREADS=" + os.environ.get("HANTEI_ONNX_THREADS", "1")]

# Prometheus multiprocess mode: every worker writes its metrics to files here; /metrics sums them.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hantei-metrics-")


def on_starting(server):
    """Start with empty metrics files (a restart must not add up old counts)."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def when_ready(server):
    """Warn when gunicorn answers other machines with no proxy in front (the README's "Deploying on a VPS")."""
    exposed = proxies.exposed(server.cfg.address)
    if exposed and PROXY_HOPS == 0:
        server.log.warning(
            "hantei listens on %s, which other machines can reach, with no proxy in front (HANTEI_PROXY_FIX=0): "
            "a client that sends its body slowly holds one of gunicorn's threads for as long as it likes, and "
            "rate limits count whoever connects. Put nginx in front (deploy/nginx/hantei.conf) and set "
            "HANTEI_BIND=127.0.0.1:8000 and HANTEI_PROXY_FIX=1 (in a container: HANTEI_TRUSTED_PROXIES=gateway, as "
            "deploy/compose.yaml does).", ", ".join(exposed))


def post_worker_init(worker):
    """Load every judge's model in the new worker before it takes requests (readiness turns green)."""
    started = time.monotonic()
    worker.wsgi.extensions["hantei.judges"].load()
    worker.hantei_recycling = recycling.Recycling(RECYCLE_UPLOADS, RECYCLE_MB)
    worker.log.info("Worker %s loaded its models in %.1f s", worker.pid, time.monotonic() - started)


def post_request(worker, req, environ, resp):
    """Recycle this worker, after the request in hand, once it has judged its share or grown (see max_requests)."""
    due = getattr(worker, "hantei_recycling", None)
    reason = due and due.due(worker.wsgi.extensions["hantei.capacity"].judged)
    if reason and worker.alive:
        worker.log.info("Recycling worker %s after this request: %s", worker.pid, reason)
        worker.alive = False


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
