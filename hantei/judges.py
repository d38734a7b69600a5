"""Judges: a folder with a manifest (judge.toml) becomes detector + classifier + verdict rules; and their registry."""

import logging
import os
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .vision import runtime
from .vision.classifiers import Classifier, Output, Preprocess, SignatureError, known
from .vision.detectors import DETECTORS

LANGUAGES = ("ja", "en")
KINDS = ("score", "labels")
TOP_KEYS = ("id", "title", "description", "kind", "license", "model", "detect", "score", "names", "verdict", "hashtag")
SECTION_KEYS = {
    "model": ("path", "exact", "input", "output"),
    "detect": ("detector", "min_score", "iou", "margin"),
    "score": ("weights",),
    "verdict": ("bands", "sensitive_above", "sensitive", "score_label", "threshold", "no_match", "no_face"),
}
_loading = threading.Lock()
log = logging.getLogger(__name__)


class ManifestError(Exception):
    """A judge folder whose manifest cannot be served, with the file and field at fault."""


class UnknownJudge(LookupError):
    """A judge id that no loaded judge has."""


@dataclass
class Judgement:
    """What a judge concluded about one photo, before it is stored."""

    judge: str
    kind: str
    score: float
    verdict: dict
    sensitive: bool
    labels: list
    regions: list
    timings_ms: dict = field(default_factory=dict)

    def as_dict(self):
        """The judgement as JSON-ready data, the same for the API and the CLI."""
        return {
            "judge": self.judge,
            "kind": self.kind,
            "score": round(self.score, 4),
            "verdict": self.verdict,
            "sensitive": self.sensitive,
            "labels": self.labels,
            "regions": [region.as_dict() for region in self.regions],
            "timings_ms": self.timings_ms,
        }


def _text(manifest, key, path):
    """Read a {ja, en} text from the manifest, insisting on both languages."""
    value = manifest.get(key)
    if not isinstance(value, dict) or any(not isinstance(value.get(lang), str) for lang in LANGUAGES):
        raise ManifestError(f"{path}: '{key}' needs both languages, e.g. {key} = {{ ja = \"…\", en = \"…\" }}")
    return {lang: value[lang] for lang in LANGUAGES}


@dataclass
class Band:
    """A verdict for scores below a bound (the last band has no bound)."""

    below: float
    text: dict


NO_FACE = {"ja": "顔が見つかりませんでした", "en": "No face found"}
NO_MATCH = {"ja": "どれにも当てはまりません", "en": "No match"}


