"""Untrusted upload bytes -> Photo: sanitised, upright, size-bounded RGB pixels; all limits live here."""

import ctypes
import ctypes.util
import io
import math
import threading
import time
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from .refusals import Refused

# Only the primary image of a HEIF file is ever used (skip depth maps and auxiliary images), or, when no copy is
# kept, its own preview (an iPhone stores a 320 x 240 one) if that is a scaled copy holding all the judge needs.
register_heif_opener(thumbnails=True, depth_images=False, aux_images=False)

# Decoders we trust with a stranger's bytes; everything else is refused before decoding.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "HEIF", "AVIF", "BMP", "TIFF")
MIN_SIDE = 32
# A stored copy up to this much under the cap is worth a cheap reduction: for a 1024 cap, a 4032-px photo is
# kept at 1008 px and a 1920-px one at 960, by the JPEG decoder's 1/4 or 1/2 scale or a whole-factor average,
# instead of a 5x slower bicubic resize.
CAP_SLACK = 1 / 16
# With no copy kept, a photo is decoded this much over what the models take: the model's own resize then makes
# the last step, as from a stored copy (the JPEG decoder's scaling straight to the input size filters otherwise
# and moved one borderline detection in 40 on tests/faces; none at 1.5).
MARGIN = 1.5
SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")
# No baseline or progressive JPEG codes 8x8 pixels in under a bit (each block needs a DC code and an end of block).
JPEG_PIXELS_PER_BYTE = 1024
STRIP_PIXELS = 1 << 18  # high bit-depth images are scaled to 8 bits in strips of about 250,000 pixels
# What decoders hold beside the image, in bytes per pixel (measured by bench/memory.py; libwebp's is the most).
DECODER_BYTES = {"WEBP": 12, "HEIF": 6, "AVIF": 7, "JPEG": 1, "MPO": 1}
BUDGET_OVERHEAD = 16 * 1024 * 1024  # buffers of fixed size: strips, colour transforms, the decoders' tables
SRGB = ImageCms.createProfile("sRGB")
LAB = ImageCms.createProfile("LAB")
TRIM_FROM = 32 << 20  # free heap worth a malloc_trim: it costs 1.5 ms and the pages it returns fault back in
# A worker's free heap settles at 25-45 MB: trimming whenever 32 MB lay free trimmed after nearly every upload
# once it settled above, and the next upload faulted the pages in again (5-8 ms of a worker's time each).
TRIM_EVERY_SECONDS = 10


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                      "fsmblks", "uordblks", "fordblks", "keepcost")]


try:
    _LIBC = ctypes.CDLL(ctypes.util.find_library("c"))
    _LIBC.malloc_trim  # noqa: B018 - glibc only
    _LIBC.mallinfo2.restype = _MallInfo2  # glibc 2.33 and later
except (OSError, AttributeError, TypeError):
    _LIBC = None


@dataclass(frozen=True)
class Limits:
    """What intake accepts and how large a photo it keeps."""

    max_pixels: int = 50_000_000
    long_side: int = 1024  # fills a phone at DPR 3 and the share card; a 12 MP JPEG decodes at 1/4 scale
    memory_mb: int = 512  # what decoding one upload may take at its peak (HANTEI_UPLOAD_MEMORY_MB)
    frames: int = 8  # of an animation, at most this many frames spread through it are judged
    frame_pixels: int = 40_000_000  # decoding frames to reach them may cost at most this many pixels


@dataclass(frozen=True)
class Need:
    """The fewest pixels a judge's models take from a photo: its long side, its short side (0: no need)."""

    long_side: int = 0
    short_side: int = 0

    def long_side_for(self, size, margin=1.0):
        """The long side that gives a photo of this size both sides of the need (times margin)."""
        return math.ceil(margin * max(self.long_side, self.short_side * max(size) / max(1, min(size))))


@dataclass(frozen=True)
class Photo:
    """A decoded, upright, metadata-free RGB photo and the facts about its source."""

    image: Image.Image
    source_format: str
    source_size: tuple
    source: Image.Image = None  # with keep_source: the oriented, full-size decode in its own mode
    frame: tuple = None  # the size a stored copy would have: boxes and records are given in its pixels

    @property
    def size(self):
        return self.frame or self.image.size

    @property
    def uploaded_size(self):
        """The uploaded photo's size, upright: what API and CLI boxes are given in."""
        return _upright_size(self.source_size, self.image.size)

    def jpeg(self):
        """The sanitised photo as the JPEG hantei stores."""
        return jpeg_bytes(self.image)


