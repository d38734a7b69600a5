"""An ImageFolder tree (one folder per label, optionally inside train/ val/ test/) as labelled photo lists per split;
or, for a tags judge, photos that carry several tags (copied under several tag folders, or listed in a CSV)."""

import csv
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


def indices(k):
    """The label indices of a photo's target: a labels photo's one index; a tags photo's multi-hot tuple's ones."""
    return (k,) if isinstance(k, (int, np.integer)) else tuple(i for i, on in enumerate(k) if on)


@dataclass
class Dataset:
    """Labels (sorted folder names) and, per split, the photos as (path, target) pairs: the target is the label
    index, or for tags (multi-label) a multi-hot tuple of 0/1, one per label."""

    root: Path
    labels: list
    splits: dict = field(default_factory=dict)
    given_splits: tuple = ()  # the split folders the tree had; the others were drawn at random
    tags: bool = False  # multi-label: a photo may carry several labels (tags)

    def counts(self):
        """Photos per split and label (for tags: photos carrying it): {split: {label: count}}."""
        return {split: {label: sum(1 for _, k in items if index in indices(k))
                        for index, label in enumerate(self.labels)}
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


def source(dataset, path):
    """Where a photo came from: the folder it sits in under its label folder (FOLDER/[split/]label/SOURCE/...),
    or None for a photo directly in its label folder (or added from outside the tree). Photos of one source
    (a package, a camera, a web site) look alike: training keeps them together when it holds photos out, so
    that the card's figures say how the judge does on sources it never saw."""
    path = Path(path)
    if not path.is_relative_to(dataset.root):
        return None
    parts = path.relative_to(dataset.root).parts
    if dataset.given_splits and parts[0] in SPLITS:
        parts = parts[1:]
    return parts[1] if len(parts) >= 3 else None


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
            label = "+".join(dataset.labels[i] for i in indices(k))  # a labels photo: its one label
            digest.update(f"{split}\0{label}\0{name}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def tagged_photos(root, csv_file=None):
    """Every photo of a tags folder or CSV once (identified by its bytes' SHA-256), with every tag it carries:
    {split: [(path, frozenset of tags)]}, split None when the folder or CSV gives no train/ val/ test/.

    Without csv_file: FOLDER/<tag>/ folders (optionally in train/ val/ test/) where one photo may be copied under
    several tags. With csv_file: rows of `photo,tags` (a path under root; tags separated by spaces or ;), a path
    starting with train/ val/ or test/ putting the photo in that split. Training and flask evaluate both read so."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root} is not a folder")
    found = _tags_from_csv(root, Path(csv_file)) if csv_file else _tags_from_folders(root)  # [(split, path, tags)]
    if not found:
        raise DatasetError(f"{root} has no photos in tag folders: FOLDER/<tag>/ (or FOLDER/train|val|test/<tag>/) "
                           "holding a copy of each photo under every tag it carries, or give a photo,tags CSV")
    if len({split is None for split, _, _ in found}) > 1:
        raise DatasetError(f"{root}: either every photo lies in train/ val/ test/ or none does")
    photos = {}  # (split, SHA-256) -> [path, tags]: the same bytes under several tags are one photo
    for split, path, tags in found:
        entry = photos.setdefault((split, hashlib.sha256(path.read_bytes()).hexdigest()), [path, set()])
        entry[1] |= set(tags)
    items = {}
    for (split, _), (path, tags) in sorted(photos.items(), key=lambda entry: entry[1][0]):
        items.setdefault(split, []).append((path, frozenset(tags)))
    return {split: items[split] for split in (*SPLITS, None) if split in items}


def multi_hot(tags, labels):
    """A photo's tags as the tuple of 0/1 (one per label) that a tags Dataset's targets are."""
    return tuple(int(label in tags) for label in labels)


def read_tags(root, seed=0, csv_file=None, val=0.15, test=0.15):
    """A multi-label data set to train on (tagged_photos): drawn splits are by photo, seeded; every tag needs
    training photos with it and without it."""
    root = Path(root)
    items = tagged_photos(root, csv_file)
    labels = sorted({tag for photos in items.values() for _, tags in photos for tag in tags})
    if len(labels) < 2:
        raise DatasetError(f"{root} needs at least two tags")
    given = tuple(split for split in items if split is not None)
    if given and "train" not in given:
        raise DatasetError(f"{root}: photos are given in {', '.join(given)} but none in train")
    items = {split: [(path, multi_hot(tags, labels)) for path, tags in photos] for split, photos in items.items()}
    dataset = Dataset(root, labels, given_splits=given, tags=True)
    if given:
        dataset.splits = items
        if "val" not in given:  # carve the validation photos out of train/
            train, held = _stratified_tags(dataset.splits["train"], labels, seed, (val, 0.0))
            dataset.splits["train"], dataset.splits["val"] = train, held[0]
    else:
        train, (held_val, held_test) = _stratified_tags(items[None], labels, seed, (val, test))
        dataset.splits = {"train": train, "val": held_val, "test": held_test}
    for label, count in dataset.counts()["train"].items():
        if not count:
            raise DatasetError(f"tag {label!r} has no photos in the train split; it needs at least 3 photos")
        if count == len(dataset.splits["train"]):
            raise DatasetError(f"tag {label!r} is on every training photo: it needs photos without it too")
    return dataset


def _tags_from_folders(root):
    splits = [split for split in SPLITS if (root / split).is_dir()]
    if splits:  # (a test/ alone, as flask evaluate may be given, is split folders too, not a tag named test)
        reference = "train" if "train" in splits else None
        tags = ([p.name for p in _label_folders(root / "train")] if reference else
                sorted({p.name for split in splits for p in _label_folders(root / split)}))
        for split in splits:
            extra = sorted({p.name for p in _label_folders(root / split)} - set(tags))
            if extra:
                raise DatasetError(f"{root / split} has tags that train/ lacks: {', '.join(extra)}")
        return [(split, path, (tag,)) for split in splits for tag in tags if (root / split / tag).is_dir()
                for path in photos_in(root / split / tag)]
    return [(None, path, (folder.name,)) for folder in _label_folders(root) for path in photos_in(folder)]


def _tags_from_csv(root, csv_file):
    """(split, path, tags) for every row of a photo,tags CSV; a row that names no photo, or no tag, is an error."""
    try:
        with csv_file.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [column for column in ("photo", "tags") if column not in (reader.fieldnames or [])]
            if missing:
                raise DatasetError(f"{csv_file} lacks the column {' and '.join(missing)}: its first line should "
                                   "be photo,tags")
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as problem:
        raise DatasetError(f"{csv_file} cannot be read as a CSV file: {problem}") from None
    found = []
    for line, row in enumerate(rows, start=2):
        name = (row["photo"] or "").strip()
        tags = tuple((row["tags"] or "").replace(";", " ").split())
        path = (root / name).resolve()
        if not name or not path.is_relative_to(root.resolve()) or not path.is_file():
            raise DatasetError(f"{csv_file} line {line}: no photo {name!r} in {root}")
        if not tags:
            raise DatasetError(f"{csv_file} line {line}: photo {name!r} has no tags")
        first = Path(name).parts[0]
        found.append((first if first in SPLITS and len(Path(name).parts) > 1 else None, root / name, tags))
    if not found:
        raise DatasetError(f"{csv_file} lists no photos")
    return found


def _stratified_tags(items, labels, seed, fractions):
    """Split multi-label photos at random by photo, stratified by each photo's rarest tag (so that a rare tag
    reaches the held-out splits too); the same seed gives the same split."""
    carried = np.sum([k for _, k in items], axis=0)
    strata = [(path, min(indices(k), key=lambda i: (carried[i], i))) for path, k in items]
    target = dict(items)
    train, held = _stratified(strata, len(labels), seed, fractions)
    return [(p, target[p]) for p, _ in train], [[(p, target[p]) for p, _ in bucket] for bucket in held]
