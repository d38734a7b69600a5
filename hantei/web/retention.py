"""Expired results leave on time: besides `flask purge`, a cheap sweep at most every few minutes while serving."""

import threading
import time

from .. import services

BATCH = 200  # results one sweep deletes at most, so that it stays cheap; the next sweep takes the rest


class Sweeper:
    """Runs the store's purge when it is due; each worker process keeps its own clock (purging twice is harmless)."""

    def __init__(self, store, every_seconds, logger, also=()):
        self.store = store
        self.also = also  # more housekeeping on the same clock (the cockpit's counters older than 400 days)
        self.every = every_seconds
        self.logger = logger
        self.next_run = 0.0
        self.lock = threading.Lock()

    def due(self):
        """Whether a sweep should run now; claims it, so that concurrent requests start only one."""
        with self.lock:
            now = time.monotonic()
            if now < self.next_run:
                return False
            self.next_run = now + self.every
            return True

    def run(self):
        try:
            count = self.store.purge(limit=BATCH)
            for chore in self.also:
                chore()
        except Exception:  # a failed sweep must never break the response it rides on; the next one retries
            self.logger.exception("sweeping expired results failed")
        else:
            if count:
                self.logger.info("swept %d expired results", count)


def init_app(app, store, also=()):
    """Sweep after a response has been sent (never before it), at most every SWEEP_MINUTES."""
    sweeper = Sweeper(store, app.config["SWEEP_MINUTES"] * 60, app.logger, also)
    services.install(app, sweeper=sweeper)

    @app.after_request
    def sweep_when_due(response):
        if sweeper.due():
            response.call_on_close(sweeper.run)
        return response
