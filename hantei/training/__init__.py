"""Train a judge from a folder of photos on a CPU: embed, fit a head, write the judge folder and its model card.

No Flask here: `flask train` (cli.py) only parses its arguments and calls train().
"""

import datetime
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..refusals import Refused
from ..vision import embedder as embedding, features
from . import augment, dataset, doctor, head, judge_folder, measures
from .faces import FaceCrops, NoFace


@dataclass
class Embedded:
    """One split's embeddings: a row per view, its label index (tags: multi-hot row) and its weight (1 / views of
    its photo); and the (path, target) pairs of the photos that could be read."""

    features: np.ndarray
    labels: np.ndarray
    weights: np.ndarray
    items: list
    first_rows: list = None  # per kept photo: the row of its centre view
    hashes: list = None  # per kept photo: its perceptual hash (doctor.dhash), to find near-duplicates
    sources: list = None  # per kept photo: its source (dataset.source), or None

    def photos(self):
        """The photo (index into items) of every row."""
        return np.searchsorted(np.asarray(self.first_rows), np.arange(len(self.labels)), side="right") - 1

    def subset(self, photos, centres=False):
        """This split with only the given photos (indices into items), and of those only the centre views."""
        rows = np.asarray(self.first_rows, dtype=np.int64)[photos] if centres else np.isin(self.photos(), photos)
        firsts = np.arange(len(photos)) if centres else np.flatnonzero(np.r_[True, np.diff(self.photos()[rows]) != 0])
        return Embedded(self.features[rows], self.labels[rows], np.ones(len(photos)) if centres else self.weights[rows],
                        [self.items[i] for i in photos], list(firsts), [self.hashes[i] for i in photos],
                        None if self.sources is None else [self.sources[i] for i in photos])

    def centres(self):
        """This split with only each photo's centre view."""
        return self.subset(np.arange(len(self.items)), centres=True)


def embed_split(items, model, rng, augmented=frozenset(), bar=None, skipped=None, crop=None):
    """Embed every photo of a split (or its `crop`); photos of a label in `augmented` get extra views.

    Unreadable photos, and photos where `crop` finds no face, go to `skipped`."""
    squares, rows, labels, weights, kept, first_rows, hashes = [], [], [], [], [], [], []
    for path, k in items:
        try:
            image = dataset.load(path)
            image = crop(image) if crop else image
        except (Refused, NoFace) as problem:
            if skipped is not None:
                skipped.append(f"{path}: {problem.code if isinstance(problem, Refused) else 'no face'}")
            continue
        finally:
            if bar is not None:
                bar.update(1)
        kept.append((path, k))
        first_rows.append(len(labels))
        hashes.append(doctor.dhash(image))
        grown = any(i in augmented for i in dataset.indices(k))
        views = augment.views(image, rng) if grown else [embedding.fitted(image)]
        squares += views
        labels += [k] * len(views)
        weights += [1 / len(views)] * len(views)
        if len(squares) >= model.batch:  # embed as we go, so that the progress bar tells the truth
            rows.append(model.embed_squares(squares))
            squares = []
    rows.append(model.embed_squares(squares))
    return Embedded(np.concatenate(rows), np.array(labels, dtype=np.int64), np.array(weights), kept, first_rows, hashes)


