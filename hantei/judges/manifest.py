"""judge.toml -> a validated, frozen JudgeSpec; every error names the file and the field at fault."""

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..i18n import LANGUAGES
from ..vision import runtime
from ..vision.classifiers import Output, Preprocess, SignatureError, refuse_unknown
from ..vision.detectors import DETECTORS
from . import gallery

# one 0..1 number | the best label | every tag over its threshold | a number with a unit (an age in years)
# or the label whose reference photos a face looks most like (a look-alike judge, judges/gallery.py)
KINDS = ("score", "labels", "tags", "number", "gallery")
ORDERS = ("highest", "lowest")  # which region heads a photo of several: the highest score (or number), or the lowest
TOP_KEYS = ("id", "title", "description", "kind", "license", "model", "detect", "score", "names", "verdict", "hashtag",
            "version", "dare", "gallery")
SECTION_KEYS = {
    "model": ("path", "exact", "input", "output"),
    "detect": ("detector", "min_score", "iou", "margin", "names", "hide", "public"),
    "score": ("weights",),
    "gallery": ("threshold", "labels"),
    "verdict": ("bands", "sensitive_above", "sensitive", "score_label", "threshold", "thresholds", "no_match",
                "no_face", "score_name", "display", "unit", "decimals", "order", "pick"),
}
NO_FACE = {"ja": "顔が見つかりませんでした", "en": "No face found"}
NO_MATCH = {"ja": "どれにも当てはまりません", "en": "No match"}
NEVER = math.inf  # a sensitive_above no score (nor a number judge's number) reaches
BAND_KEYS = ("below", "ja", "en", "color", "comment")
COLOR = re.compile(r"#[0-9a-fA-F]{6}")


class ManifestError(Exception):
    """A judge folder whose manifest cannot be served, with the file and field at fault."""


@dataclass(frozen=True)
class Band:
    """A verdict for scores below a bound (the last band has no bound)."""

    below: float
    text: dict
    color: str = ""  # "#rrggbb": the stamp's and the score's colour on the result page and card
    comment: dict = None  # {ja, en}: a short line under the verdict, or a list of lines, one picked per result


@dataclass(frozen=True)
class ModelSpec:
    """The classifier a judge runs: its file, how pixels become its input, what its outputs mean."""

    path: Path
    preprocess: Preprocess
    output: Output
    exact: bool = False


@dataclass(frozen=True)
class DetectSpec:
    """The detector a judge runs first: its name, its options, and the margin around each region it classifies."""

    detector: str
    options: tuple = ()  # (name, value) pairs the detector takes
    margin: float = 0.25
    names: dict = None  # {label: {ja, en}}: what pages call a region label instead of hantei's own name for it
    hidden: frozenset = frozenset()  # labels never shown on pages or cards (they still count in a score)
    public: bool = True  # whether visitors and cards see the regions found, or only the uploader does


@dataclass(frozen=True)
class JudgeSpec:
    """Everything a judge.toml says, checked: what it is called, what it runs, and how scores become verdicts."""

    folder: Path
    id: str
    title: dict
    description: dict
    kind: str
    license: dict  # {ja, en}
    hashtag: dict  # {ja, en}: the hashtag of posts shared from its result pages
    model: ModelSpec
    detect: DetectSpec
    labels: tuple
    names: dict
    weights: dict
    bands: tuple
    score_label: str
    threshold: float
    thresholds: dict  # tags judges: each tag's own threshold (the others use threshold)
    no_match: dict
    no_face: dict
    sensitive_above: float
    sensitive_labels: dict
    sensitive_tags: tuple = ()  # tags judges: giving one of these tags makes the result sensitive
    version: str = "1"  # which training of this judge; every result records the version that judged it
    score_name: dict = None  # {ja, en}: how the page reads the score as a percentage, e.g. けしからん度
    dare: dict = None  # {ja, en}: the line of a shared post that dares its reader to try
    display: dict = None  # {label: confidence}: regions found below it are not counted or shown as findings
    unit: dict = None  # number judges: {ja, en}, e.g. 歳 / years old
    decimals: int = 0  # number judges: how many decimals the number is read with
    order: str = "highest"  # which region heads a photo of several: "highest" or "lowest" score (or number)
    pick: dict = None  # {ja, en}: what the page calls the region that heads a group, e.g. 最年少 / The youngest
    gallery: object = None  # gallery judges: a gallery.GallerySpec (the cosine threshold, each label's picture)

    def shown(self, region):
        """Whether a region found counts: its confidence reaches its label's display threshold ("*": any label)."""
        floors = self.display or {}
        return region.score >= floors.get(region.label, floors.get("*", 0.0))


