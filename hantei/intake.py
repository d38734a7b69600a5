"""Untrusted upload bytes -> Photo: sanitised, upright, size-bounded RGB pixels; all limits live here."""

import io
import math
import multiprocessing
import os
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from .refusals import Refused
from .stripping import stripped

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
# A JPEG that already fits the stored copy (as the page sends it, shrunk in the browser) is kept as it was sent, its
# metadata segments taken out, unless it is heavier than this: a re-encode then saves the disk and the visitors.
AS_SENT_BYTES_PER_PIXEL = 1.0
HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis")
TIFF_SIGNATURES = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # classic TIFF and BigTIFF
SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", *TIFF_SIGNATURES)
# No baseline or progressive JPEG codes 8x8 pixels in under a bit (each block needs a DC code and an end of block).
JPEG_PIXELS_PER_BYTE = 1024
STRIP_PIXELS = 1 << 18  # high bit-depth images are scaled to 8 bits in strips of about 250,000 pixels
# What decoders hold beside the image, in bytes per pixel (measured by bench/memory.py; libwebp's is the most).
DECODER_BYTES = {"WEBP": 12, "JPEG": 1, "MPO": 1}  # HEIF and AVIF: decoder_bytes, by bit depth and chroma
BUDGET_OVERHEAD = 16 * 1024 * 1024  # buffers of fixed size: strips, colour transforms, the decoders' tables
SRGB = ImageCms.createProfile("sRGB")
LAB = ImageCms.createProfile("LAB")
# What intake counts before it decodes, and the rates (on a slow VPS core) that turn counts into seconds.
# A progressive JPEG's decoder walks every block of the image on every scan, whatever little data the scan holds:
# 0.5-4 ns a pixel a scan measured here, so a 2 MB file of 12-byte scans held a worker for minutes.
JPEG_SECONDS_PER_PIXEL_SCAN = 4e-9
SECONDS_PER_PIXEL = 20e-9  # PNG, GIF, BMP, WebP: zlib, LZW or libwebp over every pixel, and the conversions after
# Each frame of an animation costs its decoder and intake at least this many pixels' work, however small the frame
# (a GIF of 39,000 frames of a few pixels took 2.8 s: about 72 microseconds a frame).
FRAME_FLOOR = 16_384
MAX_FRAMES_COUNTED = 10_000  # a GIF's frames are counted by walking them: at most this many (about 0.1 s)
# A TIFF's strips or tiles each cost Pillow a tile entry and an offset before any pixel is read: 400,000 strips
# took 5 s to open and 6 more to decode here (1.5 million: 21 s and +527 MB). More than this many is no photo.
MAX_TIFF_PARTS = 65_536
TIFF_PART_BYTES = 512
# What runs in the worker itself (holding a judging slot, so memory stays bounded as before): a decode counted at
# most this long. Anything else (and every HEIF, AVIF and TIFF, whose decoders' time cannot be counted from the
# header) is decoded in a child process killed at the deadline, one at a time per worker, outside the judging slots.
QUICK_SECONDS = 1.0
ISOLATED = ("HEIF", "AVIF", "TIFF")
ISOLATED_AT_ONCE = 1


@dataclass(frozen=True)
class Limits:
    """What intake accepts and how large a photo it keeps."""

    max_pixels: int = 50_000_000
    long_side: int = 1024  # fills a phone at DPR 3 and the share card; a 12 MP JPEG decodes at 1/4 scale
    memory_mb: int = 512  # what decoding one upload may take at its peak (HANTEI_UPLOAD_MEMORY_MB)
    frames: int = 8  # of an animation, at most this many frames spread through it are judged
    frame_pixels: int = 40_000_000  # decoding frames to reach them may cost at most this many pixels
    seconds: float = 10.0  # the longest one upload's decode may take (HANTEI_DECODE_SECONDS)


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
    stored_size: tuple = None  # the size a stored copy would have: boxes and records are given in its pixels
    kept: bytes = None  # the upload itself without its metadata, when it is kept as sent (see read_upload)

    @property
    def size(self):
        return self.stored_size or self.image.size

    @property
    def uploaded_size(self):
        """The uploaded photo's size, upright: what API and CLI boxes are given in."""
        return _upright_size(self.source_size, self.image.size)

    def jpeg(self):
        """The sanitised photo as the JPEG hantei stores: the upload as sent without its metadata when it could be
        kept so, else the decoded pixels encoded."""
        return self.kept if self.kept is not None else jpeg_bytes(self.image)


