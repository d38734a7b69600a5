"""Untrusted upload bytes -> Photo: sanitised, upright, size-bounded RGB pixels; all limits live here."""

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from .refusals import Refused

# Only the primary image of a HEIF file is ever used: skip its thumbnails, depth maps and auxiliary images.
register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

# Decoders we trust with a stranger's bytes; everything else is refused before decoding.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "HEIF", "AVIF", "BMP", "TIFF")
MIN_SIDE = 32
# A stored copy up to this much under the cap is worth a cheap halving: a 4032-px photo is kept at 2016 px
# for a 2048 cap, by the JPEG decoder's 1/2 scale or a 2x2 average, instead of a 5x slower bicubic resize.
CAP_SLACK = 0.05
SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")
SRGB = ImageCms.createProfile("sRGB")
LAB = ImageCms.createProfile("LAB")


@dataclass(frozen=True)
class Limits:
    """What intake accepts and how large a photo it keeps."""

    max_pixels: int = 50_000_000
    long_side: int = 2048
    frames: int = 8  # of an animation, at most this many frames spread through it are judged
    frame_pixels: int = 40_000_000  # decoding frames to reach them may cost at most this many pixels


@dataclass(frozen=True)
class Photo:
    """A decoded, upright, metadata-free RGB photo and the facts about its source."""

    image: Image.Image
    source_format: str
    source_size: tuple
    source: Image.Image = None  # with keep_source: the oriented, full-size decode in its own mode

    @property
    def size(self):
        return self.image.size

    def jpeg(self):
        """The sanitised photo as the JPEG hantei stores."""
        return jpeg_bytes(self.image)


def read_photo(data, limits=Limits(), keep_source=False):
    """Decode untrusted bytes into a Photo, or raise Refused with a reason a person can be told.

    keep_source is for judges whose reference script resizes before converting to RGB: the
    photo is then decoded at full scale and also kept oriented in its own mode (P, RGBA, CMYK…).
    """
    if not data:
        raise Refused("empty", 400)
    # The pixel limit is checked by _open itself, not by turning Pillow's DecompressionBombWarning into an
    # error: warning filters are process-wide and not thread-safe, and gunicorn workers run threads.
    image = _open(data, limits)
    source_format, source_size = image.format, image.size
    if not keep_source:
        _reduce_while_decoding(image, limits.long_side)
    image = _load_upright(image, limits)
    source = image if keep_source else None
    icc = image.info.get("icc_profile")
    try:
        image = _cap(_flatten(_eight_bit(image)), limits.long_side)
        image = _to_srgb(image, icc)
    except (ValueError, ImageCms.PyCMSError):
        raise Refused("unsupported", 415) from None  # a colour model that cannot be turned into RGB
    image.info = {}
    return Photo(image=image, source_format=source_format, source_size=source_size, source=source)


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
    return image


def _looks_like_image(data):
    """Whether the bytes start like one of the accepted formats (so a failure means damage, not a wrong type)."""
    heif = data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis", b"hevc")
    return heif or data.startswith(SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _reduce_while_decoding(image, long_side):
    """Let the JPEG decoder scale down by 1/2, 1/4 or 1/8 when the result still (nearly) covers long_side."""
    if image.format not in ("JPEG", "MPO"):
        return
    width, height = image.size
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
    """Scale 1-bit, 16-bit, 32-bit and float grayscale down to 8-bit L; other images pass through."""
    if image.mode == "1":
        return image.convert("L")
    if image.mode not in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        return image
    pixels = np.nan_to_num(np.asarray(image, dtype=np.float64))
    if image.mode.startswith("I;16"):
        top = 65535.0
    elif image.mode == "F" and pixels.max(initial=0) <= 1.0:
        top = 1.0
    else:
        top = 65535.0 if pixels.max(initial=0) > 255 else 255.0
    return Image.fromarray(np.clip(pixels * (255.0 / top), 0, 255).round().astype(np.uint8), "L")


def _flatten(image):
    """Put transparent pixels on white and turn palettes into colours (gray stays gray, for its ICC profile)."""
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode not in ("RGBA", "RGBa", "LA", "La", "PA"):
        return image
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat.convert("L") if image.mode in ("LA", "La") else flat


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
        raise Refused("corrupt", 400) from None
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
        raise Refused("corrupt", 400) from None
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
