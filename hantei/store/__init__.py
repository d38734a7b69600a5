"""The store: result rows (SQLite or PostgreSQL) and their files, behind one interface for each."""

from pathlib import Path

from .albums import Albums
from .photos import LocalPhotos, StorageDown
from .results import Store, derived_name, photo_name


def open_photos(storage_url, data_dir, endpoint_url=None):
    """The files of an instance: a folder (the data folder's photos/ unless storage_url names another),
    or an S3 bucket for s3://BUCKET/PREFIX (HANTEI_S3_ENDPOINT_URL for a store other than AWS)."""
    if storage_url and storage_url.startswith("s3://"):
        from .objects import S3Photos  # boto3 is imported only by instances that use a bucket

        return S3Photos(storage_url, endpoint_url)
    return LocalPhotos(Path(storage_url) if storage_url else Path(data_dir) / "photos")


def open_store(database_url, data_dir, retention_days, storage_url=None, endpoint_url=None):
    """The store of an instance: its database, its photo files in the data folder or a bucket."""
    store = Store(database_url, open_photos(storage_url, data_dir, endpoint_url), retention_days, lock_dir=data_dir)
    store.albums = Albums(store)
    return store


__all__ = ["Albums", "LocalPhotos", "StorageDown", "Store", "derived_name", "open_photos", "open_store", "photo_name"]
