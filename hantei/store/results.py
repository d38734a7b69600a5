"""Results: rows in SQLite (or PostgreSQL by URL), owner tokens, tombstones and purging; files through photos."""

import hashlib
import hmac
import logging
import re
import secrets
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from . import rows, schema
from .photos import StorageDown
from .tables import regions, results, tombstones

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}$")
TOMBSTONE_DAYS = 90
log = logging.getLogger(__name__)
ORPHAN_SECONDS = 3600  # a file may be written just before its row: only older ones without a row are orphans


def digest(token):
    """The SHA-256 of a token or id, as stored: never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def row_of(connection, table, item_id):
    """The row of a table (results, albums) with this id, as a mapping; None when there is none, or when the id
    is not one hantei makes."""
    if not ID_PATTERN.match(item_id or ""):
        return None
    return connection.execute(sa.select(table).where(table.c.id == item_id)).mappings().first()


def row_and_parts(engine, table, item_id, parts, key):
    """A row of a table (results, albums) and, in order of position, the rows of its parts table (regions, album
    photos) whose `key` column names it; (None, []) when there is no such row."""
    with engine.connect() as connection:
        row = row_of(connection, table, item_id)
        if row is None:
            return None, []
        return row, connection.execute(
            sa.select(parts).where(parts.c[key] == item_id).order_by(parts.c.position)).mappings().all()


def owns(engine, table, item_id, token):
    """Whether a token is the one handed to the uploader of a row of a table (results, albums)."""
    if not token or not ID_PATTERN.match(item_id or ""):
        return False
    with engine.connect() as connection:
        stored = connection.execute(sa.select(table.c.owner_hash).where(table.c.id == item_id)).scalar()
    return stored is not None and hmac.compare_digest(stored, digest(token))


def photo_name(result_id):
    """The stored photo's file name."""
    return f"{result_id[:2]}/{result_id}.jpg"


def derived_name(result_id, name, key):
    """The file name of something made from a result's photo (a blurred copy, a card), per key."""
    return f"{result_id[:2]}/{result_id}.{name}.{key}.jpg"