@dataclass(frozen=True)
class Cost:
    """What an upload's decode was counted to take before it ran, where it ran, and (in a child) its real peak."""

    seconds: float
    bytes: int
    isolated: bool = False
    peak_bytes: int = None  # the child process's growth while it decoded (VmHWM), when it ran in one


@dataclass(frozen=True)
class Upload:
    """What intake makes of an upload's bytes: the photo, its animation's frames when asked for, and the cost."""

    photo: Photo
    animation: "Animation" = None
    cost: Cost = field(default=None, compare=False)


def read_upload(data, limits=Limits(), keep_source=False, need=None, frames=False, holding=nullcontext,
                kept_need=None):
    """Decode untrusted bytes once into an Upload, or raise Refused with a reason a person can be told.

    keep_source is for judges whose reference script resizes before converting to RGB: the
    photo is then decoded at full scale and also kept oriented in its own mode (P, RGBA, CMYK…).
    need (a Need) is for when no copy is stored: the photo is decoded only as large as the judge needs.
    frames: also pick up to limits.frames frames through an animation (GIF, WebP, APNG only).
    What can be counted from the header (pixels, memory, scans, frames, strips) is counted and refused before
    anything is decoded; a decode that is not counted quick runs in a child process killed at limits.seconds.
    holding: a context (a judging slot) that a quick decode in this process runs inside; a child runs outside it.
    kept_need (a Need, with need None): a JPEG that already fits the stored copy, upright, with no colour profile, is
    kept as it was sent without its metadata (Photo.kept) and decoded only as large as kept_need says, for the judge."""
    if not data:
        raise Refused("empty", 400)
    if _isolated_format(data):
        return _in_child(data, limits, keep_source, need, frames)
    opened = _opened(data, limits, keep_source, need, kept_need)
    if opened.image.format in ISOLATED or opened.cost.seconds > QUICK_SECONDS:
        return _in_child(data, limits, keep_source, need, frames, kept_need)
    with holding():
        return _decoded(opened, data, limits, keep_source, frames)


def read_photo(data, limits=Limits(), keep_source=False, need=None):
    """Decode untrusted bytes into a Photo (its first frame), or raise Refused (see read_upload)."""
    return read_upload(data, limits, keep_source, need).photo


def decode_here(data, limits=Limits(), keep_source=False, need=None, frames=False, kept_need=None):
    """read_upload in this process, whatever the cost counted: what the child process runs, and what
    bench/memory.py measures."""
    _refuse_tiff_parts(data, limits)
    return _decoded(_opened(data, limits, keep_source, need, kept_need), data, limits, keep_source, frames)


def _opened(data, limits, keep_source, need, kept_need=None):
    """Open the image, set the decoder's reduction, and count its cost; refuse what is over the budgets."""
    # The pixel limit is checked by _open itself, not by turning Pillow's DecompressionBombWarning into an
    # error: warning filters are process-wide and not thread-safe, and gunicorn workers run threads.
    image = _open(data, limits)
    full_size = image.size
    kept = None
    if kept_need is not None and need is None and not keep_source:
        kept = _as_sent(image, data, limits)
        need = kept_need if kept is not None else None
    if not keep_source:
        _reduce_while_decoding(image, _target(image.size, limits, need), need)
    cost = Cost(seconds=_seconds(image, data, full_size), bytes=_within_budget(image, limits, keep_source, data))
    if cost.seconds > limits.seconds:
        raise Refused("too_slow", 422, seconds=f"{limits.seconds:g}")
    return _Opened(image, full_size, cost, need, kept)


class _Opened:
    """An opened image not yet decoded, its size in the header, its counted Cost, the Need it is decoded for and
    the bytes kept as sent (or None)."""

    def __init__(self, image, size, cost, need=None, kept=None):
        self.image, self.size, self.cost, self.need, self.kept = image, size, cost, need, kept


def _as_sent(image, data, limits):
    """The upload without its metadata when it can be kept as it was sent (hantei.stripping): a sequential colour
    JPEG no larger than the stored copy, in no colour profile of its own, upright as stored, not heavier than
    AS_SENT_BYTES_PER_PIXEL. None when it must be decoded whole and encoded again."""
    width, height = image.size
    if (image.format != "JPEG" or max(width, height) > limits.long_side or image.mode != "RGB"
            or {"adobe", "icc_profile"} & set(image.info) or len(data) > AS_SENT_BYTES_PER_PIXEL * width * height):
        return None
    try:
        if image.getexif().get(0x0112, 1) != 1:  # EXIF orientation (or XMP's): only a re-encode turns it upright
            return None
    except Exception:  # an EXIF block Pillow cannot read: the re-encode path copes with it and drops it
        return None
    return stripped(data)


