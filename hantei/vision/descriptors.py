"""Face descriptors: FaceRes's 1,024 numbers a face, made unit length so that a dot product is a cosine similarity."""

import numpy as np

from . import runtime
from .classifiers import Preprocess
from .regions import widened

MODEL = "pkg:hantei/vision/weights/faceres.onnx"
MARGIN = 0.2  # the CenterFace box widened by 0.2 a side: human's crop, 1.4 times the box (faceres.CARD.md)
PREPROCESS = Preprocess(size=(224, 224), layout="NHWC", fit="center-crop", resample="bilinear", scale=1.0)
BATCH = 16  # faces a run of the model: larger batches only take memory on a 2-core server


def face_crop(image, box):
    """The part of an upright RGB image FaceRes reads for a face found at box (x, y, w, h)."""
    return image.crop(widened(box, MARGIN, image.size))


class FaceDescriber(runtime.OnnxModel):
    """FaceRes (tools/make_faceres.py): face crops in, one unit-length descriptor a crop out."""

    def __init__(self):
        self.path = runtime.resolve(MODEL)

    def describe_many(self, crops):
        """Descriptors of face crops, float32 [N, 1024], each of length 1 (a batch of BATCH at most per run)."""
        if not crops:
            return np.zeros((0, 1024), np.float32)
        session, found = runtime.session(self.path), []
        for start in range(0, len(crops), BATCH):
            tensors = np.concatenate([PREPROCESS.tensor(crop) for crop in crops[start:start + BATCH]])
            found.append(session.run(["descriptor"], {"image": tensors})[0])
        descriptors = np.concatenate(found).astype(np.float32)
        return descriptors / np.maximum(np.linalg.norm(descriptors, axis=1, keepdims=True), 1e-12)
