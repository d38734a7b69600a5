"""The store: result rows (SQLite or PostgreSQL) and their files, behind one interface for each."""

from pathlib import Path

from .albums import Albums
from .photos import LocalPhotos
from .results import Store, derived_name, photo_name


def open_store(database_url, data_dir, retention_days):
    """The store of an instance: its database, its photo files in the data folder."""
    store = Store(database_url, LocalPhotos(Path(data_dir) / "photos"), retention_days, lock_dir=data_dir)
    store.albums = Albums(store)
    return store


__all__ = ["Albums", "LocalPhotos", "Store", "derived_name", "open_store", "photo_name"]
