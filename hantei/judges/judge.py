"""A judge at work: its spec's detector and classifier turn an upright photo into a Judgement."""

import time

from ..records import JudgedRegion, Judgement
from ..vision.classifiers import Classifier
from ..vision.detectors import DETECTORS
from ..vision.regions import widened
from . import verdicts
from .gallery import Gallery


class Judge:
    """A judge read from models/<id>/judge.toml: an optional detector, an optional classifier, verdict rules.

    Without [model], the detector's regions make the score (noisy-OR of [score] weights).
    With [model], the classifier judges the whole photo, or each region the detector finds.
    """

    def __init__(self, spec):
        self.spec = spec
        model = spec.model
        self.classifier = Classifier(model.path, model.preprocess, model.output, model.exact) if model else None
        if spec.kind == "gallery":  # its "classifier" compares each face with the reference photos' descriptors
            self.classifier = Gallery(spec)
        self.detector = DETECTORS[spec.detect.detector](**dict(spec.detect.options)) if spec.detect else None

    id = property(lambda self: self.spec.id)
    title = property(lambda self: self.spec.title)
    description = property(lambda self: self.spec.description)
    kind = property(lambda self: self.spec.kind)
    labels = property(lambda self: self.spec.labels)
    names = property(lambda self: self.spec.names)
    hashtag = property(lambda self: self.spec.hashtag)
    folder = property(lambda self: self.spec.folder)
    license = property(lambda self: self.spec.license)

    def check(self):
        """Open the classifier's model and compare it with the manifest (raises SignatureError)."""
        if self.classifier is not None:
            self.classifier.check()

    @property
    def exact(self):
        """Whether this judge wants the photo decoded in full and in its own mode (see intake.read_photo)."""
        return bool(self.classifier and self.classifier.exact and self.detector is None)

    @property
    def answers_each_region(self):
        """Whether every region found (each face) gets its own answer from the classifier."""
        return self.detector is not None and self.classifier is not None

    def verdict(self, score):
        return verdicts.band(self.spec, score)

    def judge(self, image, source=None):
        """Judge an upright RGB image (exact judges also get the oriented source in its own mode)."""
        started = time.perf_counter()
        tags = None
        found = self.detector.detect(image) if self.detector else []
        detected = time.perf_counter()
        if self.classifier is None:
            score = verdicts.noisy_or(self.spec, found)
            scores = {self.spec.id: score}
            verdict, ranked = self.verdict(score), verdicts.ranked(scores)
            regions = [JudgedRegion(r.label, r.score, r.box) for r in found]
        elif self.detector is None:
            scores = self.classifier.classify(source if self.exact and source is not None else image)
            score, verdict = verdicts.headline(self.spec, scores)
            ranked, regions = verdicts.ranked(scores), []
            tags = verdicts.tags(self.spec, scores) if self.spec.kind == "tags" else None
        else:
            score, verdict, scores, ranked, regions = self._judge_regions(image, found)
        finished = time.perf_counter()
        return Judgement(
            judge=self.spec.id,
            kind=self.spec.kind,
            score=score,
            verdict=verdict,
            sensitive=verdicts.sensitive(self.spec, score, scores),
            labels=ranked,
            regions=regions,
            timings_ms={"detect": (detected - started) * 1000, "classify": (finished - detected) * 1000},
            tags=tags,
            version=self.spec.version,
            look=verdicts.look(self.spec, score),
        )

    def _judge_regions(self, image, found):
        """Classify each region on its own (with a margin), all crops in one batch; the region the manifest's
        order puts first (the highest score or number, or the lowest) gives the headline."""
        ordered = sorted(found, key=lambda r: (r.box[0], r.box[1]))  # numbered left to right on the page
        margin = self.spec.detect.margin
        crops = [image.crop(widened(region.box, margin, image.size)) for region in ordered]
        best, regions = None, []
        for region, scores in zip(ordered, self.classifier.classify_many(crops)):
            score, verdict = verdicts.headline(self.spec, scores)
            look = {**verdicts.look(self.spec, score), "value": score}
            regions.append(JudgedRegion(region.label, region.score, region.box, verdicts.ranked(scores), verdict,
                                        look))
            if best is None or verdicts.heads(self.spec, score, best[0]):
                best = (score, verdict, scores)
        if best is None:
            return 0.0, self.spec.no_face, {}, [], regions
        score, verdict, scores = best
        return score, verdict, scores, verdicts.ranked(scores), regions

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
        spec = self.spec
        return {
            "id": spec.id,
            "title": spec.title,
            "description": spec.description,
            "kind": spec.kind,
            "labels": list(spec.labels),
            "names": spec.names,
            "detector": self.detector.name if self.detector else None,
            "per_face": self.answers_each_region,
            "license": spec.license,
            **({"references": self.classifier.references} if spec.kind == "gallery" else {}),
        }
