"""Look-alike judges made from the cockpit: a draft waits in MODELS_DIR/.candidates/<id>/ (hidden, never served), in
the folder format `flask gallery build` reads and built by the same judges.gallery.build after every change, until
publishing puts it live the way `flask judges activate` does."""

import hashlib
import json
import re
import shutil
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from ..intake import Limits, jpeg_bytes, read_photo
from ..judges import gallery, manifest
from ..judges.registry import open_judge
from ..refusals import Refused
from ..vision.detectors import CenterFaceDetector
from . import versions

ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")  # a judge's id: its folder's name and its address
LABEL = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")  # a label's key: its folder under gallery/
NAME_LENGTH = 60  # characters of a title or a label's name
AT_ONCE = 20  # reference photos one upload may carry
PICKED_MARGIN = 0.5  # a picked face is cut out with half its size around it, more than FaceRes's own crop reads
TRY_SIDE = 480  # the long side of the try photo shown back (never stored)
DESCRIPTION = {"ja": "誰に似ている？", "en": "Who do you look like?"}


@dataclass
class Reference:
    """One reference photo: its name, the face the build found in it (x, y, w, h) or why it is left out."""

    label: str
    name: str
    box: list = None
    problem: str = ""  # "" (used), "no_face", "several" (faces of about one size) or "unreadable"
    faces: int = 0  # how many faces the build saw when it left the photo out for several
    size: tuple = (0, 0)  # the photo's width and height, in the pixels of its box

    @property
    def path(self):
        return f"{gallery.PHOTOS}/{self.label}/{self.name}"


@dataclass
class Label:
    key: str
    names: dict
    image: str = ""  # the reference shown beside answers ("" none), as judge.toml names it
    card: bool = False  # whether share cards may show it too
    photos: list = field(default_factory=list)

    @property
    def used(self):
        return sum(1 for photo in self.photos if photo.box)


@dataclass
class Draft:
    id: str
    title: dict
    threshold: float
    version: str
    labels: list
    folder: Path
    live: bool  # a judge of this id is served now: publishing replaces it


def draft_folder(models_dir, judge_id):
    return versions.candidate_folder(models_dir, judge_id)


def _read_toml(folder):
    return tomllib.loads((Path(folder) / "judge.toml").read_text(encoding="utf-8"))


def _is_gallery(folder):
    try:
        return _read_toml(folder).get("kind") == "gallery"
    except (OSError, tomllib.TOMLDecodeError):
        return False


def drafts(models_dir):
    """The ids of the gallery drafts waiting to be published."""
    root = Path(models_dir) / versions.CANDIDATES
    return sorted(f.name for f in root.iterdir() if f.is_dir() and _is_gallery(f)) if root.is_dir() else []


def served(models_dir):
    """The ids of the live gallery judges' folders (the cockpit can open a draft of each)."""
    root = Path(models_dir)
    return sorted(f.name for f in root.iterdir() if not f.name.startswith(".") and f.is_dir() and _is_gallery(f)) \
        if root.is_dir() else []


def _names(ja, en, reason="names_needed"):
    names = {"ja": (ja or "").strip(), "en": (en or "").strip()}
    if not all(names.values()) or any(len(name) > NAME_LENGTH for name in names.values()):
        raise Refused(reason, 400, characters=NAME_LENGTH)
    return names


def _threshold(text):
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = -1.0
    if not gallery.FLOOR < value <= gallery.CEILING:
        raise Refused("bad_threshold", 400, low=gallery.FLOOR, high=gallery.CEILING)
    return round(value, 3)


def create(models_dir, judge_id, title_ja, title_en, threshold=gallery.THRESHOLD):
    """A new, empty draft gallery judge (refused when the id is not a plain name or is taken)."""
    judge_id = (judge_id or "").strip()
    if not ID.fullmatch(judge_id):
        raise Refused("bad_judge_id", 400)
    if (Path(models_dir) / judge_id).exists() or draft_folder(models_dir, judge_id).exists():
        raise Refused("judge_taken", 409, judge=judge_id)
    title, threshold = _names(title_ja, title_en), _threshold(threshold)
    folder = draft_folder(models_dir, judge_id)
    (folder / gallery.PHOTOS).mkdir(parents=True)
    _write_toml(folder, {"id": judge_id, "version": "1", "title": title, "description": DESCRIPTION,
                         "kind": "gallery", "gallery": {"threshold": threshold, "labels": {}}})
    return folder