def _target(size, limits, need):
    return limits.long_side if need is None else min(limits.long_side, need.long_side_for(size, MARGIN))


def _decoded(opened, data, limits, keep_source, frames):
    """The first frame as a Photo and, when asked for and the format animates, frames spread through the rest.
    The opened image is taken out of `opened`, so that no caller's reference keeps its decode alive."""
    image, source_size, cost, need = opened.image, opened.size, opened.cost, opened.need
    opened.image = None
    started = time.monotonic()
    source_format = image.format
    target = _target(source_size, limits, need)
    # Only an animation's opened file is kept past its first frame: a still one's decode is freed as it is converted.
    animated = image if frames and _animated(image) else None
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
    stored_size = None
    if target != limits.long_side:  # decoded for the judge alone: boxes go in the pixels of the copy not kept
        stored_size = _capped_size(_upright_size(source_size, image.size), limits.long_side)
    photo = Photo(image=image, source_format=source_format, source_size=source_size, source=source,
                  stored_size=stored_size, kept=opened.kept)
    deadline = started + limits.seconds
    animation = _animation(animated, data, limits, keep_source, deadline) if animated is not None else None
    return Upload(photo=photo, animation=animation, cost=cost)


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


def _seconds(image, data, full_size):
    """How long the first frame's decode may take on a slow core, counted from the header (animations' other
    frames are counted by their own budget, limits.frame_pixels)."""
    pixels = full_size[0] * full_size[1]
    if image.format in ("JPEG", "MPO"):
        # Every scan walks every block. In entropy-coded data 0xFF is always followed by 0x00 or a restart
        # marker, so each FF DA is a scan's start (or one in a metadata segment: an over-count, never under).
        scans = data.count(b"\xff\xda") if image.info.get("progressive") else 1
        return pixels * max(1, scans) * JPEG_SECONDS_PER_PIXEL_SCAN
    return pixels * SECONDS_PER_PIXEL


def _isolated_format(data):
    """Whether the bytes are a HEIF, AVIF or TIFF file: formats decoded only in a child process."""
    return (data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS) or data.startswith(TIFF_SIGNATURES)


def _looks_like_image(data):
    """Whether the bytes start like one of the accepted formats (so a failure means damage, not a wrong type)."""
    heif = data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS
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


def _within_budget(image, limits, keep_source, data=b""):
    """Refuse, before decoding, an upload whose decode would take more memory than one upload may; return the
    bytes it was counted to take."""
    width, height = image.size
    needed = (width * height * peak_bytes_per_pixel(image, keep_source, data) + BUDGET_OVERHEAD
              + _tiff_parts(data) * TIFF_PART_BYTES)
    if needed > limits.memory_mb * 1024 * 1024:
        raise Refused("over_budget", 422, megabytes=limits.memory_mb)
    return needed


def peak_bytes_per_pixel(image, keep_source=False, data=b""):
    """An upper bound of the bytes per source pixel intake holds at once while it decodes and converts an image.

    Pillow keeps 1 byte per pixel for 1, L and P, 2 for 16-bit gray and 4 for every other mode. At each step
    the image before it is still held: the decoder's own buffers (decoder_bytes), an EXIF turn (a second copy),
    the 8-bit or flattened copy, and the cap's output with its resampling pass (at most the output's size)."""
    stored = 1 if image.mode in ("1", "L", "P") else 2 if image.mode.startswith("I;16") else 4
    if image.mode in ("RGBA", "RGBa"):
        converted = 5  # a white RGB canvas and the alpha channel
    elif image.mode in ("LA", "La", "PA") or (image.mode == "P" and "transparency" in image.info):
        converted = 9  # RGBA, a white RGB canvas and the alpha channel
    else:
        converted = 4 if image.mode == "P" else 1 if stored < 4 or image.mode in ("I", "F") else 0
    out = 1 if image.mode in ("1", "L", "I", "F") or image.mode.startswith("I;16") else 4
    steps = (decoder_bytes(image, data), stored, converted, 2 * out)
    return stored + max(steps) + (stored if keep_source else 0) + 1


CHROMA_PLANES = {400: 0.0, 420: 0.5, 422: 1.0, 444: 2.0}  # the two chroma planes beside luma, in luma's samples


