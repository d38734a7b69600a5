"""Where each face's sticker and the stamp go on a photo: beside the faces, never over a face, another sticker or
past the photo's edge (How-Old.net's labels), worked out once so that the page and the card agree."""

import unicodedata
from dataclasses import dataclass

PAD = 0.35  # a sticker's padding around its text, in font sizes
STEPS = (0.15, 0.6, 1.2, 2.0, 3.0)  # how far from its face a sticker may sit, in font sizes
SMALLER = (1.0, 0.8, 0.65)  # font sizes tried, as fractions of the first, before a sticker shows its number only
CORNERS = ("br", "bl", "tr", "tl")


@dataclass(frozen=True)
class Sticker:
    """A face's sticker: its number, its box [x, y, w, h] and font size in photo pixels, and whether only the
    number fits (its answer then stands in the list under the photo alone)."""

    number: int
    box: tuple
    font: float
    text: str
    compact: bool = False


def text_width(text, font):
    """How wide a line is drawn, in the units of font (wide East Asian characters a whole font size, others 0.6)."""
    return sum(font if unicodedata.east_asian_width(c) in "WF" else 0.6 * font for c in text)


def _overlaps(a, b):
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _inside(box, size):
    return box[0] >= 0 and box[1] >= 0 and box[0] + box[2] <= size[0] and box[1] + box[3] <= size[1]


def _candidates(face, width, height, font):
    """Spots around a face, nearest first: below, above, right, left, then the corners, further out each round."""
    x, y, w, h = face
    centre_x, centre_y = x + w / 2 - width / 2, y + h / 2 - height / 2
    for step in STEPS:
        gap = step * font
        yield (centre_x, y + h + gap)
        yield (centre_x, y - height - gap)
        yield (x + w + gap, centre_y)
        yield (x - width - gap, centre_y)
        yield (x + w + gap, y + h + gap)
        yield (x - width - gap, y + h + gap)
        yield (x + w + gap, y - height - gap)
        yield (x - width - gap, y - height - gap)


def place(size, faces, texts, font):
    """A Sticker for each face (texts[i] beside faces[i], numbered from 1), each inside the photo and clear of
    every face and of the stickers placed before it; a sticker that fits nowhere shows its number alone, and
    one that does not fit even so is None."""
    placed = []
    for number, (face, text) in enumerate(zip(faces, texts), 1):
        sticker = None
        for label, scales in ((f"{number} {text}", SMALLER), (str(number), SMALLER[-1:])):
            for scale in scales:
                sticker = _spot(size, faces, placed, face, number, label, font * scale)
                if sticker:
                    sticker = Sticker(number, sticker, font * scale, label, compact=label == str(number))
                    break
            if sticker:
                break
        placed.append(sticker)
    return placed


def _spot(size, faces, placed, face, number, label, font):
    width, height = text_width(label, font) + 2 * PAD * font, font * (1 + 2 * PAD)
    taken = [tuple(f) for f in faces] + [s.box for s in placed if s]
    for left, top in _candidates(face, width, height, font):
        box = (round(left, 1), round(top, 1), round(width, 1), round(height, 1))
        if _inside(box, size) and not any(_overlaps(box, other) for other in taken):
            return box
    return None


def stamp_side(size):
    """The stamp's side on a photo of this size, in its pixels: a share of the shorter side, at most 0.42 of the
    width (so that it reads on a phone and leaves the photo seen)."""
    width, height = size
    return min(0.45 * min(width, height), 0.42 * width)


def stamp_place(size, faces, stickers, side=None):
    """The stamp's (x, y, side) at the first corner (bottom right first) where it covers no face and no sticker;
    None when every corner does (the stamp then stands beside the photo). Its square is kept clear with room for
    its tilt."""
    width, height = size
    side = side or stamp_side(size)
    reach = side * 1.2  # a square tilted by 12 degrees spans about 1.18 of its side
    taken = [tuple(f) for f in faces] + [s.box for s in stickers if s]
    spots = {"br": (width - reach, height - reach), "bl": (0, height - reach), "tr": (width - reach, 0), "tl": (0, 0)}
    for corner in CORNERS:
        left, top = spots[corner]
        if not any(_overlaps((left, top, reach, reach), other) for other in taken):
            inset = (reach - side) / 2
            return (round(left + inset, 1), round(top + inset, 1), round(side, 1))
    return None