def edit(models_dir, judge_id):
    """A draft of a live gallery judge (its photos and descriptors copied), the next version; the live one serves on."""
    live = Path(models_dir) / _known(judge_id)
    if judge_id not in served(models_dir):
        raise Refused("no_draft", 404, judge=judge_id)
    folder = draft_folder(models_dir, judge_id)
    if folder.exists() and not _is_gallery(folder):
        raise Refused("judge_taken", 409, judge=judge_id)  # a trained candidate of that id waits already
    if not folder.exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(live, folder)
        data = _read_toml(folder)
        data["version"] = versions.next_version(models_dir, judge_id)
        _write_toml(folder, data)
    return folder


def _known(judge_id):
    if not ID.fullmatch(judge_id or ""):
        raise Refused("no_draft", 404, judge=judge_id)
    return judge_id


def _draft_data(models_dir, judge_id):
    folder = draft_folder(models_dir, _known(judge_id))
    if not _is_gallery(folder):
        raise Refused("no_draft", 404, judge=judge_id)
    return folder, _read_toml(folder)


def read(models_dir, judge_id):
    """A draft as the cockpit shows it: its labels, each reference photo and the face the last build found in it."""
    folder, data = _draft_data(models_dir, judge_id)
    index, _ = gallery.read_index(folder)
    entries = {entry["path"]: entry for entry in (index or {}).get("references", []) + (index or {}).get("skipped", [])}
    labels = []
    for key, entry in data.get("gallery", {}).get("labels", {}).items():
        label = Label(key, {"ja": entry.get("ja", key), "en": entry.get("en", key)}, entry.get("image", ""),
                      bool(entry.get("card", False)))
        photos, _ = gallery.references(folder, [key])
        for _, path in photos:
            reference = Reference(key, path.rsplit("/", 1)[1])
            built = entries.get(path, {})
            reference.box = built.get("box")
            reference.problem = "" if reference.box else built.get("problem", "unreadable")
            reference.faces = built.get("faces", 0)
            reference.size = _size(folder / path)
            label.photos.append(reference)
        labels.append(label)
    return Draft(judge_id, data.get("title", {}), data.get("gallery", {}).get("threshold", gallery.THRESHOLD),
                 str(data.get("version", "1")), labels, folder, (Path(models_dir) / judge_id / "judge.toml").is_file())


def _size(path):
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, Image.DecompressionBombError):
        return (0, 0)


def add_label(models_dir, judge_id, key, name_ja, name_en):
    """A new label with its names (its key: the folder its photos go in)."""
    folder, data = _draft_data(models_dir, judge_id)
    key = (key or "").strip()
    if not LABEL.fullmatch(key):
        raise Refused("bad_label", 400)
    labels = data.setdefault("gallery", {}).setdefault("labels", {})
    if key in labels:
        raise Refused("label_taken", 409, label=key)
    labels[key] = _names(name_ja, name_en)
    (folder / gallery.PHOTOS / key).mkdir(parents=True, exist_ok=True)
    _write_toml(folder, data)


def remove_label(models_dir, judge_id, key):
    folder, data = _draft_data(models_dir, judge_id)
    _label(data, key)
    del data["gallery"]["labels"][key]
    shutil.rmtree(folder / gallery.PHOTOS / key, ignore_errors=True)
    _write_toml(folder, data)
    build(folder)


def _label(data, key):
    labels = data.get("gallery", {}).get("labels", {})
    if not LABEL.fullmatch(key or "") or key not in labels:
        raise Refused("no_label", 404, label=key)
    return labels[key]


