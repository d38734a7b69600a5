"""Album share cards: a 1200x630 collage of up to four photos, each with its verdict and score, under a title."""

import hashlib
import io
import json
from dataclasses import asdict, dataclass

from PIL import Image, ImageDraw

from ..intake import jpeg_bytes
from . import cards
from .cards import ACCENT, HEIGHT, INK, PALE, WIDTH, crop_box, font

VERSION = 1  # part of every collage's key: bump it when the drawing changes
TILES = 4
HEADER = 96  # the band with the album's title and the site
LABEL = 120  # the band under each photo with its verdict and score
GAP = 6


@dataclass(frozen=True)
class Tile:
    """One photo of the collage: its verdict and score as written, and how its photo is shown."""

    verdict: str
    score: float
    photo: str  # "clear", "blurred" or "none" (the uploader kept no photo)
    boxes: tuple = ()  # regions found, in the stored photo's pixels, kept in frame


@dataclass(frozen=True)
class CollageText:
    title: str  # e.g. "けしからん判定 · 4枚"
    site: str


def key(text, tiles):
    """A short key that changes whenever anything drawn on the collage would."""
    facts = {"version": VERSION, "text": asdict(text), "tiles": [asdict(tile) for tile in tiles]}
    return hashlib.sha256(json.dumps(facts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def render(text, tiles, photos):
    """Draw the collage of the first four tiles and return it as a metadata-free JPEG.

    photos[i] is tile i's public image (already blurred when sensitive) with its stored size, or None."""
    card = Image.new("RGB", (WIDTH, HEIGHT), INK)
    shown = list(zip(tiles, photos))[:TILES]
    width = (WIDTH - GAP * (len(shown) + 1)) // max(1, len(shown))
    height = HEIGHT - HEADER - GAP
    with cards._fonts_in_use:
        draw = ImageDraw.Draw(card)
        _header(draw, text)
        for n, (tile, photo) in enumerate(shown):
            left = GAP + n * (width + GAP)
            _tile(card, draw, (left, HEADER, width, height), tile, photo)
    return jpeg_bytes(card, quality=88)


def _header(draw, text):
    site_face, title_face = font(30, 700), font(40, 900)
    site = cards._fit_line(text.site, site_face, 360)
    site_width = site_face.getlength(site)
    draw.text((WIDTH - 40, HEADER / 2), site, font=site_face, fill=PALE, anchor="rm")
    title = cards._fit_line(text.title, title_face, WIDTH - 120 - site_width)
    draw.text((40, HEADER / 2), title, font=title_face, fill="white", anchor="lm")


def _tile(card, draw, frame, tile, photo):
    """One photo with its verdict band: the photo cropped around its regions, or the site's mark."""
    left, top, width, height = frame
    photo_height = height - LABEL
    if photo is None:
        draw.rectangle((left, top, left + width, top + photo_height), fill=ACCENT)
        mark = font(min(120, width // 3), 900)
        draw.text((left + width / 2, top + photo_height / 2), "判定", font=mark, fill="white", anchor="mm")
    else:
        image, stored_size = photo
        scale = image.width / stored_size[0]
        boxes = [[v * scale for v in box] for box in tile.boxes]
        region = crop_box(image.size, boxes, width / photo_height)
        card.paste(image.resize((width, photo_height), Image.Resampling.LANCZOS, box=region), (left, top))
    band_top = top + photo_height
    draw.rectangle((left, band_top, left + width, top + height), fill=(24, 32, 54))
    verdict_face = _fit(tile.verdict, width - 28)
    draw.text((left + 14, band_top + 44), tile.verdict if verdict_face.getlength(tile.verdict) <= width - 28 else
              cards._fit_line(tile.verdict, verdict_face, width - 28), font=verdict_face, fill="white", anchor="lm")
    draw.text((left + 14, band_top + 96), f"{tile.score:.2f}", font=font(34, 900), fill=PALE, anchor="lm")
    bar_left, bar_right = left + 110, left + width - 14
    draw.rounded_rectangle((bar_left, band_top + 88, bar_right, band_top + 104), radius=8, fill=cards.TRACK)
    filled = max(0.0, min(1.0, tile.score)) * (bar_right - bar_left)
    if filled >= 16:
        draw.rounded_rectangle((bar_left, band_top + 88, bar_left + filled, band_top + 104), radius=8, fill=ACCENT)


def _fit(verdict, width):
    """The verdict's face: as large as fits on one line, 52 px down to 26 px."""
    for size in range(52, 25, -2):
        face = font(size, 900)
        if face.getlength(verdict) <= width:
            return face
    return face


def open_photo(data):
    """Decode a stored JPEG for drawing."""
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")
