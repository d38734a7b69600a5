"""Graceful overload: per-client upload rate limits (Flask-Limiter) and a bounded number of judgings per worker."""

import threading
from contextlib import contextmanager

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)


def upload_limit():
    """The configured per-client upload limit, e.g. "20/minute;300/day"."""
    return current_app.config["RATELIMIT"]


def photos_posted():
    """Each photo of an album counts as one upload."""
    return max(1, len(request.files.getlist("image")))


# The page and the API share one budget per client.
uploads = limiter.shared_limit(upload_limit, scope="uploads", methods=["POST"], cost=photos_posted)


class Busy(Exception):
    """Every judging slot of this worker stayed taken for the whole wait."""


class Capacity:
    """At most `slots` photos judged at once in this worker; others wait a little, then get a 503."""

    def __init__(self, slots, wait_seconds):
        self._slots = threading.BoundedSemaphore(max(1, slots))
        self.wait_seconds = wait_seconds
        self.judged = 0  # photos this worker has judged: gunicorn recycles a worker on these, not on requests

    @contextmanager
    def slot(self, counted=True):
        """A judging slot (Busy when none frees up in time); the photo judged in it counts once it is left.
        counted=False: the slot an upload's decode holds before its judging, which counts nothing."""
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise Busy()
        try:
            yield
        finally:
            if counted:
                self.judged += 1
            self._slots.release()

    def decoding(self):
        """The slot a quick decode holds (read_upload's holding): bounded like judging, not counted as a photo."""
        return self.slot(counted=False)


def init_app(app):
    """Set up the limiter's storage (memory by default, redis://… to share across servers); return the capacity."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["RATELIMIT_STORAGE"])
    app.config.setdefault("RATELIMIT_ENABLED", app.config["RATELIMIT"].lower() not in ("", "off"))
    limiter.init_app(app)
    return Capacity(app.config["MAX_JUDGING"], app.config["QUEUE_SECONDS"])
