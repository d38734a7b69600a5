"""An ImageFolder tree (one folder per label, optionally inside train/ val/ test/) as labelled photo lists per split."""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import intake

SPLITS = ("train", "val", "test")
EXTENSIONS = {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".heif", ".avif"}
# Photos are read as uploads are (same decoder, orientation and colour handling), so that a judge learns
# from what it will be shown; but capped at 1024 px rather than 2048, since the backbone sees 256 px:
# a 12 MP JPEG then decodes at 1/4 scale, 3.5x faster, and its 224 px crop differs by 0.17 of 255 levels
# on average.
LIMITS = intake.Limits(long_side=1024)


class DatasetError(ValueError):
    """A folder that cannot be trained on, with what to change."""


@dataclass
class Dataset:
    """Labels (sorted folder names) and, per split, the photos as (path, label index) pairs."""

    root: Path
    labels: list
    splits: dict = field(default_factory=dict)
    given_splits: tuple = ()  # the split folders the tree had; the others were drawn at random

    def counts(self):
        """Photos per split and label: {split: {label: count}}."""
        return {split: {label: sum(1 for _, k in items if k == index) for index, label in enumerate(self.labels)}
                for split, items in self.splits.items()}


def photos_in(folder):
    """Image files under a folder (any depth), sorted so that every run sees them in the same order."""
    return sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix.lower() in EXTENSIONS
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def _label_folders(folder):
    return sorted(p for p in Path(folder).iterdir() if p.is_dir() and not p.name.startswith("."))


def read(root, seed=0, val=0.15, test=0.15):
    """Read train/ val/ test/ folders when there are, else split each label's photos at random (fixed seed)."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root} is not a folder")
    if (root / "train").is_dir():
        labels = [p.name for p in _label_folders(root / "train")]
        dataset = Dataset(root, labels, given_splits=tuple(s for s in SPLITS if (root / s).is_dir()))
        for split in SPLITS:
            if (root / split).is_dir():
                extra = sorted({p.name for p in _label_folders(root / split)} - set(labels))
                if extra:
                    raise DatasetError(f"{root / split} has labels that train/ lacks: {', '.join(extra)}")
                dataset.splits[split] = [(path, k) for k, label in enumerate(labels)
                                         for path in photos_in(root / split / label)]
        if "val" not in dataset.splits:  # carve the validation photos out of train/
            train, held = _stratified(dataset.splits["train"], len(labels), seed, (val, 0.0))
            dataset.splits["train"], dataset.splits["val"] = train, held[0]
    else:
        labels = [p.name for p in _label_folders(root)]
        dataset = Dataset(root, labels)
        everything = [(path, k) for k, label in enumerate(labels) for path in photos_in(root / label)]
        train, (held_val, held_test) = _stratified(everything, len(labels), seed, (val, test))
        dataset.splits = {"train": train, "val": held_val, "test": held_test}
    if len(labels) < 2:
        raise DatasetError(f"{root} needs at least two label folders (one folder of photos per label)")
    for index, label in enumerate(labels):
        for split in ("train", "val"):
            if not any(k == index for _, k in dataset.splits.get(split, [])):
                raise DatasetError(f"label {label!r} has no photos in the {split} split; it needs at least 3 photos")
    return dataset


def add(dataset, folder):
    """Add FOLDER/<label>/ photos (e.g. accepted reports) to the train split only, so that the test photos stay
    the ones the judge's earlier versions were measured on; a label the dataset lacks is an error."""
    folder = Path(folder)
    extra = sorted({p.name for p in _label_folders(folder)} - set(dataset.labels))
    if extra:
        raise DatasetError(f"{folder} has labels that {dataset.root} lacks: {', '.join(extra)}")
    added = [(path, k) for k, label in enumerate(dataset.labels) for path in photos_in(folder / label)]
    dataset.splits["train"] = dataset.splits["train"] + added
    return len(added)


def _stratified(items, count, seed, fractions):
    """Split (path, label) pairs per label at random with a fixed seed; each held-out share gets at least one photo."""
    rng = np.random.default_rng(seed)
    train, held = [], [[] for _ in fractions]
    for k in range(count):
        mine = [item for item in items if item[1] == k]
        order = rng.permutation(len(mine))
        start = 0
        for share, bucket in zip(fractions, held):
            size = max(1, round(share * len(mine))) if share and len(mine) >= 3 else 0
            bucket.extend(mine[i] for i in sorted(order[start:start + size]))
            start += size
        train.extend(mine[i] for i in sorted(order[start:]))
    return train, held


def load(path):
    """A photo file as an upright sRGB image, decoded as intake decodes uploads; raises refusals.Refused."""
    return intake.read_photo(Path(path).read_bytes(), LIMITS).image


def fingerprint(dataset):
    """SHA-256 over every photo's split, label, relative path and content: the same data gives the same value."""
    digest = hashlib.sha256()
    for split in SPLITS:
        for path, k in dataset.splits.get(split, []):
            name = path.relative_to(dataset.root).as_posix() if path.is_relative_to(dataset.root) else path.name
            digest.update(f"{split}\0{dataset.labels[k]}\0{name}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
