"""Judges: a folder with a manifest (judge.toml) becomes detector + scoring + verdict rules; and their registry."""

import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .vision.detectors import DETECTORS

LANGUAGES = ("ja", "en")


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


class Judge:
    """A judge read from models/<id>/judge.toml: finds regions, turns them into a score and a verdict."""

    def __init__(self, folder):
        self.folder = Path(folder)
        path = self.folder / "judge.toml"
        try:
            manifest = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ManifestError(f"{path}: cannot be read as TOML: {error}") from None
        self.id = manifest.get("id") or self.folder.name
        self.title = _text(manifest, "title", path)
        self.description = _text(manifest, "description", path)
        self.kind = manifest.get("kind", "score")
        if self.kind != "score":
            raise ManifestError(f"{path}: kind = {self.kind!r} is not supported; expected \"score\"")
        self.license = manifest.get("license", "")
        self.hashtag = str(manifest.get("hashtag", "")).lstrip("#")  # added to posts shared from result pages
        self.detector = self._detector(manifest.get("detect", {}), path)
        self.weights = self._weights(manifest.get("score", {}), path)
        verdict = manifest.get("verdict", {})
        self.bands = self._bands(verdict, path)
        self.sensitive_above = float(verdict.get("sensitive_above", 2.0))

    def _detector(self, section, path):
        name = section.get("detector")
        if name not in DETECTORS:
            raise ManifestError(f"{path}: [detect] detector = {name!r}; expected one of {sorted(DETECTORS)}")
        options = {key: float(section[key]) for key in ("min_score", "iou") if key in section}
        return DETECTORS[name](**options)

    def _weights(self, section, path):
        weights = section.get("weights", {})
        unknown = sorted(set(weights) - set(self.detector.labels))
        if unknown:
            raise ManifestError(f"{path}: [score] weights name labels the detector lacks: {', '.join(unknown)}")
        if any(not 0 <= float(w) <= 1 for w in weights.values()):
            raise ManifestError(f"{path}: [score] weights must lie between 0 and 1")
        return {label: float(w) for label, w in weights.items()}

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
        return [self.id]

    def score(self, regions):
        """Noisy-OR of the regions: 1 - Π(1 - weight(label) × confidence); 0 when nothing weighs."""
        clear = 1.0
        for region in regions:
            clear *= 1.0 - self.weights.get(region.label, 0.0) * region.score
        return 1.0 - clear

    def verdict(self, score):
        """The text of the first band whose bound lies above the score."""
        return next(band.text for band in self.bands if score < band.below)

    def judge(self, image):
        """Judge an upright RGB image: regions, score, verdict, with the time each stage took."""
        started = time.perf_counter()
        regions = self.detector.detect(image)
        detected = time.perf_counter()
        score = self.score(regions)
        finished = time.perf_counter()
        return Judgement(
            judge=self.id,
            kind=self.kind,
            score=score,
            verdict=self.verdict(score),
            sensitive=score > self.sensitive_above,
            labels=[{"label": self.id, "score": round(score, 4)}],
            regions=regions,
            timings_ms={"detect": (detected - started) * 1000, "classify": (finished - detected) * 1000},
        )

    def load(self):
        """Create this judge's model sessions now (in a worker, after the fork), so no visitor waits for it."""
        self.detector.load()

    @property
    def warm(self):
        return self.detector.loaded

    def describe(self):
        """The public description of the judge, as /api/v1/judges lists it."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "kind": self.kind,
            "labels": self.labels,
            "detector": self.detector.name,
            "license": self.license,
        }


class Judges:
    """Every judge folder under the models directory; a broken one is reported and the rest serve."""

    def __init__(self, models_dir, default):
        self.default = default
        self.loaded = {}
        self.problems = {}
        for folder in sorted(Path(models_dir).iterdir()) if Path(models_dir).is_dir() else []:
            if not (folder / "judge.toml").is_file():
                continue
            try:
                judge = Judge(folder)
            except ManifestError as error:
                self.problems[folder.name] = str(error)
            else:
                self.loaded[judge.id] = judge

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
