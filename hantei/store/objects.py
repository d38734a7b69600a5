"""Photo files in an S3-compatible bucket (HANTEI_STORAGE_URL=s3://BUCKET/PREFIX): the same interface as LocalPhotos.

Clear photos go under PREFIX/private/, what may be public (blurred copies, cards) under PREFIX/media/, so that an
operator can open the media folder alone to a CDN (HANTEI_MEDIA_URL) while every clear photo stays private."""

import base64
import hashlib
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import boto3
import botocore.exceptions
from botocore.config import Config

from .photos import StorageDown

# Fail fast when the store is down (the visitor gets a 503 in seconds, not a hung upload); retry brief glitches.
CLIENT_CONFIG = Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"},
                       s3={"addressing_style": "path"})
MISSING = {"404", "NoSuchKey", "NotFound"}


def parse_url(url):
    """(bucket, prefix) of an s3://BUCKET/PREFIX address; the prefix ends with "/" unless empty."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"HANTEI_STORAGE_URL must be a folder or s3://BUCKET/PREFIX, not {url!r}")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


def is_public(name):
    """Whether a file may be public: a blurred copy or a card ("ab/<id>.<what>.<key>.jpg"), never a photo."""
    return name.rsplit("/", 1)[-1].count(".") > 1


class S3Photos:
    """Files by name ("ab/<id>.jpg") as objects of one bucket; a PUT is whole or absent, as S3 promises."""

    def __init__(self, url, endpoint_url=None):
        self.url = url
        self.bucket, self.prefix = parse_url(url)
        self.client = boto3.session.Session().client("s3", endpoint_url=endpoint_url or None, config=CLIENT_CONFIG)

    def key(self, name):
        """The object key of a file name."""
        return f"{self.prefix}{'media' if is_public(name) else 'private'}/{name}"

    def name(self, key):
        return key[len(self.prefix):].split("/", 1)[1]

    def public_key(self, name):
        """The file's path under HANTEI_MEDIA_URL (the bucket's PREFIX/media/), or None when it must stay private."""
        return name if is_public(name) else None

    def check(self):
        """Raise StorageDown unless the bucket answers (readiness asks)."""
        self._call("head_bucket", Bucket=self.bucket)

    def put(self, name, data):
        """Store a file; S3 checks the MD5 it is sent with, so a damaged upload is refused, never kept."""
        md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
        self._call("put_object", Bucket=self.bucket, Key=self.key(name), Body=data, ContentMD5=md5,
                   ContentType="image/jpeg")

    def read(self, name):
        """A file's bytes, or None when there is none."""
        answer = self._call("get_object", missing=None, Bucket=self.bucket, Key=self.key(name))
        try:
            return answer["Body"].read() if answer is not None else None
        except botocore.exceptions.BotoCoreError as error:
            raise StorageDown(f"reading {name}: {error}") from error

    def head(self, name):
        """The object's size and ETag, or None when there is none."""
        answer = self._call("head_object", missing=None, Bucket=self.bucket, Key=self.key(name))
        return None if answer is None else (answer["ContentLength"], answer["ETag"].strip('"'))

    def exists(self, name):
        return self.head(name) is not None

    def delete(self, name):
        self._call("delete_object", Bucket=self.bucket, Key=self.key(name))

    def named(self, folder, prefix):
        """The names of the files in a folder whose name starts with prefix."""
        found = []
        for kind in ("private", "media"):
            found += [self.name(item["Key"]) for item in self._list(f"{self.prefix}{kind}/{folder}/{prefix}")]
        return sorted(found)

    def names(self, older_than=None):
        """Every stored file's name; with older_than, only those last written before that many seconds ago."""
        settled = datetime.now(timezone.utc) - timedelta(seconds=older_than) if older_than is not None else None
        return sorted(self.name(item["Key"]) for kind in ("private", "media")
                      for item in self._list(f"{self.prefix}{kind}/")
                      if settled is None or item["LastModified"] < settled)

    def _list(self, prefix):
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                yield from page.get("Contents", [])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise StorageDown(f"listing {prefix}: {error}") from error

    def _call(self, operation, missing=False, **arguments):
        """One S3 call; a missing object gives `missing` (when not False), any other failure StorageDown."""
        try:
            return getattr(self.client, operation)(**arguments)
        except botocore.exceptions.ClientError as error:
            if missing is not False and error.response.get("Error", {}).get("Code") in MISSING:
                return missing
            raise StorageDown(f"{operation}: {error}") from error
        except botocore.exceptions.BotoCoreError as error:
            raise StorageDown(f"{operation}: {error}") from error