def read(folder):
    """Read and check folder/judge.toml; raise ManifestError with the file and field at fault."""
    folder = Path(folder)
    path = folder / "judge.toml"
    try:
        manifest = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ManifestError(f"{path}: cannot be read as TOML: {error}") from None
    try:
        refuse_unknown(manifest, TOP_KEYS, "top level:")
        for name, keys in SECTION_KEYS.items():
            if name in manifest:
                if not isinstance(manifest[name], dict):
                    raise SignatureError(f"[{name}]", "should be a table of settings")
                refuse_unknown(manifest[name], keys, f"[{name}]")
        return _spec(folder, manifest)
    except SignatureError as error:
        raise ManifestError(f"{path}: {error}") from None
    except (TypeError, ValueError, AttributeError) as error:
        raise ManifestError(f"{path}: a setting has a value of the wrong type ({error})") from None


def _spec(folder, manifest):
    """The spec of a parsed manifest (raises SignatureError naming the field)."""
    title, description = _text(manifest, "title"), _text(manifest, "description")
    kind = manifest.get("kind", "score")
    if kind not in KINDS:
        raise SignatureError("kind", f"{kind!r} is not supported; expected one of {', '.join(KINDS)}")
    if kind == "gallery":
        return _gallery_spec(folder, manifest, title, description)
    if "gallery" in manifest:
        raise SignatureError("[gallery]", "only a kind = \"gallery\" judge has reference photos")
    model = _model(manifest["model"], folder) if "model" in manifest else None
    detect = _detect(manifest["detect"], classified=model is not None) if "detect" in manifest else None
    if model is None and detect is None:
        raise SignatureError("[model]", "a judge needs a [model] to classify with, or a [detect] section, or both")
    if model is None and kind in ("labels", "tags", "number"):
        raise SignatureError("kind", f"\"{kind}\" needs a [model] whose outputs are the labels")
    if kind == "tags" and model.output.activation == "softmax":
        raise SignatureError("[model.output] activation", "a tags judge scores each tag on its own: use \"sigmoid\" "
                             "(or \"none\" when the model already gives each tag's probability)")
    judge_id = manifest.get("id") or folder.name
    labels = tuple(model.output.labels) if model else (judge_id,)
    verdict = manifest.get("verdict", {})
    score_label = verdict.get("score_label", labels[0])
    if kind in ("score", "number") and score_label not in labels:
        raise SignatureError("[verdict] score_label", f"{score_label!r}; expected one of {list(labels)}")
    sigmoid = model is not None and model.output.activation == "sigmoid"
    return JudgeSpec(
        folder=folder,
        id=judge_id,
        title=title,
        description=description,
        kind=kind,
        license=_either(manifest.get("license", ""), "license"),
        hashtag={lang: tag.lstrip("#") for lang, tag in _either(manifest.get("hashtag", ""), "hashtag").items()},
        model=model,
        detect=detect,
        labels=labels,
        names=_names(manifest.get("names", {}), labels),
        weights=_weights(manifest.get("score", {}), detect) if model is None else {},
        bands=_bands(verdict, required=kind == "score") if kind in ("score", "number") else (),
        score_label=score_label,
        threshold=_fraction(verdict, "threshold", 0.5 if sigmoid or kind == "tags" else 0.0, "[verdict]"),
        thresholds=_thresholds(verdict.get("thresholds", {}), labels),
        no_match=_text(verdict, "no_match") if "no_match" in verdict else NO_MATCH,
        no_face=_text(verdict, "no_face") if "no_face" in verdict else NO_FACE,
        sensitive_above=_number(verdict, "sensitive_above", 0, "[verdict]") if "sensitive_above" in verdict else NEVER,
        sensitive_labels=_sensitive(_bounds(verdict.get("sensitive", {})), labels),
        sensitive_tags=tuple(_sensitive(dict.fromkeys(verdict["sensitive"], 0), labels))
        if kind == "tags" and isinstance(verdict.get("sensitive"), list) else (),
        version=str(manifest.get("version", "1")),
        score_name=_text(verdict, "score_name") if "score_name" in verdict else None,
        dare=_text(manifest, "dare") if "dare" in manifest else None,
        display=_display(verdict.get("display", {}), detect),
        unit=(_text(verdict, "unit") if "unit" in verdict else {"ja": "", "en": ""}) if kind == "number" else None,
        decimals=int(_fraction(verdict, "decimals", 0, "[verdict]", high=3)),
        order=_order(verdict.get("order", "highest")),
        pick=_text(verdict, "pick") if "pick" in verdict else None,
    )


