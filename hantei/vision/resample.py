"""Resizing that matches how models were trained: OpenCV-style bilinear, after an antialiased pre-shrink."""

import numpy as np
from PIL import Image


def linear_like_opencv(image, size):
    """Resize an RGB image to size as cv2.resize(INTER_LINEAR) does, so detectors see what they were trained on.

    Photos more than twice the target are first box-reduced by a whole factor (antialiased),
    so that a 12 MP photo is not sampled one pixel in twelve.
    """
    width, height = image.size
    factor = int(min(width / size[0], height / size[1]) // 2)
    if factor >= 2:
        image = image.reduce(factor)
        width, height = image.size
    pixels = np.asarray(image, dtype=np.float32)
    ys, y1, fy = _taps(size[1], height)
    xs, x1, fx = _taps(size[0], width)
    rows = pixels[ys] * (1 - fy)[:, None, None] + pixels[y1] * fy[:, None, None]
    out = rows[:, xs] * (1 - fx)[None, :, None] + rows[:, x1] * fx[None, :, None]
    return Image.fromarray(np.rint(out).astype(np.uint8), "RGB")


def _taps(count, source):
    """Source indices and weights of a half-pixel-centred linear resize along one axis."""
    position = (np.arange(count, dtype=np.float64) + 0.5) * (source / count) - 0.5
    position = np.clip(position, 0, source - 1)
    first = np.floor(position).astype(np.intp)
    second = np.minimum(first + 1, source - 1)
    return first, second, (position - first).astype(np.float32)


def letterbox_top_left(image, side):
    """Shrink the image to fit a side x side square, pasted top-left on black; return it and the scale."""
    width, height = image.size
    scale = side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    canvas = Image.new("RGB", (side, side))
    canvas.paste(linear_like_opencv(image, size), (0, 0))
    return canvas, scale
