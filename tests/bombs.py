"""Small files that decode to many pixels, one per format that packs pixels tightly, for memory tests and bench."""

import io
from pathlib import Path

import numpy as np
from PIL import Image
from pillow_heif import register_heif_opener

register_heif_opener()


def _canvas(mode, size):
    """A mostly flat canvas with a few bars, so that encoders compress it hard but it is not one colour."""
    image = Image.new(mode, size, {"F": 0.25, "I": 9000, "I;16": 20000}.get(mode, 0))
    width, height = size
    for step in range(0, width, max(1, width // 8)):
        image.paste({"F": 0.75, "I": 50000, "I;16": 60000, "P": 3, "RGBA": (200, 30, 60, 255),
                     "LA": (200, 255)}.get(mode, 200 if mode == "L" else (200, 30, 60)), (step, 0, step + 8, height))
    return image


def _save(image, format, **params):
    buffer = io.BytesIO()
    image.save(buffer, format, **params)
    return buffer.getvalue()


def _gif(size):
    image = _canvas("P", size)
    image.putpalette([255, 255, 255, 10, 20, 30, 40, 50, 60, 200, 30, 60] + [0] * (256 - 4) * 3)
    return _save(image, "GIF", transparency=0)


def _png16(size):
    return _save(Image.fromarray(np.asarray(_canvas("I", size), dtype=np.uint16)), "PNG", compress_level=9)


BOMBS = {
    "PNG 16-bit gray": _png16,
    "PNG RGBA": lambda size: _save(_canvas("RGBA", size), "PNG", compress_level=9),
    "TIFF float": lambda size: _save(_canvas("F", size), "TIFF", compression="tiff_adobe_deflate"),
    "TIFF 32-bit": lambda size: _save(_canvas("I", size), "TIFF", compression="tiff_adobe_deflate"),
    "GIF transparent": _gif,
    "WebP lossless": lambda size: _save(_canvas("RGB", size), "WEBP", lossless=True, method=0),
    "WebP lossless RGBA": lambda size: _save(_canvas("RGBA", size), "WEBP", lossless=True, method=0),
    "HEIC": lambda size: _save(_canvas("RGB", size), "HEIF", quality=10),
    "AVIF": lambda size: _save(_canvas("RGB", size), "AVIF", quality=10, speed=10),
    "JPEG": lambda size: _save(_canvas("RGB", size), "JPEG", quality=50),
}


def bombs(size, cache=None):
    """Every bomb at one size, name -> bytes (kept in cache, a folder, when given: HEIC and AVIF take seconds)."""
    made = {}
    for name, make in BOMBS.items():
        path = Path(cache) / f"{name.replace(' ', '_')}-{size[0]}x{size[1]}.bin" if cache else None
        if path is not None and path.exists():
            made[name] = path.read_bytes()
            continue
        made[name] = make(size)
        if path is not None:
            path.write_bytes(made[name])
    return made


def progressive_with_scans(size, extra):
    """A real progressive JPEG with its smallest scan repeated: the decoder walks every block on each one."""
    data = _save(Image.new("RGB", size, (90, 120, 200)), "JPEG", progressive=True, quality=80)
    scans, at = [], 0
    while (at := data.find(b"\xff\xda", at)) >= 0:
        end = at + 2 + int.from_bytes(data[at + 2:at + 4], "big")
        while data[end + 1] in (0, *range(0xD0, 0xD8)) or data[end] != 0xFF:
            end = data.find(b"\xff", end + (2 if data[end] == 0xFF else 0))
        scans.append(data[at:end])
        at = end
    smallest = min(scans[1:], key=len)
    return data[:-2] + smallest * extra + data[-2:]
