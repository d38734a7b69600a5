"""Look-alike judges: reference photos of each label become FaceRes descriptors (built once, kept beside the
manifest), and each face of an upload is told whose references it is nearest to."""

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..intake import read_photo
from ..refusals import Refused
from ..vision.classifiers import SignatureError
from ..vision.descriptors import MARGIN as DESCRIBED_MARGIN
from ..vision.descriptors import PREPROCESS, FaceDescriber, face_crop
from ..vision.detectors import CenterFaceDetector

PHOTOS = "gallery"  # gallery/<label>/<photo>: the reference photos
DESCRIPTORS = "gallery.npz"  # their descriptors, one row each, in the order of the index
INDEX = "gallery.json"  # each reference's path, label, SHA-256 and face box; the photos left out and why
INDEX_VERSION = 2  # 2: a photo left out says why by a code ("problem"); an index of another version is rebuilt
NO_MATCH = {"ja": "似ている人はいません", "en": "Looks like nobody here"}
SCORE_NAME = {"ja": "似てる度", "en": "Likeness"}
# The readable likeness: cosine FLOOR and below reads 0%, the threshold 50%, CEILING and above 100%, linear between.
# FaceRes gives different people 0.26-0.555 and the same person 0.58-0.71 (faceres.CARD.md).
FLOOR, CEILING = 0.25, 0.75
THRESHOLD = 0.57  # FaceRes's card: every same-person pair measured above, every different-people pair below
MARGIN = DESCRIBED_MARGIN
TIE = 0.8  # a second face at least this fraction of the largest one's area makes a reference photo ambiguous


@dataclass(frozen=True)
class GallerySpec:
    """A look-alike judge's [gallery]: the cosine under which a face matches nobody, and each label's picture."""

    threshold: float
    images: dict  # {label: {"path": Path, "card": bool}}: a picture of the label, and whether cards may show it


def readable(cosine, threshold):
    """A cosine similarity as the likeness a person reads, 0..1: the threshold reads 0.5 (50%)."""
    if cosine < threshold:
        return float(np.clip(0.5 * (cosine - FLOOR) / (threshold - FLOOR), 0.0, 0.5))
    return float(np.clip(0.5 + 0.5 * (cosine - threshold) / (CEILING - threshold), 0.5, 1.0))


def references(folder, labels):
    """(label, path relative to the folder) of every reference photo, by label in the manifest's order, then name;
    and the folders under gallery/ that name no label."""
    root = Path(folder) / PHOTOS
    found = []
    for label in labels:
        directory = root / label
        if directory.is_dir():
            found += [(label, f"{PHOTOS}/{label}/{path.name}") for path in sorted(directory.iterdir())
                      if path.is_file() and not path.name.startswith(".")]
    strays = sorted(path.name for path in root.iterdir() if path.is_dir() and path.name not in labels) \
        if root.is_dir() else []
    return found, strays


def digest(path):
    """A photo's SHA-256: what tells a rebuild the photo changed."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_index(folder):
    """The stored index and descriptors, or (None, None) when there are none (or they cannot be read)."""
    try:
        index = json.loads((Path(folder) / INDEX).read_text(encoding="utf-8"))
        with np.load(Path(folder) / DESCRIPTORS) as stored:
            vectors = stored["descriptors"]
    except (OSError, ValueError, KeyError):
        return None, None
    if index.get("version") != INDEX_VERSION or len(index.get("references", [])) != len(vectors):
        return None, None
    return index, vectors


def stale(folder, labels):
    """Why the stored descriptors do not match the reference photos now ("" when they do)."""
    index, _ = read_index(folder)
    if index is None:
        return f"{DESCRIPTORS} or {INDEX} is missing or unreadable"
    stored = {entry["path"]: entry["sha256"] for entry in index["references"] + index.get("skipped", [])}
    current = {path: digest(Path(folder) / path) for _, path in references(folder, labels)[0]}
    if stored != current:
        changed = sorted(set(stored.items()) ^ set(current.items()))
        return f"the reference photos changed since the last build ({changed[0][0]}" + \
            (f" and {len(changed) - 1} more)" if len(changed) > 1 else ")")
    return ""


def largest_face(image, detector):
    """The box of the one largest face, or why the photo cannot serve as a reference: {"problem": "no_face"} or
    {"problem": "several", "faces": how many} (faces of about one size)."""
    faces = sorted(detector.detect(image), key=lambda region: -region.box[2] * region.box[3])
    if not faces:
        return None, {"problem": "no_face"}
    area = faces[0].box[2] * faces[0].box[3]
    if len(faces) > 1 and faces[1].box[2] * faces[1].box[3] >= TIE * area:
        return None, {"problem": "several", "faces": len(faces)}
    return faces[0].box, {}


def left_out(entry):
    """Why a reference photo was left out, in the words the CLI prints."""
    if entry.get("problem") == "several":
        return f"{entry['faces']} faces, none clearly the largest"
    if entry.get("problem") == "unreadable":
        return f"not a photo hantei reads ({entry['code']})"
    return "no face found"


@dataclass
class Built:
    """What a build did: references described anew, kept from the last build, dropped, and photos left out."""

    described: int = 0
    kept: int = 0
    dropped: int = 0
    skipped: list = None  # [(path, the index entry that says why: see largest_face)]
    strays: list = None  # folders under gallery/ that name no label


def build(spec, detector=None, describer=None):
    """Describe the new and changed reference photos of a gallery judge, keep the rest, drop the removed ones."""
    folder = Path(spec.folder)
    detector, describer = detector or CenterFaceDetector(), describer or FaceDescriber()
    old, vectors = read_index(folder)
    previous = {}
    if old is not None:
        previous = {entry["path"]: (entry, vectors[row]) for row, entry in enumerate(old["references"])}
        previous.update({entry["path"]: (entry, None) for entry in old.get("skipped", [])})
    photos, strays = references(folder, spec.labels)
    done = Built(skipped=[], strays=strays)
    kept, crops, fresh = {}, [], []
    for label, path in photos:
        sha = digest(folder / path)
        entry, vector = previous.get(path, ({}, None))
        if entry.get("sha256") == sha and entry.get("label", label) == label:
            kept[path] = (entry, vector)
            done.kept += 1
            continue
        box, why = _face(folder / path, detector, crops)
        fresh.append((path, {"path": path, "label": label, "sha256": sha, **({"box": box} if box else why)}))
    described = iter(describer.describe_many(crops))
    for path, entry in fresh:
        kept[path] = (entry, next(described) if "box" in entry else None)
        done.described += "box" in entry
    done.dropped = sum(1 for path, (entry, _) in previous.items() if path not in kept and "box" in entry)
    order = [path for _, path in photos]
    used = [kept[path] for path in order if kept[path][1] is not None]
    skipped = [kept[path][0] for path in order if kept[path][1] is None]
    done.skipped = [(entry["path"], entry) for entry in skipped]
    matrix = np.stack([vector for _, vector in used]).astype(np.float32) if used else np.zeros((0, 1024), np.float32)
    _write(folder, {"version": INDEX_VERSION, "references": [entry for entry, _ in used], "skipped": skipped}, matrix)
    return done


def _face(path, detector, crops):
    """Find a reference photo's face and queue its crop: (box, {}) or (None, why it is left out)."""
    try:
        image = read_photo(Path(path).read_bytes()).image
    except Refused as refused:
        return None, {"problem": "unreadable", "code": refused.code}
    box, why = largest_face(image, detector)
    if box is not None:
        crops.append(face_crop(image, box))
        box = [round(float(v), 1) for v in box]
    return box, why


