"""Judge every SFW image that installed packages ship (photos, drawings, wallpapers, icons, doc screenshots) and
the ordinary photos of people of tools/people_photos.csv with keshikaran, write the set's manifest (split, package,
version, path, license, score, verdict) and print the share judged 健全 per split, so its weights and thresholds are
set on real images (the `calibrate` split) and measured on sources they were not set on (`heldout`).

    .venv/bin/python tools/make_people_photos.py /tmp/people
    .venv/bin/python tools/calibrate_keshikaran.py --people /tmp/people   # writes bench/calibration/keshikaran-sfw.toml
    .venv/bin/python tools/calibrate_keshikaran.py --wide gimp-help-en=2.10.34-2 kdenlive-data=22.12.3-2+deb12u2

Sources: scikit-image's data folder, scikit-learn's sample images, matplotlib's sample data, and the images of the
Debian packages desktop-base, gnome-backgrounds, adwaita-icon-theme and any package's /usr/share/doc (apt-get
install -y --no-install-recommends desktop-base gnome-backgrounds). A file is left out when a near copy (the same
picture at another size) is already in the set, or when intake would refuse it (under 32 px a side).
"""

import argparse
import hashlib
import subprocess
import sys
from importlib import metadata, resources
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from hantei.judges.judging import judge_bytes  # noqa: E402
from hantei.judges.registry import open_judge  # noqa: E402
from hantei.intake import Limits  # noqa: E402
from hantei.refusals import Refused  # noqa: E402
from tools.make_kinds_photos import debian  # noqa: E402
from tools.make_people_photos import CACHE, rows as people_rows, target as people_target  # noqa: E402

IMAGES = (".jpg", ".jpeg", ".png", ".webp")
PYTHON_SOURCES = {  # package: folders inside it
    "scikit-image": ("skimage", ["data"]),
    "scikit-learn": ("sklearn", ["datasets/images"]),
    "matplotlib": ("matplotlib", ["mpl-data/sample_data"]),
}
DEBIAN_FOLDERS = ["/usr/share/backgrounds", "/usr/share/desktop-base", "/usr/share/images/desktop-base",
                  "/usr/share/icons/Adwaita/512x512", "/usr/share/doc"]
OUT = ROOT / "bench" / "calibration" / "keshikaran-sfw.toml"


def python_files():
    for package, (module, folders) in PYTHON_SOURCES.items():
        dist = metadata.distribution(package)
        licence = dist.metadata.get("License-Expression") or dist.metadata.get("License") or ""
        base = Path(str(resources.files(module)))
        for folder in folders:
            for path in sorted((base / folder).rglob("*")):
                if path.suffix.lower() in IMAGES:
                    where = f"{module}/{path.relative_to(base)}"
                    yield path, f"pypi:{package}", dist.version, where, licence.split("\n")[0]


def debian_package(path):
    """The Debian package that owns a file, its version and the licence named in its copyright file."""
    found = subprocess.run(["dpkg", "-S", str(path)], capture_output=True, text=True).stdout.split(":")[0]
    if not found:
        return None
    version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", found], capture_output=True, text=True).stdout
    copyright_file = Path("/usr/share/doc") / found / "copyright"
    licence = ""
    if copyright_file.is_file():
        for line in copyright_file.read_text(errors="replace").splitlines():
            if line.startswith("License:"):
                licence = line.split(":", 1)[1].strip()
                break
    return found, version, licence or f"see /usr/share/doc/{found}/copyright"


def debian_files():
    for folder in DEBIAN_FOLDERS:
        for path in sorted(Path(folder).rglob("*")):
            if path.suffix.lower() in IMAGES and path.is_file() and not path.is_symlink():
                owner = debian_package(path)
                if owner:
                    yield path, f"debian:{owner[0]}", owner[1], str(path), owner[2]


def signature(image):
    """A tiny grey thumbnail, so that one wallpaper at ten sizes counts once."""
    small = np.asarray(image.convert("L").resize((12, 12), Image.Resampling.BOX), dtype=np.int16) // 24
    return hashlib.sha256(small.tobytes() + bytes(str(round(image.width / image.height, 1)), "ascii")).hexdigest()