def _photo(folder, label, name):
    """A reference photo's path, only when it is one of the label's files (a name is never joined unchecked)."""
    directory = Path(folder) / gallery.PHOTOS / label
    names = {path.name for path in directory.iterdir() if path.is_file()} if directory.is_dir() else set()
    if name not in names or name.startswith("."):
        raise Refused("no_photo", 404)
    return directory / name


def photo_path(models_dir, judge_id, label, name):
    """The file of a draft's reference photo (what the cockpit shows it with)."""
    folder, data = _draft_data(models_dir, judge_id)
    _label(data, label)
    return _photo(folder, label, name)


def add_photos(models_dir, judge_id, label, files, limits=None):
    """Keep each photo (name, bytes) intake reads as an upright JPEG without metadata, then build: a photo without a
    face is dropped again. Returns (names kept, [(file name, Refused)])."""
    folder, data = _draft_data(models_dir, judge_id)
    _label(data, label)
    files = [(name, data) for name, data in files if data or name]
    if not files:
        raise Refused("no_file", 400)
    if len(files) > AT_ONCE:
        raise Refused("too_many_references", 400, photos=AT_ONCE)
    kept, refused = {}, []
    for filename, data in files:
        try:
            photo = read_photo(data, limits or Limits())
        except Refused as why:
            refused.append((filename, why))
            continue
        jpeg = jpeg_bytes(photo.image, quality=90)
        name = f"{hashlib.sha256(jpeg).hexdigest()[:16]}.jpg"
        (folder / gallery.PHOTOS / label / name).write_bytes(jpeg)
        kept[name] = filename
    build(folder)
    index, _ = gallery.read_index(folder)
    faceless = [entry["path"].rsplit("/", 1)[1] for entry in index["skipped"]
                if entry["path"].startswith(f"{gallery.PHOTOS}/{label}/") and entry["problem"] == "no_face"]
    dropped = [name for name in faceless if name in kept]
    for name in dropped:
        (folder / gallery.PHOTOS / label / name).unlink()
        filename = kept.pop(name)
        refused.append((filename, Refused("no_face_in", 400, name=filename)))
    if dropped:
        build(folder)
    return list(kept), refused


def remove_photo(models_dir, judge_id, label, name):
    folder, data = _draft_data(models_dir, judge_id)
    entry = _label(data, label)
    path = _photo(folder, label, name)
    path.unlink()
    if entry.get("image") == f"{gallery.PHOTOS}/{label}/{name}":
        entry.pop("image", None)
        entry.pop("card", None)
        _write_toml(folder, data)
    build(folder)


def faces(models_dir, judge_id, label, name):
    """Every face CenterFace finds in a reference photo, left to right: (photo size, [box])."""
    image = read_photo(photo_path(models_dir, judge_id, label, name).read_bytes()).image
    return image.size, sorted((list(region.box) for region in CenterFaceDetector().detect(image)),
                              key=lambda box: box[0])


def pick_face(models_dir, judge_id, label, name, number):
    """Keep only the chosen face of a reference photo (numbered as faces() lists them): the photo is cut down to it,
    so that it is the largest face, for `flask gallery build` as well."""
    path = photo_path(models_dir, judge_id, label, name)
    size, boxes = faces(models_dir, judge_id, label, name)
    if not (isinstance(number, int) and 1 <= number <= len(boxes)):
        raise Refused("bad_answer", 400)
    x, y, w, h = boxes[number - 1]
    side = max(w, h)
    crop = (max(0, round(x - side * PICKED_MARGIN)), max(0, round(y - side * PICKED_MARGIN)),
            min(size[0], round(x + w + side * PICKED_MARGIN)), min(size[1], round(y + h + side * PICKED_MARGIN)))
    original = path.read_bytes()
    jpeg = jpeg_bytes(read_photo(original).image.crop(crop), quality=90)
    picked = path.with_name(f"{hashlib.sha256(jpeg).hexdigest()[:16]}.jpg")
    path.unlink()
    picked.write_bytes(jpeg)
    folder = draft_folder(models_dir, judge_id)
    build(folder)
    index, _ = gallery.read_index(folder)
    if not any(entry["path"].endswith(f"/{label}/{picked.name}") for entry in index["references"]):
        picked.unlink()
        path.write_bytes(original)
        build(folder)
        raise Refused("face_not_isolated", 400)
    data = _read_toml(folder)
    entry = _label(data, label)
    if entry.get("image") == f"{gallery.PHOTOS}/{label}/{name}":
        entry["image"] = f"{gallery.PHOTOS}/{label}/{picked.name}"
        _write_toml(folder, data)
    return picked.name