def read_photo(data, limits=Limits(), keep_source=False, need=None):
    """Decode untrusted bytes into a Photo, or raise Refused with a reason a person can be told.

    keep_source is for judges whose reference script resizes before converting to RGB: the
    photo is then decoded at full scale and also kept oriented in its own mode (P, RGBA, CMYK…).
    need (a Need) is for when no copy is stored: the photo is decoded only as large as the judge needs.
    """
    if not data:
        raise Refused("empty", 400)
    # The pixel limit is checked by _open itself, not by turning Pillow's DecompressionBombWarning into an
    # error: warning filters are process-wide and not thread-safe, and gunicorn workers run threads.
    image = _open(data, limits)
    source_format, source_size = image.format, image.size
    target = limits.long_side if need is None else min(limits.long_side, need.long_side_for(image.size, MARGIN))
    if not keep_source:
        _reduce_while_decoding(image, target, need)
    _within_budget(image, limits, keep_source)
    image = _load_upright(image, limits)
    source = image if keep_source else None
    icc = image.info.get("icc_profile")
    try:
        image = _flatten(_eight_bit(image))
        image = _cap(image if target == limits.long_side else _toward(image, target), limits.long_side)
        image = _to_srgb(image, icc)
    except (ValueError, ImageCms.PyCMSError):
        raise Refused("unsupported", 415) from None  # a colour model that cannot be turned into RGB
    image.info = {}
    frame = None
    if target != limits.long_side:  # decoded for the judge alone: boxes go in the frame of the copy not kept
        frame = _capped_size(_upright_size(source_size, image.size), limits.long_side)
    return Photo(image=image, source_format=source_format, source_size=source_size, source=source, frame=frame)


def _open(data, limits):
    """Identify the image by its content with the allowed decoders and check its header's size."""
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError:
        raise _too_many_pixels(limits) from None
    except UnidentifiedImageError:
        if _looks_like_image(data):
            raise Refused("corrupt", 400) from None
        raise Refused("unsupported", 415) from None
    except Exception:
        raise Refused("corrupt", 400) from None
    width, height = image.size
    if width * height > limits.max_pixels:
        raise _too_many_pixels(limits)
    if min(width, height) < MIN_SIDE:
        raise Refused("too_small", 422)
    if image.format in ("JPEG", "MPO") and len(data) * JPEG_PIXELS_PER_BYTE < width * height:
        raise Refused("corrupt", 400)  # its header promises far more pixels than its data can hold
    return image


