"""Photo embeddings from the frozen EfficientNet-Lite0 backbone: the features trained judges learn from."""

from pathlib import Path

import numpy as np

from . import runtime
from .classifiers import Preprocess

BACKBONE = Path(__file__).resolve().parent / "weights" / "efficientnet-lite0.onnx"
SIZE = 224
SHORTER_SIDE = 256  # resize the short side to 256, keep the middle 224 x 224 (TF's 224/256 centre crop)
MEAN, STD = 127.0, 128.0  # as EfficientNet-Lite was trained in TF-Lite: (pixel - 127) / 128
RESAMPLE = "bicubic"
DIMENSIONS = 1280
# The same preprocessing in a judge manifest's words, so that a trained judge is served exactly as it was trained.
MANIFEST_INPUT = {
    "size": [SIZE, SIZE], "layout": "NCHW", "color": "RGB", "resample": RESAMPLE, "fit": "shorter-side",
    "shorter_side": SHORTER_SIDE, "scale": 1.0, "mean": [MEAN] * 3, "std": [STD] * 3, "dtype": "float32",
}


PREPROCESS = Preprocess.from_manifest(MANIFEST_INPUT)  # the one preprocessing of training and serving


def fitted(image):
    """Resize the shorter side to 256 (bicubic) and cut out the centred 224 x 224 square, as the served judge does."""
    return PREPROCESS.fitted(image)


def tensor(square):
    """One 224 x 224 image as the backbone's [3, 224, 224] float32 input, as the served judge computes it."""
    return PREPROCESS.array(square)[0]


def preprocess(images):
    """A batch of images (any size, any mode) as the backbone's float32 NCHW input."""
    return np.stack([tensor(fitted(image)) for image in images])


class Embedder:
    """Runs the backbone in this process's onnxruntime session, a batch at a time."""

    def __init__(self, path=BACKBONE, batch=16):
        self.path = Path(path)
        self.batch = batch

    def embed_squares(self, squares):
        """Embeddings [n, 1280] (or the model's own width) of images already fitted to 224 x 224 (augmented crops)."""
        session = runtime.session(self.path)
        rows = []
        for start in range(0, len(squares), self.batch):
            chunk = np.stack([tensor(square) for square in squares[start:start + self.batch]])
            rows.append(session.run(None, {"image": chunk})[0])
        return np.concatenate(rows) if rows else np.zeros((0, session.get_outputs()[0].shape[1]), np.float32)

    def embed(self, images):
        """Embeddings [n, 1280] of photos of any size, centre-cropped as at serving time."""
        return self.embed_squares([fitted(image) for image in images])
