"""Graceful overload: per-client upload rate limits (Flask-Limiter) and a bounded number of judgings per worker."""

import math
import threading
import time
from contextlib import contextmanager

from flask import current_app, request
from flask_limiter import HeaderNames, Limiter
from flask_limiter.util import get_remote_address

# Retry-After is hantei's own: a busy 503's is the queue's wait, a 429's the client's window. The limiter would
# stretch every Retry-After to when the client's window resets (a busy 503 told to wait a minute, not 5 s), so
# its hint goes under a name of its own, beside its X-RateLimit-* headers.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True,
                  header_name_mapping={HeaderNames.RETRY_AFTER: "X-RateLimit-Retry-After"})


def upload_limit():
    """The configured per-client upload limit, e.g. "20/minute;300/day"."""
    return current_app.config["RATELIMIT"]


def seconds_to_reset():
    """Whole seconds until the limit this request broke lets its client send again (60 if it cannot be told)."""
    broken = limiter.current_limit
    return max(1, math.ceil(broken.reset_at - time.time())) if broken else 60


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
