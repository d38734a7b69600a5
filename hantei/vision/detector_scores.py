"""Score face detectors on photos with hand-marked faces: every face found? false detections? time per photo."""

import time
from dataclasses import dataclass, field

from .regions import iou


def matched(truth, found, threshold):
    """How many true faces a detection covers (each detection counts for one face at most, best overlaps first)."""
    pairs = sorted(((iou(t, f), i, j) for i, t in enumerate(truth) for j, f in enumerate(found)), reverse=True)
    used_truth, used_found = set(), set()
    for overlap, i, j in pairs:
        if overlap >= threshold and i not in used_truth and j not in used_found:
            used_truth.add(i)
            used_found.add(j)
    return len(used_truth)


@dataclass
class Score:
    """One detector's tally over a folder of photos."""

    detector: str
    photos: int = 0
    all_found: int = 0
    faces: int = 0
    found: int = 0
    false: int = 0
    ms: list = field(default_factory=list)

    @property
    def mean_ms(self):
        return sum(self.ms) / len(self.ms) if self.ms else 0.0

    def add(self, truth, boxes, ms, threshold):
        hits = matched(truth, boxes, threshold)
        self.photos += 1
        self.all_found += hits == len(truth)
        self.faces += len(truth)
        self.found += hits
        self.false += len(boxes) - hits
        self.ms.append(ms)


def score_detector(name, detector, photos, threshold=0.4):
    """Run one detector over (image, true boxes) pairs; only face regions count (NudeNet's FACE_* too)."""
    score = Score(name)
    for image, truth in photos:
        started = time.perf_counter()
        regions = detector.detect(image)
        ms = (time.perf_counter() - started) * 1000
        boxes = [r.box for r in regions if r.label.upper().startswith("FACE")]
        score.add(truth, boxes, ms, threshold)
    return score