class Store:
    """Saves, finds and deletes results; a result's files are written before its row and removed with it."""

    def __init__(self, database_url, photos, retention_days, lock_dir):
        self.engine = sa.create_engine(database_url)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.photos = photos
        self.retention = timedelta(days=retention_days)
        self.albums = None  # hantei.store.albums.Albums, set by open_store: purged with the results
        schema.upgrade(self.engine, lock_dir)

    def files(self, result_id):
        """The names of every file of a result: its photo and whatever was made from it."""
        return self.photos.named(result_id[:2], f"{result_id}.") if ID_PATTERN.match(result_id or "") else []

    def derived(self, result_id, name, key, make):
        """The file name of something made from a result (make() -> bytes), made once per key, deleted with it.

        A new key replaces the file made for an older one; None when the result went away meanwhile."""
        target = derived_name(result_id, name, key)
        if self.photos.exists(target):
            return target
        self.photos.put(target, make())
        for stale in self.photos.named(result_id[:2], f"{result_id}.{name}."):
            if stale != target:
                self.photos.delete(stale)
        if not self.exists(result_id):
            for leftover in self.files(result_id):
                self.photos.delete(leftover)
            return None
        return target

    def exists(self, result_id):
        with self.engine.connect() as connection:
            return connection.execute(sa.select(results.c.id).where(results.c.id == result_id)).first() is not None

    def save(self, judgement, size, photo_jpeg=None, uploaded=None):
        """Store a judgement (and the sanitised photo's JPEG, when kept); return the Record with its owner token.

        size is the stored copy's (boxes are in its pixels), uploaded the photo's as it came, upright."""
        result_id = secrets.token_urlsafe(16)
        owner_token = secrets.token_urlsafe(24)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        row = {"id": result_id, **rows.result_row(judgement, size, photo_jpeg is not None, uploaded),
               "owner_hash": digest(owner_token), "created_at": now, "expires_at": now + self.retention}
        found = rows.region_rows(result_id, judgement.regions)
        if photo_jpeg is not None:
            self.photos.put(photo_name(result_id), photo_jpeg)
        try:
            with self.engine.begin() as connection:
                connection.execute(results.insert(), row)
                if found:
                    connection.execute(regions.insert(), found)
        except Exception:
            self.photos.delete(photo_name(result_id))
            raise
        record = rows.record(row, found)  # what get() would read back, without reading it
        record.owner_token = owner_token
        return record

    def get(self, result_id):
        """The Record with this id, or None when there is none (expired ones are returned, marked expired)."""
        row, found = row_and_parts(self.engine, results, result_id, regions, "result_id")
        return rows.record(row, found) if row is not None else None

    def is_owner(self, result_id, token):
        """Whether the token is the one handed to this result's uploader."""
        return owns(self.engine, results, result_id, token)

    def delete(self, result_id):
        """Delete a result's files, then its row and regions, leaving a tombstone; False if there was none.

        Files go first: when the file store is down this raises StorageDown and the row stays for a retry, so a
        deleted result never leaves its photo behind. A file made meanwhile is removed after the row."""
        for name in self.files(result_id):
            self.photos.delete(name)
        with self.engine.begin() as connection:
            connection.execute(regions.delete().where(regions.c.result_id == result_id))
            deleted = connection.execute(results.delete().where(results.c.id == result_id)).rowcount
            if deleted:
                connection.execute(
                    tombstones.insert(), {"id_hash": digest(result_id), "gone_at": datetime.now(timezone.utc)}
                )
        try:
            for name in self.files(result_id):
                self.photos.delete(name)
        except StorageDown:
            log.warning("a file of deleted result %s stays until the orphan purge", result_id[:4])
        return bool(deleted)

    def gone(self, result_id):
        """Whether a result with this id existed and was deleted or expired (only its id's hash is kept)."""
        if not ID_PATTERN.match(result_id or ""):
            return False
        with self.engine.connect() as connection:
            found = connection.execute(sa.select(tombstones.c.id_hash).where(tombstones.c.id_hash == digest(result_id)))
            return found.first() is not None

    def purge(self, now=None, orphans=False, limit=None):
        """Delete expired results (row, regions, files; at most limit) and old tombstones; return how many went.

        With orphans, also remove files that no row owns (left by a crash) once they are an hour old,
        which lists every stored file."""
        now = now or datetime.now(timezone.utc)
        with self.engine.connect() as connection:
            expired = connection.execute(
                sa.select(results.c.id).where(results.c.expires_at <= now).order_by(results.c.expires_at).limit(limit)
            ).scalars().all()
        count = sum(self.delete(result_id) for result_id in expired)
        if self.albums is not None:
            self.albums.purge(now)
        with self.engine.begin() as connection:
            connection.execute(tombstones.delete().where(tombstones.c.gone_at <= now - timedelta(days=TOMBSTONE_DAYS)))
        if orphans:
            self._purge_orphans()
        return count

    def _purge_orphans(self):
        with self.engine.connect() as connection:
            known = set(connection.execute(sa.select(results.c.id)).scalars())
        known |= self.albums.ids() if self.albums is not None else set()
        for name in self.photos.names(older_than=ORPHAN_SECONDS):
            if name.split("/")[-1].lstrip(".").split(".")[0] not in known:
                self.photos.delete(name)


def _sqlite_pragmas(connection, _record):
    """Every SQLite connection waits for a lock instead of failing at once, makes regions follow results, and
    commits without an fsync.

    WAL, which lets workers read while one writes, is set once for the file (schema.upgrade, under its lock)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    # In WAL mode a commit need not wait for the disk (fsync took 7 ms of a request): a power cut may lose the
    # last results, never corrupt the file.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