def show_image(models_dir, judge_id, label, name, card=False):
    """Show a reference photo beside the label's answers on result pages (and on share cards when card); name ""
    shows none."""
    folder, data = _draft_data(models_dir, judge_id)
    entry = _label(data, label)
    if name:
        _photo(folder, label, name)
        entry["image"], entry["card"] = f"{gallery.PHOTOS}/{label}/{name}", bool(card)
    else:
        entry.pop("image", None)
        entry.pop("card", None)
    _write_toml(folder, data)


def build(folder):
    """Describe the draft's new and changed photos with the very build `flask gallery build` runs; seconds taken."""
    started = time.perf_counter()
    if _read_toml(folder).get("gallery", {}).get("labels"):
        gallery.build(manifest.read(folder))
    return time.perf_counter() - started


def try_photo(models_dir, judge_id, data, limits=None):
    """Judge a photo with the draft as it is now: (a small JPEG of it, its size, the judgement). Neither the photo nor
    its faces' descriptors are kept."""
    folder, _ = _draft_data(models_dir, judge_id)
    judge = _servable(folder)
    photo = read_photo(data, limits or Limits())
    judgement = judge.judge(photo.image)
    small = photo.image.copy()
    small.thumbnail((TRY_SIDE, TRY_SIDE), Image.Resampling.BILINEAR)
    return jpeg_bytes(small, quality=80), photo.image.size, judgement


def _servable(folder):
    """The draft as a judge, or why it cannot be served yet."""
    draft = _read_toml(folder)
    labels = draft.get("gallery", {}).get("labels", {})
    if not labels:
        raise Refused("no_labels", 409)
    index, _ = gallery.read_index(folder)
    used = {entry["label"] for entry in (index or {}).get("references", [])}
    for key, entry in labels.items():
        if key not in used:
            raise Refused("empty_label", 409, label=entry.get("ja", key) + " / " + entry.get("en", key))
    try:
        return open_judge(folder)
    except manifest.ManifestError as error:
        raise Refused("draft_broken", 409, problem=str(error).rsplit(": ", 1)[-1]) from None


def publish(models_dir, judge_id):
    """Put a draft live (the live folder of that id, if any, retired as `flask judges activate` does); the caller
    then has the judges read it again. Returns the new versions.Version."""
    folder, _ = _draft_data(models_dir, judge_id)
    _servable(folder)
    try:
        _, live = versions.activate(models_dir, judge_id)
    except versions.ActivateError as error:  # its judge.toml names another id (a folder made by hand)
        raise Refused("draft_broken", 409, problem=str(error)) from None
    return live


def discard(models_dir, judge_id):
    folder, _ = _draft_data(models_dir, judge_id)
    shutil.rmtree(folder)


def _write_toml(folder, data):
    """Write judge.toml (beside, then renamed): the manifest's tables as [sections], small ones inline."""
    lines = []
    _toml_table(lines, [], data)
    text = "\n".join(lines).strip() + "\n"
    part = Path(folder) / ".judge.toml.part"
    part.write_text(text, encoding="utf-8")
    part.replace(Path(folder) / "judge.toml")


def _toml_table(lines, path, table):
    nested = {k: v for k, v in table.items() if isinstance(v, dict) and any(isinstance(x, dict) for x in v.values())}
    plain = {k: v for k, v in table.items() if k not in nested}
    if path:
        lines += ["", f"[{'.'.join(_toml_key(p) for p in path)}]"]
    lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in plain.items()]
    for key, value in nested.items():
        _toml_table(lines, path + [key], value)


def _toml_key(key):
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"judge.toml cannot hold {value!r}")