def train(folder, out, judge_id, title=None, description=None, seed=0, augmentation="auto", progress=True,
          model=None, faces=False, added=None, version="1", tags=False, tags_csv=None):
    """Train a labels judge from an ImageFolder tree and write it to `out`; returns the summary written to its card.

    augmentation: "auto" (labels with fewer than 100 training photos), "on" or "off".
    faces: learn from each photo's largest face, and write a judge that finds faces first.
    added: a folder of more training photos per label (flask reports export), added to the train split only.
    tags (or tags_csv, a photo,tags CSV file): train a tags judge, a photo carrying any number of tags
    (dataset.read_tags); each tag gets its own threshold, written to judge.toml.
    """
    started = time.perf_counter()
    tags = bool(tags or tags_csv)
    if tags and (faces or added):
        raise dataset.DatasetError("--face and --add train labels judges only, not tags judges")
    data = dataset.read_tags(folder, seed=seed, csv_file=tags_csv) if tags else dataset.read(folder, seed=seed)
    added_count = dataset.add(data, added) if added else 0
    model = model or embedding.Embedder(features.path())
    rng = np.random.default_rng(seed)
    counts = data.counts()
    by_source = not tags and any(dataset.source(data, path) for items in data.splits.values() for path, _ in items)
    if augmentation == "on":
        augmented = set(range(len(data.labels)))
    elif augmentation == "off":
        augmented = set()
    elif by_source:
        augmented = set()  # source folders: centre views only (crops cost held-out projects, augment.py)
    else:
        augmented = {k for k, label in enumerate(data.labels) if counts["train"][label] < augment.SMALL_FOLDER}
    skipped = []
    total = sum(len(items) for items in data.splits.values())
    with tqdm(total=total, desc="embedding photos", unit="photo", disable=not progress) as bar:
        crop = FaceCrops() if faces else None
        views = ("train",) if tags else ("train", "val")  # labels: val is cross-validated with train, crops too
        embedded = {split: embed_split(items, model, rng, augmented if split in views else frozenset(), bar, skipped,
                                       crop)
                    for split, items in data.splits.items()}
    for found in embedded.values() if tags else ():  # multi-hot rows, even for a split of no photos
        found.labels = found.labels.reshape(-1, len(data.labels))
    for found in embedded.values() if not tags else ():
        found.sources = [dataset.source(data, path) for path, _ in found.items]
    fingerprint = dataset.fingerprint(data)  # of the folder as it is, unreadable files included
    data.splits = {split: found.items for split, found in embedded.items()}  # the card counts what was used
    if tags:  # a tag's threshold is tuned on validation photos as they are, so those get no extra views
        train_split, val_split = embedded["train"], embedded["val"]
        fitted = head.train(data.labels, train_split.features, train_split.labels, val_split.features,
                            val_split.labels, train_weights=train_split.weights)
        reports = {split: served_report(fitted, embedded[split], tags)
                   for split in ("val", "test") if split in embedded}
    else:
        fitted = head.fit_splits(data.labels, [embedded["train"], embedded["val"]],  # the penalty cross-validated
                                 tune=min(data.counts()["val"].values()) >= head.TUNE_THRESHOLDS_FROM)
        reports = {split: served_report(fitted, embedded[split].centres(), tags)
                   for split in ("val", "test") if split in embedded}
    title = title or {"ja": judge_id, "en": judge_id}
    named = {"ja": "・".join(data.labels), "en": ", ".join(data.labels)}
    told = ({"ja": f"{named['ja']} のタグを付けます", "en": f"Tags photos with {named['en']}"} if tags
            else {"ja": f"{named['ja']} を判定します", "en": f"Tells {named['en']} apart"})
    summary = {
        "id": judge_id,
        "title": title if isinstance(title, dict) else {"ja": title, "en": title},
        "description": description or told,
        "labels": data.labels,
        "folder": str(Path(folder).resolve()),
        "fingerprint": fingerprint,
        "given_splits": data.given_splits,
        "seed": seed,
        "counts": data.counts(),
        "augmentation": (f"{augment.CROPS} random crops for {', '.join(data.labels[k] for k in sorted(augmented))}"
                         if augmented else "none (centre views only: the photos sit in source folders)"
                         if augmentation == "auto" and by_source else "none"),
        "skipped": skipped,
        "faces": bool(faces),
        "version": str(version),
        "added": {"folder": str(Path(added).resolve()), "photos": added_count} if added else None,
        "penalty": fitted.penalty,
        "thresholds": fitted.thresholds.tolist(),
        "backbone_sha256": judge_folder.file_sha256(embedding.BACKBONE),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "test_photos": [path.relative_to(data.root).as_posix() for path, _ in data.splits.get("test", [])],
    }
    named = {split: sorted({s for s in found.sources or () if s}) for split, found in embedded.items()}
    if any(named.values()):  # labels judges whose photos sit in source folders: how many, per split
        summary["sources"] = {split: len(found) for split, found in named.items()}
    if tags:  # (labels judges' metrics.json keeps the keys it always had)
        summary["kind"] = "tags"
        summary["tags_csv"] = str(Path(tags_csv).resolve()) if tags_csv else None
        summary["photos"] = {split: len(items) for split, items in data.splits.items()}
        summary["test_tags"] = [[data.labels[i] for i in dataset.indices(k)] for _, k in data.splits.get("test", [])]
    summary["doctor"] = doctor.examine(data, embedded, fitted)
    summary["seconds"] = time.perf_counter() - started
    judge_folder.write(out, summary, fitted, reports.get("test"), reports["val"])
    return summary, fitted, reports


def served_scores(fitted, features, tags=False):
    """Scores as the served model computes them: float32 Gemm with folded weights, then a sigmoid."""
    weights, bias = judge_folder.served_head(fitted, tags).folded()
    return head.sigmoid((np.asarray(features, np.float32) @ weights + bias).astype(np.float64))


def served_report(fitted, split, tags=False):
    """Card metrics for a split, from the served scores and the served thresholds: 0.5 for a labels judge (its
    thresholds are folded into the model), each tag's own for a tags judge (judge.toml holds them)."""
    scores = served_scores(fitted, split.features, tags)
    if tags:
        return measures.tag_report(fitted.labels, split.labels, scores, fitted.thresholds)
    return measures.report(fitted.labels, split.labels, scores, np.full(len(fitted.labels), 0.5))
