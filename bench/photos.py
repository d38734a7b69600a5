"""Benchmark photos shaped like what phones send: 12 MP JPEG and HEIC with sensor-like noise, and a 1080p JPEG.

The HEIC is laid out as an iPhone's: a grid of 512 px tiles and a 320 px preview."""

import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image
import pillow_heif
from pillow_heif import register_heif_opener

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.photos import rgb

register_heif_opener()


def camera_image(size, seed=0):
    """A real sample photo enlarged to size with a little noise, so it compresses like a camera's photo."""
    image = rgb("astronaut").resize(size, Image.Resampling.BICUBIC)
    noise = np.random.default_rng(seed).normal(0, 3, (size[1], size[0], 3))
    return Image.fromarray(np.clip(np.asarray(image, dtype=np.float32) + noise, 0, 255).astype(np.uint8))


def encode(image, fmt, **params):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def iphone_heic(image, quality=60):
    """HEIC as an iPhone writes it: 512 px tiles and a 320 px preview."""
    pillow_heif.options.GRID_TILE_SIZE = 512
    try:
        return encode(image, "HEIF", quality=quality, thumbnails=[320])
    finally:
        pillow_heif.options.GRID_TILE_SIZE = 0


def bench_photos():
    """{name: bytes} for the benches: a 12 MP JPEG (~4 MB), a 12 MP HEIC and a 1080p JPEG."""
    twelve = camera_image((4032, 3024))
    return {
        "12MP JPEG": encode(twelve, "JPEG", quality=95),
        "12MP HEIC": iphone_heic(twelve),
        "1080p JPEG": encode(camera_image((1920, 1080), seed=1), "JPEG", quality=90),
    }
