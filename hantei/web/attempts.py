"""Attempts slowed down (admin logins, reports, share taps) in the rate-limit storage of Flask-Limiter, so that
with HANTEI_RATELIMIT_STORAGE=redis://… every server counts them together. Always on, whatever HANTEI_RATELIMIT."""

import math
import time

import limits
from flask import current_app
from flask_limiter.util import get_remote_address
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from .. import services

LOGIN_PER_CLIENT = "5/minute;20/hour"
LOGIN_PER_ACCOUNT = "30/hour"  # the one admin account, whichever client tries it
REPORTS_PER_CLIENT = "20/hour"
SHARES_PER_CLIENT = "120/hour"


def _limiter():
    app = current_app._get_current_object()
    if not services.has("attempts", app):
        uri = app.config.get("RATELIMIT_STORAGE_URI") or app.config["RATELIMIT_STORAGE"]
        services.install(app, attempts=MovingWindowRateLimiter(storage_from_string(uri)))
    return services.service("attempts", app)


def hit(scope, limit, key=None):
    """Count one attempt in scope by this client (or by key); return the seconds to wait when over the limit,
    else 0. The client's address is a key in the limit storage only, as the upload limits use it, never stored."""
    limiter, who = _limiter(), key or get_remote_address()
    wait = 0
    for item in limits.parse_many(limit):
        if not limiter.hit(item, "hantei", scope, who):
            reset = limiter.get_window_stats(item, "hantei", scope, who).reset_time
            wait = max(wait, math.ceil(reset - time.time()), 1)
    return wait