def _write(folder, index, matrix):
    """Replace the index and descriptors (each written beside and renamed, so a reader never sees half a file)."""
    part = folder / f".{DESCRIPTORS}.part"
    with open(part, "wb") as file:
        np.savez(file, descriptors=matrix)
    os.replace(part, folder / DESCRIPTORS)
    part = folder / f".{INDEX}.part"
    part.write_text(json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(part, folder / INDEX)


class Gallery:
    """A built gallery as a judge's classifier: face crops in, each label's likeness out ({label: 0..1})."""

    def __init__(self, spec):
        self.spec = spec
        self.path = Path(spec.folder) / DESCRIPTORS
        self.describer = FaceDescriber()
        self.preprocess = PREPROCESS  # what a face crop becomes (judges/needs.py sizes the decode by it)
        self.exact = False
        self._matrix = self._rows = self._starts = None

    @property
    def labels(self):
        return self.spec.labels

    def check(self):
        """Read the stored descriptors; raise SignatureError when they are missing or older than the photos."""
        why = stale(self.spec.folder, self.spec.labels)
        if why:
            raise SignatureError("[gallery]", f"{why}: run `flask gallery build {self.spec.folder}`")
        index, vectors = read_index(self.spec.folder)
        at = {label: number for number, label in enumerate(self.spec.labels)}
        self.keep(np.array([at[entry["label"]] for entry in index["references"]], dtype=np.int64), vectors)
        if not self.describer.path.is_file():
            raise SignatureError("[gallery]", f"{self.describer.path} (FaceRes) does not exist")

    def keep(self, rows, vectors):
        """Hold the descriptors (rows: each one's label number) with each label's side by side, for reduceat."""
        order = np.argsort(rows, kind="stable")
        self._rows = rows[order]
        self._matrix = np.ascontiguousarray(vectors[order], dtype=np.float32)
        self._starts = np.flatnonzero(np.r_[True, self._rows[1:] != self._rows[:-1]]) if len(rows) else None

    def load(self):
        if self._matrix is None:
            self.check()
        self.describer.load()

    @property
    def loaded(self):
        return self._matrix is not None and self.describer.loaded

    @property
    def references(self):
        return 0 if self._matrix is None else len(self._matrix)

    def similarities(self, descriptors):
        """Each face's cosine with its nearest reference of each label, [faces, labels] (-1: a label without any)."""
        if self._matrix is None:
            self.check()
        best = np.full((len(descriptors), len(self.spec.labels)), -1.0, dtype=np.float32)
        if self._starts is not None:
            # [references, faces]: numpy's threaded matrix product of faces @ references.T took 12 ms on a busy
            # 2-core machine where this order takes 0.1 ms
            cosines = self._matrix @ np.ascontiguousarray(descriptors.T, dtype=np.float32)
            best[:, self._rows[self._starts]] = np.maximum.reduceat(cosines, self._starts, axis=0).T
        return best

    def classify_many(self, crops):
        """Each crop's likeness to each label (readable, 0..1; 0.5 at the threshold); descriptors are not kept."""
        if not crops:
            return []
        best = self.similarities(self.describer.describe_many(crops))
        threshold = self.spec.gallery.threshold
        return [{label: readable(float(value), threshold) for label, value in zip(self.spec.labels, row)}
                for row in best]