def decoder_bytes(image, data=b""):
    """What the decoder holds beside Pillow's image, in bytes per pixel. HEIF and AVIF decoders keep the YCbCr
    planes (two bytes a sample past 8 bits, chroma as subsampled) and an interleaved RGB copy at that depth, which
    pillow-heif turns into 8 bits once more: a 10-bit 4:2:2 photo takes about 13 bytes a pixel, an 8-bit 4:2:0
    one 5."""
    if image.format == "HEIF":
        depth, chroma = image.info.get("bit_depth", 8), image.info.get("chroma", 444)
    elif image.format == "AVIF":
        depth, chroma = _av1_depth_and_chroma(data)
    else:
        return DECODER_BYTES.get(image.format, 0)
    sample = 1 if depth <= 8 else 2
    channels = 4 if image.mode in ("RGBA", "LA") else 3
    planes = sample * (1 + CHROMA_PLANES.get(chroma, 2.0) + (channels == 4))
    return math.ceil(planes + channels * sample + (channels if sample > 1 else 0))


def _av1_depth_and_chroma(data):
    """An AVIF's bit depth and chroma subsampling from its av1C box (10 bits, 4:4:4 when it cannot be read)."""
    at = data.find(b"av1C")
    if at < 0 or len(data) < at + 7:
        return 10, 444
    flags = data[at + 6]
    depth = (12 if flags & 0x20 else 10) if flags & 0x40 else 8
    if flags & 0x10:
        return depth, 400
    return depth, {(1, 1): 420, (1, 0): 422}.get(((flags >> 3) & 1, (flags >> 2) & 1), 444)