def _looks_like_image(data):
    """Whether the bytes start like one of the accepted formats (so a failure means damage, not a wrong type)."""
    heif = data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis", b"hevc")
    return heif or data.startswith(SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _reduce_while_decoding(image, long_side, need=None):
    """Let the JPEG decoder scale down by 1/2, 1/4 or 1/8 when the result still (nearly) covers long_side;
    with a need, let a HEIF file's own preview stand in for it when the preview covers the need."""
    width, height = image.size
    if image.format == "HEIF" and need is not None:
        side, longest = need.long_side_for(image.size), max(width, height)
        image.draft(image.mode, (width * side // longest, height * side // longest))  # None: no such preview
        return
    if image.format not in ("JPEG", "MPO"):
        return
    scale = min(1.0, long_side * (1 - CAP_SLACK) / max(width, height))
    image.draft(image.mode, (max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))))


def _load_upright(image, limits):
    """Decode the first frame only and turn it as its EXIF orientation says."""
    try:
        image.seek(0)
        image.load()
    except Image.DecompressionBombError:
        raise _too_many_pixels(limits) from None
    except Exception:
        raise Refused("corrupt", 400) from None
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        return image  # EXIF too damaged to tell which way is up: the pixels are still good as stored


def _eight_bit(image):
    """Scale 1-bit, 16-bit, 32-bit and float grayscale down to 8-bit L, a strip at a time; others pass through.

    A strip of STRIP_PIXELS is the only wide copy ever made: the whole image never exists as floats."""
    if image.mode == "1":
        return image.convert("L")
    if image.mode not in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        return image
    top = _white_level(image)
    out = Image.new("L", image.size)
    for box in _strips(image.size):
        pixels = np.nan_to_num(np.asarray(image.crop(box), dtype=np.float32), nan=0.0, posinf=top, neginf=0.0)
        pixels *= 255.0 / top
        out.paste(Image.fromarray(np.clip(pixels, 0, 255).round().astype(np.uint8), "L"), box[:2])
    return out


def _white_level(image):
    """The value that means white: 65535 for 16-bit, 1.0 for float images in 0..1, else 255 or 65535 by range."""
    if image.mode.startswith("I;16"):
        return 65535.0
    brightest = 0.0
    for box in _strips(image.size):
        strip = np.asarray(image.crop(box), dtype=np.float32)
        finite = strip[np.isfinite(strip)]
        brightest = max(brightest, float(finite.max(initial=0)))
    if image.mode == "F" and brightest <= 1.0:
        return 1.0
    return 65535.0 if brightest > 255 else 255.0


def _strips(size):
    """Boxes of whole rows, about STRIP_PIXELS each, that cover an image top to bottom."""
    width, height = size
    rows = max(1, STRIP_PIXELS // max(1, width))
    return [(0, top, width, min(height, top + rows)) for top in range(0, height, rows)]


def _within_budget(image, limits, keep_source):
    """Refuse, before decoding, an upload whose decode would take more memory than one upload may."""
    width, height = image.size
    needed = width * height * peak_bytes_per_pixel(image, keep_source) + BUDGET_OVERHEAD
    if needed > limits.memory_mb * 1024 * 1024:
        raise Refused("over_budget", 422, megabytes=limits.memory_mb)


def peak_bytes_per_pixel(image, keep_source=False):
    """An upper bound of the bytes per source pixel intake holds at once while it decodes and converts an image.

    Pillow keeps 1 byte per pixel for 1, L and P, 2 for 16-bit gray and 4 for every other mode. At each step
    the image before it is still held: the decoder's own buffer (DECODER_BYTES), an EXIF turn (a second copy),
    the 8-bit or flattened copy, and the cap's output with its resampling pass (at most the output's size)."""
    stored = 1 if image.mode in ("1", "L", "P") else 2 if image.mode.startswith("I;16") else 4
    if image.mode in ("RGBA", "RGBa"):
        converted = 5  # a white RGB canvas and the alpha channel
    elif image.mode in ("LA", "La", "PA") or (image.mode == "P" and "transparency" in image.info):
        converted = 9  # RGBA, a white RGB canvas and the alpha channel
    else:
        converted = 4 if image.mode == "P" else 1 if stored < 4 or image.mode in ("I", "F") else 0
    out = 1 if image.mode in ("1", "L", "I", "F") or image.mode.startswith("I;16") else 4
    steps = (DECODER_BYTES.get(image.format, 0), stored, converted, 2 * out)
    return stored + max(steps) + (stored if keep_source else 0) + 1


_TRIMMED = {"at": float("-inf"), "free": 0}  # when the last trim ran, and the free heap it left counted
_TRIMMED_LOCK = threading.Lock()


def release_memory():
    """Hand freed heap back to the system after an upload, so that one large photo does not keep a worker big:
    when TRIM_FROM lie free, at most every TRIM_EVERY_SECONDS unless TRIM_FROM more came free since the last trim
    (a trim leaves freed chunks counted as free, their pages handed back)."""
    if _LIBC is None:
        return
    free = _LIBC.mallinfo2().fordblks
    with _TRIMMED_LOCK:
        if free < TRIM_FROM or (time.monotonic() < _TRIMMED["at"] + TRIM_EVERY_SECONDS
                                and free < _TRIMMED["free"] + TRIM_FROM):
            return
        _TRIMMED["at"] = time.monotonic()
    _LIBC.malloc_trim(0)
    _TRIMMED["free"] = _LIBC.mallinfo2().fordblks


def _flatten(image):
    """Put transparent pixels on white and turn palettes into colours (gray stays gray, for its ICC profile)."""
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode not in ("RGBA", "RGBa", "LA", "La", "PA"):
        return image
    rgba = image if image.mode == "RGBA" else image.convert("RGBA")  # converting RGBA to RGBA would copy it
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat.convert("L") if image.mode in ("LA", "La") else flat


def _toward(image, long_side):
    """Average the image down by the largest whole factor that keeps its long side at least long_side."""
    factor = max(image.size) // max(1, long_side)
    return image.reduce(factor) if factor >= 2 else image


def _upright_size(source_size, decoded_size):
    """The source's size turned as the decoded image was (EXIF orientation may swap the sides)."""
    turned = (source_size[0] >= source_size[1]) != (decoded_size[0] >= decoded_size[1])
    return source_size[::-1] if turned and source_size[0] != source_size[1] else source_size


def _capped_size(size, long_side):
    """The size a photo of this size is stored at under long_side (as _cap gives it, to a pixel or so)."""
    width, height = size
    longest = max(width, height)
    if longest <= long_side:
        return size
    factor = math.ceil(longest / long_side)
    if longest / factor >= long_side * (1 - CAP_SLACK):
        return -(-width // factor), -(-height // factor)
    scale = long_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _cap(image, long_side):
    """Shrink the image so that its long side is at most long_side."""
    width, height = image.size
    longest = max(width, height)
    if longest <= long_side:
        return image
    factor = math.ceil(longest / long_side)
    if longest / factor >= long_side * (1 - CAP_SLACK):
        return image.reduce(factor)  # whole-pixel averaging, near enough to the cap
    scale = long_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)


def _to_srgb(image, icc):
    """Return 8-bit sRGB: the embedded ICC profile applied when there is a usable one, else the values as they are."""
    if image.mode == "LAB":
        return ImageCms.profileToProfile(image, LAB, SRGB, outputMode="RGB")
    if icc and image.mode in ("RGB", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, source, SRGB, outputMode="RGB")
        except Exception:
            pass  # a broken or mismatched profile is ignored: the pixels are still usable as they are
    return image.convert("RGB")


def jpeg_bytes(image, quality=85):
    """Encode pixels as a JPEG that carries no metadata at all (no EXIF, GPS, XMP or ICC)."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=b"", icc_profile=None)
    return buffer.getvalue()


def _too_many_pixels(limits):
    return Refused("too_many_pixels", 422, megapixels=round(limits.max_pixels / 1e6))


ANIMATED = ("GIF", "WEBP", "PNG")  # the formats whose frames are moments of one animation


@dataclass(frozen=True)
class Animation:
    """Frames picked through an animated photo: [(index, Photo)], how many it has, the pixels decoded to get them."""

    frames: list
    count: int
    decoded_pixels: int


def animation_frames(data, limits=Limits(), keep_source=False):
    """Decode up to limits.frames frames spread through an animated GIF, WebP or APNG (the first one left out:
    read_photo has it), never decoding more than limits.frame_pixels pixels on the way; None for a still photo."""
    image = _open(data, limits)
    if image.format not in ANIMATED:
        return None  # a JPEG's second "frame" (MPO) is a preview or a depth map, not a moment of the photo
    try:
        count = getattr(image, "n_frames", 1)
    except Exception:
        return None  # damaged after its first frame (read_photo read that one): the first frame is what shows
    if count < 2 or limits.frames < 2:
        return None
    frame_area = image.size[0] * image.size[1]
    reachable = max(1, min(count, limits.frame_pixels // frame_area))  # every frame on the way is decoded
    picks = spread(reachable, limits.frames)[1:]
    frames, decoded = [], frame_area
    try:
        for index in range(1, picks[-1] + 1 if picks else 1):
            image.seek(index)
            decoded += frame_area
            if index in picks:
                frames.append((index, _frame_photo(image, limits, keep_source)))
    except Refused:
        raise
    except Exception:
        pass  # damaged part-way: the frames read before the damage are judged, as a browser shows them
    return Animation(frames=frames, count=count, decoded_pixels=decoded)


def spread(count, wanted):
    """Up to `wanted` frame indexes spread evenly over 0..count-1, first and last included."""
    if count <= wanted:
        return list(range(count))
    return sorted({round(n * (count - 1) / (wanted - 1)) for n in range(wanted)})


def _frame_photo(image, limits, keep_source):
    """The current frame of an animation as a Photo, sanitised as read_photo does a still one."""
    image.load()
    frame = image.copy()
    try:
        frame = ImageOps.exif_transpose(frame)
    except Exception:
        pass
    icc = image.info.get("icc_profile")
    try:
        rgb = _to_srgb(_cap(_flatten(_eight_bit(frame)), limits.long_side), icc)
    except (ValueError, ImageCms.PyCMSError):
        raise Refused("unsupported", 415) from None
    rgb.info = {}
    return Photo(image=rgb, source_format=image.format, source_size=image.size, source=frame if keep_source else None)
