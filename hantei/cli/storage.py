"""flask storage migrate: copy a one-server instance's files (photos, blurred copies, cards) into a bucket."""

import hashlib

import click
from flask import current_app
from flask.cli import AppGroup

from ..store import StorageDown, open_photos
from ..services import service


@click.group("storage", cls=AppGroup)
def storage_group():
    """Where photos and cards are kept: move them from the data folder into an S3 bucket."""


@storage_group.command("migrate")
@click.option("--to", "target_url", required=True, metavar="s3://BUCKET/PREFIX",
              help="The bucket to copy into (HANTEI_S3_ENDPOINT_URL and the AWS credentials say how to reach it).")
def migrate_command(target_url):
    """Copy every file of this instance into the bucket, checking each object's size and MD5 (run it again to
    resume: objects already there whole are skipped). Then set HANTEI_STORAGE_URL to the bucket and restart."""
    if not target_url.startswith("s3://"):
        raise click.BadParameter("must be s3://BUCKET/PREFIX", param_hint="--to")
    source = service("store").photos
    target = open_photos(target_url, current_app.config["DATA_DIR"], current_app.config["S3_ENDPOINT_URL"])
    copied = skipped = 0
    try:
        target.check()
        for name in (name for name in source.names() if not name.rsplit("/", 1)[-1].startswith(".")):
            if copy(source, target, name):
                copied += 1
            else:
                skipped += 1
    except StorageDown as error:
        raise click.ClickException(f"the bucket failed after {copied} copied: {error} (run again to resume)") from error
    click.echo(f"copied {copied} file{'s' if copied != 1 else ''}, {skipped} already in {target_url}")


def copy(source, target, name):
    """Copy one file unless the bucket already holds it whole; True when it was copied. Checks what landed."""
    data = source.read(name)
    if data is None:
        return False  # deleted while the copy ran
    whole = (len(data), hashlib.md5(data).hexdigest())
    if target.head(name) == whole:
        return False
    target.put(name, data)
    landed = target.head(name)
    if landed != whole:
        raise StorageDown(f"{name}: the bucket holds {landed}, expected {whole} (size, MD5)")
    return True
