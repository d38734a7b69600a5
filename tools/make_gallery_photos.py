"""Make tests/gallery/*.jpg: four portraits from face_recognition 1.3.0's sdist on PyPI (three different photos of
Barack Obama, one of Joe Biden), shrunk to a 480-pixel long side so the committed fixtures stay small.

    python tools/make_gallery_photos.py [--sdist face_recognition-1.3.0.tar.gz]

Without --sdist it runs `pip download --no-deps --no-binary :all: face_recognition==1.3.0` into a temporary folder.
The tarball's SHA-256 is checked; the output is byte-for-byte the same on every run (Pillow 13, quality 90)."""

import argparse
import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from PIL import Image

SDIST = "face_recognition-1.3.0.tar.gz"
SHA256 = "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec"
PHOTOS = ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg")
LONG_SIDE = 480
OUT = Path(__file__).resolve().parent.parent / "tests" / "gallery"


def sdist(given):
    if given:
        return Path(given)
    folder = Path(tempfile.mkdtemp())
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                    "face_recognition==1.3.0", "-d", str(folder)], check=True)
    return folder / SDIST


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdist")
    path = sdist(parser.parse_args().sdist)
    if hashlib.sha256(path.read_bytes()).hexdigest() != SHA256:
        sys.exit(f"{path}: not the face_recognition 1.3.0 sdist this script was written for")
    OUT.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path) as tar:
        for name in PHOTOS:
            image = Image.open(io.BytesIO(tar.extractfile(f"face_recognition-1.3.0/tests/test_images/{name}").read()))
            image = image.convert("RGB")
            image.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
            image.save(OUT / name, quality=90)
            print(OUT / name, image.size)


if __name__ == "__main__":
    main()
