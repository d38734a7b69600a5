"""Photo files: the one interface to every stored file (photo, blurred copy, cards), kept in a local folder."""

import os
import secrets
import time
from pathlib import Path


class StorageDown(Exception):
    """The file store could not be reached or refused a write: the request answers 503, nothing is half-kept."""


class LocalPhotos:
    """Files by name ("ab/<id>.jpg") under one folder, each written whole or not at all."""

    def __init__(self, root):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def check(self):
        """Raise StorageDown unless files can be written now (readiness asks)."""
        if not os.access(self.root, os.W_OK):
            raise StorageDown(f"{self.root} is not writable")

    def public_key(self, _name):
        """Where a public file sits under HANTEI_MEDIA_URL: a folder is never served that way."""
        return None

    def _path(self, name):
        return self.root / name

    def put(self, name, data):
        """Write a file atomically: readers see the old file or the new one, never part of one."""
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        partial.write_bytes(data)
        os.replace(partial, path)

    def read(self, name):
        """A file's bytes, or None when there is none."""
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, name):
        return self._path(name).is_file()

    def delete(self, name):
        self._path(name).unlink(missing_ok=True)

    def named(self, folder, prefix):
        """The names of the files in a folder whose name starts with prefix."""
        return sorted(f"{folder}/{path.name}" for path in (self.root / folder).glob(f"{prefix}*")
                      if not path.name.startswith("."))

    def names(self, older_than=None):
        """Every stored file's name (half-written ones too); with older_than, only those last written before
        that many seconds ago, as the orphan purge wants."""
        settled = time.time() - older_than if older_than is not None else None
        return sorted(str(path.relative_to(self.root)) for path in self.root.glob("*/*")
                      if path.is_file() and (settled is None or path.stat().st_mtime < settled))
