"""Detectors: an RGB photo -> [Region(label, score, box)], boxes in the photo's own pixels."""

from dataclasses import dataclass, field

import numpy as np

from . import runtime
from .resample import letterbox_top_left


@dataclass
class Region:
    """Something a detector found: its label, confidence and box [x, y, w, h] in photo pixels."""

    label: str
    score: float
    box: list
    labels: list = field(default_factory=list)

    def as_dict(self):
        return {"label": self.label, "score": round(self.score, 4), "box": self.box, "labels": self.labels}


def nms(boxes, scores, iou_threshold):
    """Greedy class-agnostic non-maximum suppression on [x1, y1, x2, y2] boxes; return kept indices."""
    order = np.argsort(-scores, kind="stable")
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep = []
    while order.size:
        best, rest = order[0], order[1:]
        keep.append(int(best))
        x1 = np.maximum(boxes[best, 0], boxes[rest, 0])
        y1 = np.maximum(boxes[best, 1], boxes[rest, 1])
        x2 = np.minimum(boxes[best, 2], boxes[rest, 2])
        y2 = np.minimum(boxes[best, 3], boxes[rest, 3])
        overlap = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
        iou = overlap / np.maximum(areas[best] + areas[rest] - overlap, 1e-9)
        order = rest[iou <= iou_threshold]
    return keep


class NudeNetDetector:
    """NudeNet's 320n YOLOv8 model (18 exposed/covered body-part and face classes), run directly."""

    name = "nudenet"
    model = "pkg:nudenet/320n.onnx"
    license = "AGPL-3.0"
    side = 320
    labels = (
        "FEMALE_GENITALIA_COVERED", "FACE_FEMALE", "BUTTOCKS_EXPOSED", "FEMALE_BREAST_EXPOSED",
        "FEMALE_GENITALIA_EXPOSED", "MALE_BREAST_EXPOSED", "ANUS_EXPOSED", "FEET_EXPOSED",
        "BELLY_COVERED", "FEET_COVERED", "ARMPITS_COVERED", "ARMPITS_EXPOSED", "FACE_MALE",
        "BELLY_EXPOSED", "MALE_GENITALIA_EXPOSED", "ANUS_COVERED", "FEMALE_BREAST_COVERED",
        "BUTTOCKS_COVERED",
    )

    def __init__(self, min_score=0.25, iou=0.45):
        self.min_score = min_score
        self.iou = iou
        self.path = runtime.resolve(self.model)

    def load(self):
        """Create the ONNX session now rather than on the first photo."""
        runtime.session(self.path)

    @property
    def loaded(self):
        return runtime.has_session(self.path)

    def tensor(self, image):
        """Pad-and-shrink to 320x320 as nudenet does, scaled to 0..1 in BGR order, NCHW."""
        canvas, scale = letterbox_top_left(image, self.side)
        pixels = np.asarray(canvas, dtype=np.float32)[:, :, ::-1] * np.float32(1 / 255)
        return np.ascontiguousarray(pixels.transpose(2, 0, 1)[None]), scale

    def detect(self, image):
        """Find body parts and faces in an upright RGB image."""
        tensor, scale = self.tensor(image)
        session = runtime.session(self.path)
        (output,) = session.run(None, {session.get_inputs()[0].name: tensor})
        return self.decode(output[0].T, scale, image.size)

    def decode(self, rows, scale, size):
        """Turn YOLOv8 rows (cx, cy, w, h, 18 class scores) into Regions in photo pixels."""
        class_scores = rows[:, 4:]
        classes = class_scores.argmax(axis=1)
        scores = class_scores[np.arange(len(rows)), classes]
        confident = scores >= self.min_score
        rows, classes, scores = rows[confident], classes[confident], scores[confident]
        centre, extent = rows[:, 0:2] / scale, rows[:, 2:4] / scale
        corners = np.concatenate([centre - extent / 2, centre + extent / 2], axis=1)
        corners = np.clip(corners, 0, np.array([*size, *size], dtype=np.float32))
        regions = []
        for i in nms(corners, scores, self.iou):
            x1, y1, x2, y2 = corners[i]
            box = [int(x1), int(y1), max(1, int(round(x2 - x1))), max(1, int(round(y2 - y1)))]
            regions.append(Region(self.labels[classes[i]], float(scores[i]), box))
        return regions


DETECTORS = {NudeNetDetector.name: NudeNetDetector}