def _gallery_spec(folder, manifest, title, description):
    """A look-alike judge: CenterFace finds the faces, FaceRes describes them, [gallery] names whose photos they are
    compared with; verdicts read the likeness (0.5 at the threshold, see gallery.readable)."""
    if "model" in manifest:
        raise SignatureError("[model]", "a gallery judge runs FaceRes on its reference photos; it takes no [model]")
    section = manifest.get("gallery")
    if not isinstance(section, dict) or not isinstance(section.get("labels"), dict) or not section["labels"]:
        raise SignatureError("[gallery] labels", "names at least one label, e.g. [gallery.labels.ada] "
                             "ja = \"エイダ\", en = \"Ada\"")
    given = dict(manifest.get("detect", {}))
    if given.get("detector", "face") != "face" or "margin" in given:
        raise SignatureError("[detect]", "a gallery judge finds faces with the \"face\" detector (CenterFace) and "
                             "crops them as FaceRes wants (margin 0.2)")
    detect = _detect({**given, "detector": "face", "margin": gallery.MARGIN}, classified=True)
    labels, names, images = tuple(section["labels"]), {}, {}
    for label, entry in section["labels"].items():
        where = f"[gallery.labels.{label}]"
        if not isinstance(entry, dict):
            raise SignatureError(where, "is a table: ja = \"…\", en = \"…\", and optionally image, card")
        refuse_unknown(entry, ("ja", "en", "image", "card"), where)
        names[label] = _text({where: {lang: entry.get(lang) for lang in LANGUAGES}}, where)
        if "image" in entry:
            path = (folder / str(entry["image"])).resolve()
            if not path.is_relative_to(folder.resolve()) or not path.is_file():
                raise SignatureError(f"{where} image", f"{entry['image']!r} is not a file inside the judge's folder")
            card = entry.get("card", False)
            if not isinstance(card, bool):
                raise SignatureError(f"{where} card", "is true (share cards may show the picture) or false")
            images[label] = {"path": path, "card": card}
    verdict = manifest.get("verdict", {})
    refuse_unknown(verdict, ("no_match", "no_face", "score_name", "sensitive_above"), "[verdict] (gallery)")
    return JudgeSpec(
        folder=folder, id=manifest.get("id") or folder.name, title=title, description=description, kind="gallery",
        license=_either(manifest.get("license", ""), "license"),
        hashtag={lang: tag.lstrip("#") for lang, tag in _either(manifest.get("hashtag", ""), "hashtag").items()},
        model=None, detect=detect, labels=labels, names=names, weights={}, bands=(), score_label=labels[0],
        threshold=0.5,  # on the readable likeness, where the cosine threshold lies
        thresholds={},
        no_match=_text(verdict, "no_match") if "no_match" in verdict else gallery.NO_MATCH,
        no_face=_text(verdict, "no_face") if "no_face" in verdict else NO_FACE,
        sensitive_above=_number(verdict, "sensitive_above", 0, "[verdict]") if "sensitive_above" in verdict else NEVER,
        sensitive_labels={},
        version=str(manifest.get("version", "1")),
        score_name=_text(verdict, "score_name") if "score_name" in verdict else gallery.SCORE_NAME,
        dare=_text(manifest, "dare") if "dare" in manifest else None,
        gallery=gallery.GallerySpec(threshold=_fraction(section, "threshold", gallery.THRESHOLD, "[gallery]",
                                                        low=gallery.FLOOR, high=gallery.CEILING, open_low=True),
                                    images=images),
    )