def collect():
    """Every distinct image of the sources that intake accepts: (path, package, version, where, licence)."""
    return distinct([*python_files(), *debian_files()])


def distinct(entries):
    """The entries whose image is not a near copy of an earlier one's (nor under 32 px a side)."""
    seen, kept = set(), []
    for entry in entries:
        try:
            with Image.open(entry[0]) as image:
                if min(image.size) < 32:
                    continue
                mark = signature(image)
        except (OSError, ValueError):
            continue
        if mark not in seen:
            seen.add(mark)
            kept.append(entry)
    return kept


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=str(ROOT / "models"))
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--people", type=Path, help="the folder tools/make_people_photos.py built")
    parser.add_argument("--wide", nargs="*", default=[], metavar="PACKAGE=VERSION",
                        help="only print the share judged 健全 of these Debian packages' images (wide held-out)")
    args = parser.parse_args()
    judge = open_judge(Path(args.models) / "keshikaran")
    if args.wide:
        wide(judge, args.wide)
        return
    rows = []
    for path, package, version, where, licence in [*collect(), *people(args.people)]:
        try:
            _photo, judgement = judge_bytes(path.read_bytes(), judge, Limits())
        except Refused:
            continue
        split = "heldout" if path.parent.name == "heldout" else "calibrate"
        rows.append({"split": split, "package": package, "version": version, "path": where, "license": licence,
                     "score": round(judgement.score, 4), "verdict": judgement.verdict["ja"]})
    wholesome = judge.spec.bands[0].text["ja"]
    shares = {split: share([row for row in rows if row["split"] == split], wholesome)
              for split in ("calibrate", "heldout")}
    write(Path(args.out), rows, shares)
    for row in rows:
        if row["verdict"] != wholesome:
            print(f"  {row['split']} {row['score']:.3f} {row['verdict']}  {row['package']} {row['path']}")
    for split, (good, count) in shares.items():
        print(f"{split}: {good} of {count} ({100 * good / max(1, count):.1f}%) judged {wholesome}")


def wide(judge, packages):
    """Judge every distinct image of Debian packages the calibration never saw and print the share judged 健全."""
    entries = []
    for package in packages:
        name, version = package.split("=", 1)
        CACHE.mkdir(parents=True, exist_ok=True)
        tree = debian(name, version, CACHE)
        entries += [(path, name, version, str(path.relative_to(tree)), "") for path in sorted(tree.rglob("*"))
                    if path.suffix.lower() in IMAGES and path.is_file() and not path.is_symlink()]
    wholesome = judge.spec.bands[0].text["ja"]
    good = count = 0
    for path, name, _version, where, _licence in distinct(entries):
        try:
            _photo, judgement = judge_bytes(path.read_bytes(), judge, Limits())
        except Refused:
            continue
        count += 1
        good += judgement.verdict["ja"] == wholesome
        if judgement.verdict["ja"] != wholesome:
            print(f"  {judgement.score:.3f} {judgement.verdict['ja']}  {name} {where}")
    print(f"{' '.join(packages)}: {good} of {count} ({100 * good / max(1, count):.1f}%) judged {wholesome}")


def people(folder):
    """The photos of people tools/make_people_photos.py built into folder, as (path, package, version, where,
    licence); none without a folder."""
    for row in people_rows() if folder else []:
        path = people_target(folder, row)
        if path.is_file():
            yield path, f"{row['registry'].split('-')[0]}:{row['package']}", row["version"], row["path"], row["license"]


def share(rows, wholesome):
    """How many of the rows were judged 健全, and how many there are."""
    return sum(row["verdict"] == wholesome for row in rows), len(rows)


def quoted(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(out, rows, shares):
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# keshikaran's SFW calibration set: images installed packages ship and the photos of people of",
             "# tools/people_photos.csv, written by tools/calibrate_keshikaran.py (score and verdict as judged with",
             "# models/keshikaran/judge.toml). Weights and thresholds are set on the calibrate split alone.",
             *(f"# {split}: {good} of {count} judged 健全." for split, (good, count) in shares.items()), ""]
    for row in rows:
        lines.append("[[image]]")
        lines += [f"{key} = {value if key == 'score' else quoted(value)}" for key, value in row.items()]
        lines.append("")
    out.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
