"""gunicorn settings for hantei: one worker per core, one ONNX thread per worker, sessions made after fork."""

import os

bind = os.environ.get("HANTEI_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("HANTEI_WORKERS", os.cpu_count() or 1))
threads = 1
# The app is created in each worker (no preload), so ONNX sessions never cross a fork.
preload_app = False
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 1000
max_requests_jitter = 100
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
raw_env = ["HANTEI_ONNX_THREADS=" + os.environ.get("HANTEI_ONNX_THREADS", "1")]