def _either(value, key):
    """A text given once for both languages, or as {ja, en}: always {ja, en}."""
    if isinstance(value, dict):
        return _text({key: value}, key)
    return {lang: str(value) for lang in LANGUAGES}


def _order(value):
    if value not in ORDERS:
        raise SignatureError("[verdict] order", f"{value!r}; expected one of {', '.join(ORDERS)}")
    return value


def _number(section, key, default, where):
    """A finite number from a section (NaN and infinity would make comparisons fail open)."""
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SignatureError(f"{where} {key}", f"{value!r} should be a finite number")
    return float(value)


def _fraction(section, key, default, where, low=0.0, high=1.0, open_low=False):
    """A finite number from low to high (above low when open_low)."""
    value = _number(section, key, default, where)
    if value > high or value < low or (open_low and value == low):
        bounds = f"{'above' if open_low else 'from'} {low:g} {'up ' if open_low else ''}to {high:g}"
        raise SignatureError(f"{where} {key}", f"{value:g} should lie {bounds}")
    return value


def _text(section, key):
    """A {ja, en} text, insisting on both languages."""
    value = section.get(key)
    if not isinstance(value, dict) or any(not isinstance(value.get(lang), str) for lang in LANGUAGES):
        raise SignatureError(key, f"needs both languages, e.g. {key} = {{ ja = \"…\", en = \"…\" }}")
    return {lang: value[lang] for lang in LANGUAGES}


def _model(section, folder):
    if "path" not in section:
        raise SignatureError("[model]", "needs path = \"model.onnx\" (relative to the folder, or pkg:…)")
    try:
        path = runtime.resolve(section["path"], base=folder)
    except ModuleNotFoundError as error:
        raise SignatureError("[model] path", f"no installed package {error.name!r}") from None
    return ModelSpec(
        path=path,
        preprocess=Preprocess.from_manifest(section.get("input", {})),
        output=Output.from_manifest(section.get("output", {})),
        exact=bool(section.get("exact", False)),
    )


def _detect(section, classified):
    name = section.get("detector")
    if name not in DETECTORS:
        raise SignatureError("[detect] detector", f"{name!r}; expected one of {sorted(DETECTORS)}")
    accepted = DETECTORS[name].options
    for key in ("min_score", "iou"):
        if key in section and key not in accepted:
            raise SignatureError(f"[detect] {key}", f"the {name!r} detector has no such setting; it takes "
                                 f"{', '.join(accepted) or 'none'}")
    options = {}
    if "min_score" in section:
        options["min_score"] = _fraction(section, "min_score", 0, "[detect]")
    if "iou" in section:
        options["iou"] = _fraction(section, "iou", 1, "[detect]", open_low=True)
    margin = _number(section, "margin", 0.25, "[detect]")
    if classified and not 0 <= margin <= 2:
        raise SignatureError("[detect] margin", f"{margin:g}; expected a fraction of the box from 0 to 2")
    labels = DETECTORS[name].labels
    names = section.get("names", {})
    hidden = section.get("hide", [])
    if not isinstance(names, dict) or not isinstance(hidden, list):
        raise SignatureError("[detect] names", "names is a table of { ja, en } texts and hide a list of labels")
    for key, given in (("names", names), ("hide", hidden)):
        unknown = sorted(set(map(str, given)) - set(labels))
        if unknown:
            raise SignatureError(f"[detect] {key}", f"name labels the {name!r} detector lacks: {', '.join(unknown)}")
    public = section.get("public", True)
    if not isinstance(public, bool):
        raise SignatureError("[detect] public", "is true (visitors and cards see the regions) or false (only the "
                             "uploader does)")
    return DetectSpec(detector=name, options=tuple(sorted(options.items())), margin=margin,
                      names={label: _text(names, label) for label in names} or None, hidden=frozenset(hidden),
                      public=public)