class Judge:
    """A judge read from models/<id>/judge.toml: an optional detector, an optional classifier, verdict rules.

    Without [model], the detector's regions make the score (noisy-OR of [score] weights).
    With [model], the classifier judges the whole photo, or each region the detector finds.
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        path = self.folder / "judge.toml"
        try:
            manifest = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ManifestError(f"{path}: cannot be read as TOML: {error}") from None
        try:
            known(manifest, TOP_KEYS, "top level:")
            for name, keys in SECTION_KEYS.items():
                if name in manifest:
                    known(manifest[name], keys, f"[{name}]")
            self._read(manifest, path)
        except SignatureError as error:
            raise ManifestError(f"{path}: {error}") from None
        except (TypeError, ValueError, AttributeError) as error:
            raise ManifestError(f"{path}: a setting has a value of the wrong type ({error})") from None

    def _read(self, manifest, path):
        self.id = manifest.get("id") or self.folder.name
        self.title = _text(manifest, "title", path)
        self.description = _text(manifest, "description", path)
        self.kind = manifest.get("kind", "score")
        if self.kind not in KINDS:
            raise ManifestError(f"{path}: kind = {self.kind!r} is not supported; expected one of {', '.join(KINDS)}")
        self.license = manifest.get("license", "")
        self.hashtag = str(manifest.get("hashtag", "")).lstrip("#")  # added to posts shared from result pages
        self.classifier = self._classifier(manifest["model"], path) if "model" in manifest else None
        if self.classifier is None and "detect" not in manifest:
            raise ManifestError(f"{path}: a judge needs a [model] to classify with, or a [detect] section, or both")
        self.detector, self.margin = self._detector(manifest["detect"], path) if "detect" in manifest else (None, 0)
        if self.classifier is None:
            if self.kind != "score":
                raise ManifestError(f"{path}: kind = \"labels\" needs a [model] whose outputs are the labels")
            self.weights = self._weights(manifest.get("score", {}), path)
        verdict = manifest.get("verdict", {})
        self.names = self._names(manifest.get("names", {}), path)
        if self.kind == "score":
            self.bands = self._bands(verdict, path)
            self.score_label = verdict.get("score_label", self.labels[0])
            if self.score_label not in self.labels:
                raise ManifestError(f"{path}: [verdict] score_label = {self.score_label!r}; expected one of {self.labels}")
        else:
            self.no_match = _text(verdict, "no_match", path) if "no_match" in verdict else NO_MATCH
            default = 0.5 if self.classifier.output.activation == "sigmoid" else 0.0
            self.threshold = float(verdict.get("threshold", default))
        self.no_face = _text(verdict, "no_face", path) if "no_face" in verdict else NO_FACE
        self.sensitive_above = float(verdict.get("sensitive_above", 2.0))
        self.sensitive_labels = {str(k): float(v) for k, v in verdict.get("sensitive", {}).items()}
        unknown = sorted(set(self.sensitive_labels) - set(self.labels))
        if unknown:
            raise ManifestError(f"{path}: [verdict] sensitive names labels the model lacks: {', '.join(unknown)}")

    def _classifier(self, section, path):
        try:
            model_path = runtime.resolve(section["path"], base=self.folder)
            classifier = Classifier(
                model_path,
                Preprocess.from_manifest(section.get("input", {})),
                Output.from_manifest(section.get("output", {})),
                exact=bool(section.get("exact", False)),
            )
            classifier.check()
        except KeyError:
            raise ManifestError(f"{path}: [model] needs path = \"model.onnx\" (relative to the folder, or pkg:…)") from None
        except ModuleNotFoundError as error:
            raise ManifestError(f"{path}: [model] path: no installed package {error.name!r}") from None
        except SignatureError as error:
            raise ManifestError(f"{path}: {error}") from None
        return classifier

    def _detector(self, section, path):
        name = section.get("detector")
        if name not in DETECTORS:
            raise ManifestError(f"{path}: [detect] detector = {name!r}; expected one of {sorted(DETECTORS)}")
        options = {key: float(section[key]) for key in ("min_score", "iou") if key in section}
        margin = float(section.get("margin", 0.25))
        if self.classifier is not None and not 0 <= margin <= 2:
            raise ManifestError(f"{path}: [detect] margin = {margin}; expected a fraction of the box from 0 to 2")
        return DETECTORS[name](**options), margin

    def _weights(self, section, path):
        weights = section.get("weights", {})
        unknown = sorted(set(weights) - set(self.detector.labels))
        if unknown:
            raise ManifestError(f"{path}: [score] weights name labels the detector lacks: {', '.join(unknown)}")
        if any(not 0 <= float(w) <= 1 for w in weights.values()):
            raise ManifestError(f"{path}: [score] weights must lie between 0 and 1")
        return {label: float(w) for label, w in weights.items()}

    def _names(self, section, path):
        unknown = sorted(set(section) - set(self.labels))
        if unknown:
            raise ManifestError(f"{path}: [names] names labels the model lacks: {', '.join(unknown)}")
        names = {label: {lang: label for lang in LANGUAGES} for label in self.labels}
        for label in section:
            names[label] = _text(section, label, path)
        return names

    def _bands(self, section, path):
        bands = []
        for number, band in enumerate(section.get("bands", []), 1):
            if any(not isinstance(band.get(lang), str) for lang in LANGUAGES):
                raise ManifestError(f"{path}: [verdict] band {number} needs both ja and en texts")
            bands.append(Band(float(band.get("below", float("inf"))), {lang: band[lang] for lang in LANGUAGES}))
        if not bands or bands[-1].below != float("inf"):
            raise ManifestError(f"{path}: [verdict] bands must end with a band that has no 'below'")
        if [b.below for b in bands] != sorted(b.below for b in bands):
            raise ManifestError(f"{path}: [verdict] bands must be in increasing order of 'below'")
        return bands

    @property
    def labels(self):
        return list(self.classifier.labels) if self.classifier else [self.id]

    @property
    def exact(self):
        """Whether this judge wants the photo decoded in full and in its own mode (see intake.read_photo)."""
        return bool(self.classifier and self.classifier.exact and self.detector is None)

    def score(self, regions):
        """Noisy-OR of the regions: 1 - Π(1 - weight(label) × confidence); 0 when nothing weighs."""
        clear = 1.0
        for region in regions:
            clear *= 1.0 - self.weights.get(region.label, 0.0) * region.score
        return 1.0 - clear

    def verdict(self, score):
        """The text of the first band whose bound lies above the score."""
        return next(band.text for band in self.bands if score < band.below)

    def headline(self, scores):
        """The score and verdict that a classifier's {label: score} make under this judge's rules."""
        if self.kind == "score":
            score = scores[self.score_label]
            return score, self.verdict(score)
        best = max(scores, key=scores.get)
        return scores[best], (self.names[best] if scores[best] >= self.threshold else self.no_match)

    def region_verdict(self, region):
        """The verdict of one classified region (a face), from the labels stored with it."""
        scores = {item["label"]: item["score"] for item in region.labels}
        if not scores or (self.kind == "score" and self.score_label not in scores):
            return None
        return self.headline(scores)[1]

    def sensitive(self, score, scores):
        return score > self.sensitive_above or any(
            scores.get(label, 0.0) > bound for label, bound in self.sensitive_labels.items()
        )

    def judge(self, image, source=None):
        """Judge an upright RGB image (exact judges also get the oriented source in its own mode)."""
        started = time.perf_counter()
        regions = self.detector.detect(image) if self.detector else []
        detected = time.perf_counter()
        if self.classifier is None:
            score = self.score(regions)
            scores = {self.id: score}
            verdict = self.verdict(score)
            ranked = [{"label": self.id, "score": round(score, 4)}]
        elif self.detector is None:
            scores = self._classify_whole(image, source)
            score, verdict = self.headline(scores)
            ranked = _ranked(scores)
        else:
            score, verdict, scores, ranked = self._judge_regions(image, regions)
        finished = time.perf_counter()
        return Judgement(
            judge=self.id,
            kind=self.kind,
            score=score,
            verdict=verdict,
            sensitive=self.sensitive(score, scores),
            labels=ranked,
            regions=regions,
            timings_ms={"detect": (detected - started) * 1000, "classify": (finished - detected) * 1000},
        )

    def _classify_whole(self, image, source):
        """Classify the whole photo; exact judges take the source in its own mode (intake has converted it once)."""
        return self.classifier.classify(source if self.exact and source is not None else image)

    def _judge_regions(self, image, regions):
        """Classify each region on its own (with a margin); the most decided one gives the headline."""
        best = None
        regions.sort(key=lambda region: (region.box[0], region.box[1]))  # numbered left to right on the page
        for region in regions:
            scores = self.classifier.classify(image.crop(widened(region.box, self.margin, image.size)))
            region.labels = _ranked(scores)
            score, _ = self.headline(scores)
            if best is None or score > best[0]:
                best = (score, scores)
        if best is None:
            return 0.0, self.no_face, {}, []
        score, scores = best
        return score, self.headline(scores)[1], scores, _ranked(scores)

    def load(self):
        """Create this judge's model sessions now (in a worker, after the fork), so no visitor waits for it."""
        for part in (self.detector, self.classifier):
            if part is not None:
                part.load()

    @property
    def warm(self):
        return all(part.loaded for part in (self.detector, self.classifier) if part is not None)

    def describe(self):
        """The public description of the judge, as /api/v1/judges lists it."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "kind": self.kind,
            "labels": self.labels,
            "names": self.names,
            "detector": self.detector.name if self.detector else None,
            "license": self.license,
        }


def _ranked(scores):
    """{label: score} as a list, highest first, rounded for storage and JSON."""
    return [{"label": label, "score": round(score, 4)} for label, score in sorted(scores.items(), key=lambda kv: -kv[1])]


def widened(box, margin, size):
    """A region's box grown by margin × its size on every side, kept inside the photo, as a PIL crop box."""
    x, y, w, h = box
    left, top = max(0, round(x - w * margin)), max(0, round(y - h * margin))
    right, bottom = min(size[0], round(x + w * (1 + margin))), min(size[1], round(y + h * (1 + margin)))
    return left, top, max(right, left + 1), max(bottom, top + 1)


