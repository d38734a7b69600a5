"""gunicorn settings for hantei: one worker per core, one ONNX thread each, models loaded after the fork."""

import ctypes
import ctypes.util
import os
import shutil
import tempfile

# glibc gives every thread its own malloc arena; with gthread workers decoding 12 MP photos that
# doubles resident memory (measured: 215 -> 413 MB per worker). Two arenas keep it flat (223 MB).
# MALLOC_ARENA_MAX=2 in the environment (systemd unit, Dockerfile, make run) works best; this mallopt
# call in the master, before the workers are forked, covers a gunicorn started without it.
M_ARENA_MAX = -8
try:
    ctypes.CDLL(ctypes.util.find_library("c")).mallopt(M_ARENA_MAX, int(os.environ.get("MALLOC_ARENA_MAX", "2")))
except (OSError, AttributeError):
    pass  # not glibc: nothing to tune

bind = os.environ.get("HANTEI_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("HANTEI_WORKERS", os.cpu_count() or 1))
# Threads only accept and answer (413, 429, 503, pages); HANTEI_MAX_JUDGING bounds the judging itself.
worker_class = "gthread"
threads = int(os.environ.get("HANTEI_THREADS", "4"))
# The app is created in each worker (no preload), so ONNX sessions never cross a fork.
preload_app = False
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 1000
max_requests_jitter = 100
backlog = 256
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
# Operators reload with HUP (systemd's ExecReload); the control socket would need a writable home.
control_socket_disable = True
# X-Forwarded-Proto and -For are believed only from the proxy HANTEI_PROXY_FIX says is there (nginx on
# this machine), never from whoever reaches gunicorn directly: the same rule the app's ProxyFix follows.
forwarded_allow_ips = "127.0.0.1,::1" if int(os.environ.get("HANTEI_PROXY_FIX") or 0) > 0 else ""
raw_env = ["HANTEI_ONNX_THREADS=" + os.environ.get("HANTEI_ONNX_THREADS", "1")]

# Prometheus multiprocess mode: every worker writes its metrics to files here; /metrics sums them.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hantei-metrics-")


def on_starting(server):
    """Start with empty metrics files (a restart must not add up old counts)."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def post_worker_init(worker):
    """Load every judge's model in the new worker before it takes requests (readiness turns green)."""
    worker.wsgi.extensions["hantei.judges"].load()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
