"""Results and their photos: rows in SQLite (or PostgreSQL by URL), sanitised JPEGs in a folder."""

import hashlib
import hmac
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from . import schema
from .intake import jpeg_bytes
from .judges import Judgement
from .vision.detectors import Region

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}$")

metadata = sa.MetaData()
results = sa.Table(
    "results",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("judge", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("verdict_ja", sa.Text, nullable=False),
    sa.Column("verdict_en", sa.Text, nullable=False),
    sa.Column("sensitive", sa.Boolean, nullable=False),
    sa.Column("labels", sa.Text, nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("has_photo", sa.Boolean, nullable=False),
    sa.Column("timings", sa.Text, nullable=False),
    sa.Column("owner_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
regions = sa.Table(
    "regions",
    metadata,
    sa.Column("result_id", sa.String(32), sa.ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(64), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("x", sa.Integer, nullable=False),
    sa.Column("y", sa.Integer, nullable=False),
    sa.Column("w", sa.Integer, nullable=False),
    sa.Column("h", sa.Integer, nullable=False),
    sa.Column("labels", sa.Text, nullable=False),
)
# A deleted or expired result leaves only the SHA-256 of its id, so that its address answers 410, not 404.
tombstones = sa.Table(
    "tombstones",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("gone_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
TOMBSTONE_DAYS = 90


@dataclass
class Record:
    """A stored result: its judgement, photo facts and lifetime, as pages and the API show it."""

    id: str
    judgement: Judgement
    width: int
    height: int
    has_photo: bool
    created_at: datetime
    expires_at: datetime
    owner_token: str = None  # known only right after saving, to the uploader

    @property
    def expired(self):
        return self.expires_at <= datetime.now(timezone.utc)

    def as_dict(self):
        """The documented JSON result (without the uploader-only delete_url)."""
        return {
            "id": self.id,
            **self.judgement.as_dict(),
            "image": {"width": self.width, "height": self.height, "kept": self.has_photo},
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
        }


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(moment):
    """SQLite hands datetimes back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class Store:
    """Saves, finds and deletes results; a photo file is written before its row and removed with it."""

    def __init__(self, database_url, data_dir, retention_days):
        self.engine = sa.create_engine(database_url)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.photos = Path(data_dir) / "photos"
        self.photos.mkdir(parents=True, exist_ok=True)
        self.retention = timedelta(days=retention_days)
        schema.upgrade(self.engine, data_dir)

    def photo_path(self, result_id):
        return self.photos / result_id[:2] / f"{result_id}.jpg"

    def files(self, result_id):
        """Every file of a result: its photo and whatever was made from it (blurred copy, share cards)."""
        folder = self.photos / result_id[:2]
        return sorted(folder.glob(f"{result_id}.*")) if ID_PATTERN.match(result_id or "") else []

    def derived(self, result_id, name, key, make):
        """The path of a file made from a result (make() -> bytes), made once per key, deleted with the result.

        A new key replaces the file made for an older one; None when the result went away meanwhile."""
        folder = self.photos / result_id[:2]
        path = folder / f"{result_id}.{name}.{key}.jpg"
        if path.exists():
            return path
        self._write_atomically(path, make())
        for stale in folder.glob(f"{result_id}.{name}.*.jpg"):
            if stale != path:
                stale.unlink(missing_ok=True)
        if not self._exists(result_id):
            for leftover in self.files(result_id):
                leftover.unlink(missing_ok=True)
            return None
        return path

    def _exists(self, result_id):
        with self.engine.connect() as connection:
            return connection.execute(sa.select(results.c.id).where(results.c.id == result_id)).first() is not None

    def save(self, photo, judgement, keep_photo=True):
        """Store a judgement (and its sanitised photo unless told not to); return the Record with its owner token."""
        result_id = secrets.token_urlsafe(16)
        owner_token = secrets.token_urlsafe(24)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        width, height = photo.size
        row = {
            "id": result_id,
            "judge": judgement.judge,
            "kind": judgement.kind,
            "score": float(judgement.score),
            "verdict_ja": judgement.verdict["ja"],
            "verdict_en": judgement.verdict["en"],
            "sensitive": bool(judgement.sensitive),
            "labels": json.dumps(judgement.labels),
            "width": width,
            "height": height,
            "has_photo": bool(keep_photo),
            "timings": json.dumps(judgement.timings_ms),
            "owner_hash": _hash(owner_token),
            "created_at": now,
            "expires_at": now + self.retention,
        }
        region_rows = [
            {"result_id": result_id, "position": n, "label": r.label, "score": float(r.score),
             "x": r.box[0], "y": r.box[1], "w": r.box[2], "h": r.box[3], "labels": json.dumps(r.labels)}
            for n, r in enumerate(judgement.regions)
        ]
        path = self.photo_path(result_id)
        if keep_photo:
            self._write_atomically(path, jpeg_bytes(photo.image))
        try:
            with self.engine.begin() as connection:
                connection.execute(results.insert(), row)
                if region_rows:
                    connection.execute(regions.insert(), region_rows)
        except Exception:
            path.unlink(missing_ok=True)
            raise
        record = self.get(result_id)
        record.owner_token = owner_token
        return record

    @staticmethod
    def _write_atomically(path, data):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{secrets.token_hex(4)}.part")
        partial.write_bytes(data)
        os.replace(partial, path)

    def get(self, result_id):
        """The Record with this id, or None when there is none (expired ones are returned, marked expired)."""
        if not ID_PATTERN.match(result_id or ""):
            return None
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(results).where(results.c.id == result_id)).mappings().first()
            if row is None:
                return None
            found = connection.execute(
                sa.select(regions).where(regions.c.result_id == result_id).order_by(regions.c.position)
            ).mappings().all()
        judgement = Judgement(
            judge=row["judge"],
            kind=row["kind"],
            score=row["score"],
            verdict={"ja": row["verdict_ja"], "en": row["verdict_en"]},
            sensitive=row["sensitive"],
            labels=json.loads(row["labels"]),
            regions=[
                Region(r["label"], r["score"], [r["x"], r["y"], r["w"], r["h"]], json.loads(r["labels"]))
                for r in found
            ],
            timings_ms=json.loads(row["timings"]),
        )
        return Record(
            id=row["id"],
            judgement=judgement,
            width=row["width"],
            height=row["height"],
            has_photo=row["has_photo"],
            created_at=_utc(row["created_at"]),
            expires_at=_utc(row["expires_at"]),
        )

    def is_owner(self, result_id, token):
        """Whether the token is the one handed to this result's uploader."""
        if not token or not ID_PATTERN.match(result_id or ""):
            return False
        with self.engine.connect() as connection:
            stored = connection.execute(
                sa.select(results.c.owner_hash).where(results.c.id == result_id)
            ).scalar()
        return stored is not None and hmac.compare_digest(stored, _hash(token))

    def delete(self, result_id):
        """Delete a result's row, regions and every file at once, leaving a tombstone; False if there was none."""
        with self.engine.begin() as connection:
            connection.execute(regions.delete().where(regions.c.result_id == result_id))
            deleted = connection.execute(results.delete().where(results.c.id == result_id)).rowcount
            if deleted:
                connection.execute(
                    tombstones.insert(), {"id_hash": _hash(result_id), "gone_at": datetime.now(timezone.utc)}
                )
        for path in self.files(result_id):
            path.unlink(missing_ok=True)
        return bool(deleted)

    def gone(self, result_id):
        """Whether a result with this id existed and was deleted or expired (only its id's hash is kept)."""
        if not ID_PATTERN.match(result_id or ""):
            return False
        with self.engine.connect() as connection:
            found = connection.execute(sa.select(tombstones.c.id_hash).where(tombstones.c.id_hash == _hash(result_id)))
            return found.first() is not None

    def purge(self, now=None, orphans=False, limit=None):
        """Delete expired results (row, regions, files; at most limit) and old tombstones; return how many went.

        With orphans, also remove files that no row owns (left by a crash) once they are an hour old (a file
        may be written just before its row), which walks the whole folder."""
        now = now or datetime.now(timezone.utc)
        with self.engine.connect() as connection:
            expired = connection.execute(
                sa.select(results.c.id).where(results.c.expires_at <= now).order_by(results.c.expires_at).limit(limit)
            ).scalars().all()
        count = sum(self.delete(result_id) for result_id in expired)
        with self.engine.begin() as connection:
            connection.execute(tombstones.delete().where(tombstones.c.gone_at <= now - timedelta(days=TOMBSTONE_DAYS)))
        if orphans:
            with self.engine.connect() as connection:
                known = set(connection.execute(sa.select(results.c.id)).scalars())
            settled = time.time() - 3600
            for path in self.photos.glob("*/*"):
                if path.name.split(".")[0] not in known and path.stat().st_mtime < settled:
                    path.unlink(missing_ok=True)
        return count


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
