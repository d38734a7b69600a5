"""Albums: several results posted together, in order, with the files that were refused; they expire with them."""

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa

from .results import digest, owns, row_and_parts
from .tables import album_photos, albums, tombstones


@dataclass
class Album:
    """A stored album: its results (Records, in the order posted) and the files it could not judge."""

    id: str
    judge: str
    records: list
    failures: list  # [{position, name, code, values}]
    created_at: datetime
    expires_at: datetime
    owner_token: str = None  # known only right after saving, to the uploader
    positions: dict = field(default_factory=dict)  # result id -> position in the album

    @property
    def expired(self):
        return self.expires_at <= datetime.now(timezone.utc)


def album_file(album_id, name, key):
    """The file name of something drawn for an album (its card), per key; kept apart from results' files."""
    return f"albums/{album_id}.{name}.{key}.jpg"


class Albums:
    """Saves, finds and deletes albums in the store's database; their results stay the store's own."""

    def __init__(self, store):
        self.store = store
        self.engine = store.engine

    def save(self, judge, records, failures):
        """Keep judged records (in order) and refused files as one album; return it with its owner token."""
        album_id, owner_token = secrets.token_urlsafe(16), secrets.token_urlsafe(24)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        expires = min((record.expires_at for record in records), default=now + self.store.retention)
        with self.engine.begin() as connection:
            connection.execute(albums.insert(), {
                "id": album_id, "judge": judge, "failures": json.dumps(failures, ensure_ascii=False),
                "owner_hash": digest(owner_token), "created_at": now, "expires_at": expires})
            if records:
                connection.execute(album_photos.insert(), [
                    {"album_id": album_id, "position": n, "result_id": record.id} for n, record in enumerate(records)])
        album = self.get(album_id)
        album.owner_token = owner_token
        return album

    def get(self, album_id):
        """The Album with this id (its results that still exist), or None; expired ones are returned, marked."""
        row, photos = row_and_parts(self.engine, albums, album_id, album_photos, "album_id")
        if row is None:
            return None
        members = [(photo["result_id"], photo["position"]) for photo in photos]
        records = [record for record in (self.store.get(result_id) for result_id, _ in members) if record]
        return Album(id=row["id"], judge=row["judge"], records=records, failures=json.loads(row["failures"]),
                     created_at=_utc(row["created_at"]), expires_at=_utc(row["expires_at"]),
                     positions={result_id: position for result_id, position in members})

    def is_owner(self, album_id, token):
        """Whether the token is the one handed to this album's uploader."""
        return owns(self.engine, albums, album_id, token)

    def contains(self, album_id, result_id):
        with self.engine.connect() as connection:
            return connection.execute(sa.select(album_photos.c.result_id).where(
                album_photos.c.album_id == album_id, album_photos.c.result_id == result_id)).first() is not None

    def delete_photo(self, album_id, result_id):
        """Delete one of the album's results (row, photo, cards); the album's card is drawn again without it."""
        if not self.contains(album_id, result_id):
            return False
        with self.engine.begin() as connection:
            connection.execute(album_photos.delete().where(album_photos.c.result_id == result_id))
        return self.store.delete(result_id)

    def delete(self, album_id):
        """Delete an album with every result in it and its cards, leaving a tombstone; False if there was none."""
        with self.engine.connect() as connection:
            members = connection.execute(sa.select(album_photos.c.result_id).where(
                album_photos.c.album_id == album_id)).scalars().all()
        with self.engine.begin() as connection:
            connection.execute(album_photos.delete().where(album_photos.c.album_id == album_id))
            deleted = connection.execute(albums.delete().where(albums.c.id == album_id)).rowcount
            if deleted:
                connection.execute(tombstones.insert(), {"id_hash": digest(album_id),
                                                         "gone_at": datetime.now(timezone.utc)})
        for result_id in members:
            self.store.delete(result_id)
        self.remove_files(album_id)
        return bool(deleted)

    def remove_files(self, album_id, keep=None):
        for name in self.store.photos.named("albums", f"{album_id}."):
            if name != keep:
                self.store.photos.delete(name)

    def derived(self, album_id, name, key, make):
        """The file name of something drawn for an album (make() -> bytes), once per key; None if it went away."""
        target = album_file(album_id, name, key)
        if not self.store.photos.exists(target):
            self.store.photos.put(target, make())
            for stale in self.store.photos.named("albums", f"{album_id}.{name}."):
                if stale != target:
                    self.store.photos.delete(stale)
        if self.get(album_id) is None:
            self.remove_files(album_id)
            return None
        return target

    def purge(self, now=None):
        """Delete expired albums (their results expire on their own); return how many went."""
        now = now or datetime.now(timezone.utc)
        with self.engine.connect() as connection:
            expired = connection.execute(sa.select(albums.c.id).where(albums.c.expires_at <= now)).scalars().all()
        return sum(self.delete(album_id) for album_id in expired)

    def ids(self):
        with self.engine.connect() as connection:
            return set(connection.execute(sa.select(albums.c.id)).scalars())

    def gone(self, album_id):
        return self.store.gone(album_id)


def _utc(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
