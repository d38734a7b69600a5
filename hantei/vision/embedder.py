"""Photo embeddings from the frozen EfficientNet-Lite0 backbone: the features trained judges learn from."""

from pathlib import Path

import numpy as np
from PIL import Image

from . import runtime

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


def fitted(image):
    """Resize the shorter side to 256 (bicubic) and cut out the centred 224 x 224 square."""
    image = image.convert("RGB")
    width, height = image.size
    scale = SHORTER_SIDE / min(width, height)
    size = (max(SIZE, round(width * scale)), max(SIZE, round(height * scale)))
    resized = image.resize(size, Image.Resampling.BICUBIC)
    left, top = (resized.width - SIZE) // 2, (resized.height - SIZE) // 2
    return resized.crop((left, top, left + SIZE, top + SIZE))


def tensor(square):
    """One 224 x 224 RGB image as the backbone's [3, 224, 224] float32 input."""
    pixels = np.asarray(square, dtype=np.float32)
    return ((pixels - MEAN) / STD).transpose(2, 0, 1)


def preprocess(images):
    """A batch of images (any size, any mode) as the backbone's float32 NCHW input."""
    return np.stack([tensor(fitted(image)) for image in images])


class Embedder:
    """Runs the backbone in this process's onnxruntime session, a batch at a time."""

    def __init__(self, path=BACKBONE, batch=16):
        self.path = Path(path)
        self.batch = batch

    def embed_squares(self, squares):
        """Embeddings [n, 1280] (or the model's own width) of images already fitted to 224 x 224 (augmented crops, for one)."""
        session = runtime.session(self.path)
        rows = []
        for start in range(0, len(squares), self.batch):
            chunk = np.stack([tensor(square) for square in squares[start:start + self.batch]])
            rows.append(session.run(None, {"image": chunk})[0])
        return np.concatenate(rows) if rows else np.zeros((0, session.get_outputs()[0].shape[1]), np.float32)

    def embed(self, images):
        """Embeddings [n, 1280] of photos of any size, centre-cropped as at serving time."""
        return self.embed_squares([fitted(image) for image in images])
