"""Regions as plain data and geometry: what a detector found, overlaps, suppression, widened crops (no onnxruntime)."""

from dataclasses import dataclass

import numpy as np


@dataclass
class Region:
    """Something a detector found: its label, confidence and box [x, y, w, h] in photo pixels."""

    label: str
    score: float
    box: list


def iou(a, b):
    """Intersection over union of two [x, y, w, h] boxes."""
    w = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    union = a[2] * a[3] + b[2] * b[3] - w * h
    return w * h / union if union else 0.0


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
        overlaps = overlap / np.maximum(areas[best] + areas[rest] - overlap, 1e-9)
        order = rest[overlaps <= iou_threshold]
    return keep


def widened(box, margin, size):
    """A region's box grown by margin × its size on every side, kept inside the photo, as a PIL crop box."""
    x, y, w, h = box
    left, top = max(0, round(x - w * margin)), max(0, round(y - h * margin))
    right, bottom = min(size[0], round(x + w * (1 + margin))), min(size[1], round(y + h * (1 + margin)))
    return left, top, max(right, left + 1), max(bottom, top + 1)