def _weights(section, detect):
    weights = section.get("weights", {})
    unknown = sorted(set(weights) - set(DETECTORS[detect.detector].labels))
    if unknown:
        raise SignatureError("[score] weights", f"name labels the detector lacks: {', '.join(unknown)}")
    return {label: _fraction(weights, label, 0, "[score] weights") for label in weights}


def _names(section, labels):
    unknown = sorted(set(section) - set(labels))
    if unknown:
        raise SignatureError("[names]", f"names labels the model lacks: {', '.join(unknown)}")
    names = {label: {lang: label for lang in LANGUAGES} for label in labels}
    for label in section:
        names[label] = _text(section, label)
    return names


def _comment(value, where):
    """A band's comment: {ja, en}, each one line or a list of lines (each result picks one, always the same)."""
    def lines(text):
        return isinstance(text, str) or (isinstance(text, list) and text and all(isinstance(v, str) for v in text))

    if not isinstance(value, dict) or any(not lines(value.get(lang)) for lang in LANGUAGES):
        raise SignatureError(f"{where} comment", "needs both languages, each a line or a list of lines, e.g. "
                             "comment = { ja = [\"…\", \"…\"], en = [\"…\", \"…\"] }")
    return {lang: value[lang] for lang in LANGUAGES}


def _bands(section, required=True):
    if not required and "bands" not in section:
        return ()
    bands = []
    for number, band in enumerate(section.get("bands", []), 1):
        if not isinstance(band, dict) or any(not isinstance(band.get(lang), str) for lang in LANGUAGES):
            raise SignatureError(f"[verdict] band {number}", "needs both ja and en texts")
        where = f"[verdict] band {number}"
        refuse_unknown(band, BAND_KEYS, where)
        below = _number(band, "below", 0, where) if "below" in band else math.inf
        color = str(band.get("color", ""))
        if color and not COLOR.fullmatch(color):
            raise SignatureError(f"{where} color", f"{color!r} should be a colour like \"#2f9e44\"")
        comment = _comment(band["comment"], where) if "comment" in band else None
        bands.append(Band(below, {lang: band[lang] for lang in LANGUAGES}, color, comment))
    if not bands or bands[-1].below != math.inf:
        raise SignatureError("[verdict] bands", "must end with a band that has no 'below'")
    bounds = [b.below for b in bands]
    if any(later <= earlier for earlier, later in zip(bounds, bounds[1:])):
        raise SignatureError("[verdict] bands", "must be in increasing order of 'below'")
    return tuple(bands)


def _bounds(section):
    """[verdict] sensitive as {label: bound}; a list of tags (tags judges) sets no bound of its own."""
    return {} if isinstance(section, list) else section


def _sensitive(section, labels):
    unknown = sorted(set(section) - set(labels))
    if unknown:
        raise SignatureError("[verdict] sensitive", f"names labels the model lacks: {', '.join(unknown)}")
    return {str(label): _fraction(section, label, 0, "[verdict] sensitive") for label in section}


def _thresholds(section, labels):
    unknown = sorted(set(section) - set(labels))
    if unknown:
        raise SignatureError("[verdict] thresholds", f"name tags the model lacks: {', '.join(unknown)}")
    return {str(tag): _fraction(section, tag, 0, "[verdict] thresholds") for tag in section}


def _display(section, detect):
    """Per-label display thresholds of the detector's regions ("*" for every label not named)."""
    if not section:
        return None
    if detect is None:
        raise SignatureError("[verdict] display", "needs a [detect] section: it applies to the regions found")
    unknown = sorted(set(section) - set(DETECTORS[detect.detector].labels) - {"*"})
    if unknown:
        raise SignatureError("[verdict] display", f"names labels the detector lacks: {', '.join(unknown)}")
    return {label: _fraction(section, label, 0, "[verdict] display") for label in section}
