"""Prometheus metrics, shared by all gunicorn workers through prometheus-client's multiprocess mode."""

import os
import time

from flask import g, request
from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest,
                               multiprocess)

REQUESTS = Counter("hantei_requests", "HTTP requests answered", ["endpoint", "status"])
JUDGING = Histogram("hantei_judging_seconds", "Time spent judging a photo, by stage", ["judge", "stage"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
REJECTED = Counter("hantei_rejected_uploads", "Uploads refused, by code", ["code"])
IN_FLIGHT = Gauge("hantei_in_flight_requests", "Requests being handled now", multiprocess_mode="livesum")


def observe_judgement(judgement):
    """Record how long each stage of a judgement took."""
    for stage, ms in judgement.timings_ms.items():
        JUDGING.labels(judgement.judge, stage).observe(ms / 1000)


def rejected(code):
    REJECTED.labels(code).inc()


def exposition():
    """The metrics text of every worker (multiprocess) or of this process alone."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def _started():
    g.metrics_started = time.perf_counter()
    IN_FLIGHT.inc()


def _finished(response):
    if "metrics_started" in g:
        IN_FLIGHT.dec()
        REQUESTS.labels(request.endpoint or "none", str(response.status_code)).inc()
        g.pop("metrics_started")
    return response


def init_app(app):
    app.before_request(_started)
    app.after_request(_finished)
