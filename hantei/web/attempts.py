"""Attempts slowed down (admin logins, reports, share taps) and visits counted once, in the rate-limit storage of
Flask-Limiter, so that with HANTEI_RATELIMIT_STORAGE=redis://… every server counts them together. Always on,
whatever HANTEI_RATELIMIT."""

import hashlib
import hmac
import ipaddress
import math
import time

import limits
from flask import current_app
from flask_limiter.util import get_remote_address
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from .. import services

LOGIN_PER_CLIENT = "5/minute;20/hour"
# The one admin account, counted only from clients under their own limit: one client adds at most 20 an hour, so
# locking the operator out takes five clients at their limit all hour (IPv6 counts per /64, as one client).
LOGIN_PER_ACCOUNT = "100/hour"
REPORTS_PER_CLIENT = "20/hour"
REPORTS_PER_RESULT = "3/day"  # by one client on one result (a household behind one address may disagree)
SHARES_PER_CLIENT = "120/hour"


def _limiter():
    app = current_app._get_current_object()
    if not services.has("attempts", app):
        uri = app.config.get("RATELIMIT_STORAGE_URI") or app.config["RATELIMIT_STORAGE"]
        services.install(app, attempts=MovingWindowRateLimiter(storage_from_string(uri)))
    return services.service("attempts", app)


def client():
    """The client an attempt is counted against: its address, or its /64 when IPv6 (one host holds a whole /64)."""
    address = get_remote_address() or ""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False)) if parsed.version == 6 else address


def hit(scope, limit, key=None):
    """Count one attempt in scope by this client (or by key); return the seconds to wait when over the limit,
    else 0. The client's address is a key in the limit storage only, as the upload limits use it, never stored."""
    limiter, who = _limiter(), key or client()
    wait = 0
    for item in limits.parse_many(limit):
        if not limiter.hit(item, "hantei", scope, who):
            reset = limiter.get_window_stats(item, "hantei", scope, who).reset_time
            wait = max(wait, math.ceil(reset - time.time()), 1)
    return wait


def login_wait():
    """Seconds this client must wait before trying the admin password, else 0 (and the attempt is counted).

    A client over its own limit is refused without counting against the account, so no one client can lock the
    operator out of another."""
    return hit("admin-login-client", LOGIN_PER_CLIENT) or hit("admin-login-account", LOGIN_PER_ACCOUNT, "admin")


def keyed(item):
    """This client and an item (a result) as one key: an HMAC under the app's secret, so the limit storage holds
    no address it could give back."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"{client()}:{item}".encode(), hashlib.sha256).hexdigest()


def first_time(scope, item, window="1/hour"):
    """Whether this client does this (views a result) for the first time in the window; counted either way."""
    return not hit(scope, window, keyed(item))
