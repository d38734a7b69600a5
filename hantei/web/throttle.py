"""Graceful overload: per-client upload rate limits (Flask-Limiter) and a bounded number of judgings per worker."""

import math
import threading
import time
from collections import deque
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


class Line:
    """A counting semaphore that hands a freed slot to whoever has waited longest.

    threading.Semaphore is not fair: a waiter it wakes must win the slot again, and a thread that gives a slot back
    and asks at once (or one just arrived) takes it first, so an unlucky upload could wait 0.6-1 s behind a dozen
    later ones while the worker judged a photo in 20-60 ms."""

    def __init__(self, slots):
        self._lock = threading.Lock()
        self._free = max(1, slots)
        self._waiting = deque()  # one locked lock per waiter, in arrival order: release() unlocks the first

    def acquire(self, timeout):
        """Take a slot, waiting at most `timeout` seconds in arrival order; whether one was taken."""
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return True
            handed = threading.Lock()
            handed.acquire()
            self._waiting.append(handed)
        if handed.acquire(timeout=timeout):
            return True
        with self._lock:
            if handed in self._waiting:
                self._waiting.remove(handed)
                return False
        return True  # release() handed it the slot as its wait ran out

    @property
    def waiting(self):
        """How many wait in line."""
        return len(self._waiting)

    def release(self):
        """Give a slot back: straight to the longest waiter, if any."""
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._free += 1


class Capacity:
    """At most `slots` photos decoded or judged at once in this worker; others wait their turn a little, then get a
    503."""

    def __init__(self, slots, wait_seconds):
        self._line = Line(slots)
        self.wait_seconds = wait_seconds
        self.judged = 0  # photos this worker has judged: gunicorn recycles a worker on these, not on requests

    def take(self):
        """Wait in line for a slot; Busy when none frees up within wait_seconds."""
        if not self._line.acquire(self.wait_seconds):
            raise Busy()

    def give_back(self):
        self._line.release()

    @property
    def waiting(self):
        """How many uploads wait in line for a slot."""
        return self._line.waiting

    @contextmanager
    def slot(self):
        """A slot for as long as the block lasts."""
        self.take()
        try:
            yield
        finally:
            self.give_back()

    @contextmanager
    def turn(self):
        """One upload's turn (a Turn): it waits in line once, and whatever slot it took is given back at its end."""
        turn = Turn(self)
        try:
            yield turn
        finally:
            turn.end()


class Turn:
    """One upload's hold on a slot: a quick decode takes it and keeps it through the judging, so the upload waits
    in line once, not once to decode and again to judge; a decode in a child process holds none."""

    def __init__(self, capacity):
        self._capacity = capacity
        self._holding = False

    @contextmanager
    def decoding(self):
        """The slot a quick decode runs in (read_upload's holding), kept afterwards for the judging."""
        self._hold()
        yield

    @contextmanager
    def judging(self):
        """The slot the judging runs in (the decode's, when it took one); the photo counts once it is judged."""
        self._hold()
        try:
            yield
        finally:
            self._capacity.judged += 1

    def _hold(self):
        if not self._holding:
            self._capacity.take()
            self._holding = True

    def end(self):
        if self._holding:
            self._holding = False
            self._capacity.give_back()


def init_app(app):
    """Set up the limiter's storage (memory by default, redis://… to share across servers); return the capacity."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["RATELIMIT_STORAGE"])
    app.config.setdefault("RATELIMIT_ENABLED", app.config["RATELIMIT"].lower() not in ("", "off"))
    limiter.init_app(app)
    return Capacity(app.config["MAX_JUDGING"], app.config["QUEUE_SECONDS"])