def _tiff_parts(data):
    """How many strips or tiles a TIFF's first image declares (0 for other formats), read from its first IFD
    without reading the offsets themselves: Pillow's own open reads every one of them."""
    if len(data) < 16 or data[:4] not in TIFF_SIGNATURES:
        return 0
    order = "little" if data[:2] == b"II" else "big"
    big = data[2:4] in (b"+\x00", b"\x00+")  # BigTIFF: 8-byte offsets and counts, 20-byte entries
    offset, number, entry_size, count_size = (8, 8, 20, 8) if big else (4, 2, 12, 4)
    at = int.from_bytes(data[offset:offset + (8 if big else 4)], order)
    if at + number > len(data):
        return 0
    entries = int.from_bytes(data[at:at + number], order)
    parts = 0
    for entry in range(min(entries, (len(data) - at - number) // entry_size)):
        start = at + number + entry_size * entry
        tag = int.from_bytes(data[start:start + 2], order)
        count = int.from_bytes(data[start + 4:start + 4 + count_size], order)
        if tag in (273, 279, 324, 325):  # StripOffsets, StripByteCounts, TileOffsets, TileByteCounts
            parts = max(parts, count)
    return parts


def _refuse_tiff_parts(data, limits):
    """Refuse a TIFF that declares more strips or tiles than a photo has, before Pillow reads them."""
    if _tiff_parts(data) > MAX_TIFF_PARTS:
        raise Refused("too_slow", 422, seconds=f"{limits.seconds:g}")


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
    """Frames spread through an animated GIF, WebP or APNG (see read_upload); None for a still photo."""
    return read_upload(data, limits, keep_source, frames=True).animation


def _animation(image, data, limits, keep_source, deadline):
    """Decode up to limits.frames frames spread through an opened animation whose first frame was read (it is left
    out: the photo is that one), never decoding more than limits.frame_pixels pixels' work on the way (each frame
    costs at least FRAME_FLOOR) nor past the deadline; None for a still photo or a format that does not animate."""
    try:
        count = _frame_count(image, data)
    except Exception:
        return None  # damaged after its first frame (the photo is that one): the first frame is what shows
    if count < 2 or limits.frames < 2:
        return None
    frame_cost = max(FRAME_FLOOR, image.size[0] * image.size[1])
    reachable = max(1, min(count, limits.frame_pixels // frame_cost))  # every frame on the way is decoded
    picks = spread(reachable, limits.frames)[1:]
    frames, decoded = [], image.size[0] * image.size[1]
    try:
        for index in range(1, picks[-1] + 1 if picks else 1):
            if time.monotonic() > deadline:
                break  # the frames read by now are judged
            image.seek(index)
            decoded += image.size[0] * image.size[1]
            if index in picks:
                frames.append((index, _frame_photo(image, limits, keep_source)))
    except Refused:
        raise
    except Exception:
        pass  # damaged part-way: the frames read before the damage are judged, as a browser shows them
    return Animation(frames=frames, count=count, decoded_pixels=decoded)


def _animated(image):
    """Whether an opened GIF, WebP or PNG holds more than one frame (read from its headers, nothing decoded)."""
    if image.format not in ANIMATED:
        return False  # a JPEG's second "frame" (MPO) is a preview or a depth map, not a moment of the photo
    try:
        return bool(getattr(image, "is_animated", False))
    except Exception:
        return False  # damaged after its first frame: the first frame is what shows


def _frame_count(image, data):
    """How many frames the animation holds, bounded by what is there: a GIF's are walked (without decoding) up
    to MAX_FRAMES_COUNTED, an APNG's header count is capped by the frame-control chunks its data holds."""
    if image.format == "GIF":
        count = 1
        try:
            while count < MAX_FRAMES_COUNTED:
                image._seek(count, False)  # what Pillow's n_frames does, unbounded (Pillow pinned in requirements)
                count += 1
        except EOFError:
            pass
        image.seek(0)
        return count
    count = getattr(image, "n_frames", 1)
    if image.format == "PNG":
        count = min(count, data.count(b"fcTL"))
    return count


def spread(count, wanted):
    """Up to `wanted` frame indexes spread evenly over 0..count-1, first and last included."""
    if count <= wanted:
        return list(range(count))
    return sorted({round(n * (count - 1) / (wanted - 1)) for n in range(wanted)})


def _frame_photo(image, limits, keep_source):
    """The current frame of an animation as a Photo, sanitised as the first frame is."""
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


# Decoding in a child process: the deadline that ends what could not be counted.

_LANE = threading.BoundedSemaphore(ISOLATED_AT_ONCE)


def _in_child(data, limits, keep_source, need, frames, kept_need=None):
    """Run decode_here in a forked child and take its Upload; kill it at limits.seconds (a 422 too_slow). One such
    child at a time per worker: another upload waits up to limits.seconds for it, then gets a 503.

    Forked, not spawned: the child shares the worker's pages (a few ms to start, no second copy of the
    libraries) and touches nothing but Pillow. A decoder that crashes takes the child down, not the worker."""
    if not _LANE.acquire(timeout=limits.seconds):
        raise Refused("busy", 503, {"Retry-After": str(max(1, math.ceil(limits.seconds)))})
    try:
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(send, data, limits, keep_source, need, frames, kept_need),
                                daemon=True)
        child.start()
        send.close()
        answer = None
        try:
            if not receive.poll(limits.seconds):  # the decode's own time: waiting for the lane is not counted
                raise Refused("too_slow", 422, seconds=f"{limits.seconds:g}")
            answer = receive.recv()
        except (EOFError, OSError):
            raise Refused("corrupt", 400) from None  # the decoder crashed the child
        finally:
            receive.close()
            if answer is None:  # ended at the deadline, or gone already
                child.kill()
                child.join()
            # An answered child exits by itself: its exit (a 200 MB worker's pages torn down, about 15 ms) is not
            # waited for; multiprocessing reaps it when it starts the next one.
    finally:
        _LANE.release()
    kind, value = answer
    if kind == "refused":
        code, status, headers, values = value
        raise Refused(code, status, headers, **values)
    return value


def _child(send, data, limits, keep_source, need, frames, kept_need=None):
    """The child's work: the whole intake, its answer (or refusal) sent back whole, with its peak memory."""
    try:
        try:
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")  # the peak starts again from what is resident now, not the worker's own peak
        except OSError:
            pass
        before = _status_bytes("VmRSS:")
        upload = decode_here(data, limits, keep_source, need, frames, kept_need)
        cost = Cost(seconds=upload.cost.seconds, bytes=upload.cost.bytes, isolated=True,
                    peak_bytes=_status_bytes("VmHWM:") - before)
        answer = ("upload", Upload(photo=upload.photo, animation=upload.animation, cost=cost))
    except Refused as refused:
        answer = ("refused", (refused.code, refused.status, refused.headers, refused.values))
    except BaseException:
        answer = ("refused", ("corrupt", 400, {}, {}))
    send.send(answer)
    send.close()
    os._exit(0)


def _status_bytes(key):
    """A figure of this process's /proc status (VmRSS, VmHWM) in bytes; 0 where there is no /proc."""
    try:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith(key))
    except (OSError, StopIteration):
        return 0
    return int(line.split()[1]) * 1024
