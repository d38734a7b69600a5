"""Resizing that matches how models were trained: OpenCV-style bilinear, after an antialiased pre-shrink."""

import cv2
import numpy as np
from PIL import Image


def linear_like_opencv(image, size):
    """Resize an RGB image to size with cv2.resize(INTER_LINEAR) on its 8-bit pixels, as NudeNet itself does, so
    detectors see what they were trained on (a float copy of a 1008 px photo was 9 MB, mapped anew each time).

    Photos more than twice the target are first box-reduced by a whole factor (antialiased),
    so that a 12 MP photo is not sampled one pixel in twelve.
    """
    width, height = image.size
    factor = int(min(width / size[0], height / size[1]) // 2)
    if factor >= 2:
        image = image.reduce(factor)
    return Image.fromarray(cv2.resize(np.asarray(image), tuple(size), interpolation=cv2.INTER_LINEAR), "RGB")


def letterbox_top_left(image, side):
    """Shrink the image to fit a side x side square, pasted top-left on black; return it and the scale."""
    width, height = image.size
    scale = side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    canvas = Image.new("RGB", (side, side))
    canvas.paste(linear_like_opencv(image, size), (0, 0))
    return canvas, scale