class Judges:
    """Every judge folder under the models directory; a broken one is reported and the rest serve.

    The folders are read on first use in each process (so after gunicorn forks its workers, and
    again in the new workers a HUP starts), never at import: each worker opens its own sessions.
    """

    def __init__(self, models_dir, default):
        self.models_dir = Path(models_dir)
        self.default = default
        self._pid = None
        self._loaded = {}
        self._problems = {}

    def _ensure(self):
        if self._pid == os.getpid():
            return
        with _loading:
            if self._pid != os.getpid():
                self._loaded, self._problems = self.read(self.models_dir)
                for problem in self._problems.values():
                    log.warning("judge left out: %s", problem)
                self._pid = os.getpid()

    @staticmethod
    def read(models_dir):
        """Read every judge folder (skipping hidden ones, such as an install in progress)."""
        loaded, problems = {}, {}
        folders = sorted(Path(models_dir).iterdir()) if Path(models_dir).is_dir() else []
        for folder in folders:
            if folder.name.startswith(".") or not (folder / "judge.toml").is_file():
                continue
            try:
                judge = Judge(folder)
            except ManifestError as error:
                problems[folder.name] = str(error)
            else:
                if judge.id in loaded:
                    problems[folder.name] = f"{folder / 'judge.toml'}: id = {judge.id!r} is already taken by another folder"
                    continue
                loaded[judge.id] = judge
        return loaded, problems

    @property
    def loaded(self):
        self._ensure()
        return self._loaded

    @property
    def problems(self):
        self._ensure()
        return self._problems

    def get(self, judge_id=None):
        """The judge with this id, or the default judge when none is named."""
        judge = self.loaded.get(judge_id or self.default)
        if judge is None:
            raise UnknownJudge(judge_id or self.default)
        return judge

    def load(self):
        """Load every judge's models in this process."""
        for judge in self:
            judge.load()

    def __iter__(self):
        return iter(self.loaded.values())
