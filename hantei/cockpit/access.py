"""The admin's password (a werkzeug scrypt hash in the database, so every server agrees) and login sessions
(random tokens whose SHA-256 the database keeps until they expire or the admin logs out)."""

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from functools import cache

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from ..store.tables import admin_sessions, admin_settings

SESSION_MINUTES = 60  # an admin login lasts this long
MIN_LENGTH = 12


@cache
def _dummy():
    """A hash to check against when no password is set, made on the first login rather than as each worker boots
    (scrypt costs about 0.1 s of CPU, paid again at every worker recycle)."""
    return generate_password_hash("not the password", method="scrypt")


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


class Access:
    """Who may enter the admin area of one database."""

    def __init__(self, engine):
        self.engine = engine

    def _stored(self):
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(admin_settings.c.value).where(admin_settings.c.name == "password")).scalar()

    def enabled(self):
        """Whether a password was set: without one the admin area does not exist."""
        return self._stored() is not None

    def set_password(self, password):
        """Store the scrypt hash of a new password and end every open admin session."""
        if len(password) < MIN_LENGTH:
            raise ValueError(f"the password needs at least {MIN_LENGTH} characters")
        value = generate_password_hash(password, method="scrypt")
        with self.engine.begin() as connection:
            connection.execute(admin_settings.delete().where(admin_settings.c.name == "password"))
            connection.execute(admin_settings.insert(), {"name": "password", "value": value})
            connection.execute(admin_sessions.delete())

    def check(self, password):
        """Whether the password is the admin's (taking as long when none is set)."""
        stored = self._stored()
        matches = check_password_hash(stored or _dummy(), password or "")
        return bool(stored) and matches

    def open_session(self, now=None):
        """A new session token for a logged-in admin."""
        now = now or datetime.now(timezone.utc)
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            connection.execute(admin_sessions.delete().where(admin_sessions.c.expires_at <= now))
            connection.execute(admin_sessions.insert(), {"token_hash": _hash(token),
                                                         "expires_at": now + timedelta(minutes=SESSION_MINUTES)})
        return token

    def valid(self, token, now=None):
        """Whether a session token is open and not expired."""
        if not token:
            return False
        now = now or datetime.now(timezone.utc)
        with self.engine.connect() as connection:
            expires = connection.execute(sa.select(admin_sessions.c.expires_at).where(
                admin_sessions.c.token_hash == _hash(token))).scalar()
        if expires is None:
            return False
        expires = expires if expires.tzinfo else expires.replace(tzinfo=timezone.utc)
        return expires > now

    def close_session(self, token):
        with self.engine.begin() as connection:
            connection.execute(admin_sessions.delete().where(admin_sessions.c.token_hash == _hash(token or "")))
