"""Share cards: a 1200x630 JPEG with the photo (cropped around what the judge found), verdict, score and names."""

import hashlib
import io
import json
import threading
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources

from PIL import Image, ImageColor, ImageDraw, ImageFont, ImageOps

from ..intake import jpeg_bytes
from ..store import photo_name
from . import blur, layout, phrases

WIDTH, HEIGHT = 1200, 630
PHOTO_WIDTH = 540
MARGIN = 56
VERDICT_HEIGHT = 220  # the band between the judge's name and the score
VERSION = 4  # part of every card's key: bump it when the drawing changes, and cached cards are made again
# Noto Sans JP (SIL Open Font License), a variable font with weights 100-900, shipped by justmytype-intl-cjk.
FONT_PACKAGE, FONT_FILE = "justmytype_intl_cjk", "fonts/ofl/notosansjp/NotoSansJP[wght].ttf"
INK, ACCENT, PALE, TRACK = (31, 42, 68), (214, 51, 108), (201, 207, 224), (58, 70, 102)
PAPER, GOLD = (244, 241, 234), (255, 209, 102)
_fonts_in_use = threading.Lock()  # the cached FreeType faces are shared by a worker's threads; one draws at a time


@dataclass(frozen=True)
class CardText:
    """Everything written on a card, already in the card's language."""

    judge: str
    verdict: str
    score: float
    score_label: str
    site: str
    note: str = ""  # a line under the score, e.g. that the photo was blurred
    color: str = "#d6336c"  # the band's colour: the stamp and the score's bar
    comment: str = ""  # the band's short comment
    invite: str = ""  # the words before the site's name at the bottom, e.g. "あなたも判定 →"
    stamp: tuple = ()  # the verdict as the stamp's one or two lines
    tags: tuple = ()  # tags judges: the names of the tags given, drawn as chips in place of the verdict
    caption: str = None  # the stamp's small line (None: the percentage; or which face of a group it is about)
    faces: tuple = ()  # ((x, y, w, h), answer) of each face a judge answered, boxes in the stored photo's pixels
    pick: str = ""  # of a group: which face the verdict is about ("最年少：2番")
    pictures: tuple = ()  # look-alike judges: each face's label picture the operator allows on cards (a file), or ""


def key(text, boxes, photo):
    """A short key that changes whenever anything drawn on the card would (photo: "clear", "blurred" or "none")."""
    facts = {"version": VERSION, "text": asdict(text), "boxes": boxes, "photo": photo}
    return hashlib.sha256(json.dumps(facts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def public_photo(store, record):
    """The file name of the photo anyone may see: the stored one, or for a sensitive result its blurred copy."""
    name = photo_name(record.id)
    if not record.has_photo or not store.photos.exists(name):
        return None  # none kept, or deleted while this request ran
    if not record.judgement.sensitive:
        return name
    return store.derived(record.id, "blurred", f"v{blur.VERSION}", lambda: _blurred(store.photos.read(name)))


def _blurred(data):
    with Image.open(io.BytesIO(data)) as photo:
        return jpeg_bytes(blur.obscure(photo.convert("RGB")))


def card_file(store, record, lang, text):
    """The file name of a result's card in one language: drawn on first use, again when anything on it changes.

    The card is drawn from the public photo only, so a sensitive result's card never holds the clear one."""
    boxes = [list(region.box) for region in record.judgement.regions]

    def draw():
        name = public_photo(store, record)
        data = store.photos.read(name) if name else None
        if data is None:
            return render(text)
        with Image.open(io.BytesIO(data)) as image:
            return render(text, image.convert("RGB"), boxes, (record.width, record.height))

    return store.derived(record.id, f"card-{lang}", card_key(record, text), draw)


def card_key(record, text):
    """The key of a result's card: it changes whenever anything drawn on the card would."""
    photo = "none" if not record.has_photo else ("blurred" if record.judgement.sensitive else "clear")
    return key(text, [list(region.box) for region in record.judgement.regions], photo)


@lru_cache(maxsize=64)
def font(size, weight):
    """Noto Sans JP at a pixel size and weight; every card's Japanese and Latin text is drawn with it."""
    path = resources.files(FONT_PACKAGE).joinpath(FONT_FILE)
    face = ImageFont.truetype(str(path), size)
    face.set_variation_by_axes([weight])
    return face


def crop_box(size, boxes, aspect):
    """The largest box of the given width/height ratio inside an image of this size, centred on the boxes found.

    Faces and regions stay in frame whenever they fit together; without any, the crop favours the upper middle,
    where people's faces usually are."""
    width, height = size
    crop_w, crop_h = (width, width / aspect) if width / height < aspect else (height * aspect, height)
    if boxes:
        left = min(b[0] for b in boxes)
        top = min(b[1] for b in boxes)
        right = max(b[0] + b[2] for b in boxes)
        bottom = max(b[1] + b[3] for b in boxes)
        centre_x, centre_y = (left + right) / 2, (top + bottom) / 2
    else:
        centre_x, centre_y = width / 2, height * 0.4
    x = min(max(centre_x - crop_w / 2, 0), width - crop_w)
    y = min(max(centre_y - crop_h / 2, 0), height - crop_h)
    return (round(x), round(y), round(x + crop_w), round(y + crop_h))


def frame_box(size, boxes, aspect, margin=0.25):
    """The part of the photo a card shows: the crop_box when every box fits in it with a margin around them, else a
    box of the card's shape around all of them (reaching past the photo's edge, which the card fills), so that a
    group is never cut to its middle."""
    crop = crop_box(size, boxes, aspect)
    if not boxes:
        return crop
    left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
    right, bottom = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    pad = margin * max(right - left, bottom - top) / 2
    wanted = (left - pad, top - pad, right + pad, bottom + pad)
    if (crop[0] <= max(wanted[0], 0) and crop[1] <= max(wanted[1], 0) and crop[2] >= min(wanted[2], size[0])
            and crop[3] >= min(wanted[3], size[1])):
        return crop
    width, height = wanted[2] - wanted[0], wanted[3] - wanted[1]
    width, height = max(width, height * aspect), max(height, width / aspect)
    centre_x, centre_y = (wanted[0] + wanted[2]) / 2, (wanted[1] + wanted[3]) / 2
    return (round(centre_x - width / 2), round(centre_y - height / 2), round(centre_x + width / 2),
            round(centre_y + height / 2))


def _framed(photo, frame):
    """The frame of the photo at the card's photo size; where the frame reaches past the photo, the card's ink."""
    if frame[0] >= 0 and frame[1] >= 0 and frame[2] <= photo.width and frame[3] <= photo.height:
        return photo.resize((PHOTO_WIDTH, HEIGHT), Image.Resampling.LANCZOS, box=frame)
    scale = PHOTO_WIDTH / (frame[2] - frame[0])
    canvas = Image.new("RGB", (PHOTO_WIDTH, HEIGHT), INK)
    inner = (max(frame[0], 0), max(frame[1], 0), min(frame[2], photo.width), min(frame[3], photo.height))
    part = photo.resize((max(1, round((inner[2] - inner[0]) * scale)), max(1, round((inner[3] - inner[1]) * scale))),
                        Image.Resampling.LANCZOS, box=inner)
    canvas.paste(part, (round((inner[0] - frame[0]) * scale), round((inner[1] - frame[1]) * scale)))
    return canvas


def _stickers(card, faces):
    """Each face's numbered answer beside it on the card's photo, placed as on the page (never over a face)."""
    boxes = [box for box, _ in faces]
    draw = ImageDraw.Draw(card)
    for box in boxes:
        draw.rounded_rectangle((box[0], box[1], box[0] + box[2], box[1] + box[3]), radius=6, outline=GOLD, width=3)
    stickers = layout.place((PHOTO_WIDTH, HEIGHT), boxes, [answer for _, answer in faces], 26)
    for sticker in stickers:
        if sticker is None:
            continue
        x, y, w, h = sticker.box
        draw.rounded_rectangle((x, y, x + w, y + h), radius=h / 2, fill=GOLD)
        face = _fitting(sticker.text, w - 2 * layout.PAD * sticker.font, round(sticker.font), 800, 10)
        draw.text((x + w / 2, y + h / 2), sticker.text, font=face, fill=INK, anchor="mm")
    return stickers


def _pictures(card, stickers, pictures):
    """A look-alike label's picture as a round badge at its sticker's outer end (when the operator allows it)."""
    for sticker, path in zip(stickers, pictures):
        if sticker is None or not path:
            continue
        x, y, w, h = sticker.box
        side = round(h * 1.6)
        left = round(x + w + 4) if x + w + 4 + side <= PHOTO_WIDTH else round(x - side - 4)
        try:
            with Image.open(path) as picture:
                badge = ImageOps.fit(picture.convert("RGB"), (side, side), Image.Resampling.LANCZOS)
        except (OSError, Image.DecompressionBombError):
            continue
        mask = Image.new("L", (side, side), 0)
        ImageDraw.Draw(mask).ellipse((0, 0, side - 1, side - 1), fill=255)
        top, left = max(0, min(HEIGHT - side, round(y + h / 2 - side / 2))), max(0, left)
        card.paste(badge, (left, top), mask)
        ImageDraw.Draw(card).ellipse((left, top, left + side - 1, top + side - 1), outline=GOLD, width=3)


def render(text, photo=None, boxes=(), source_size=None):
    """Draw a card and return it as a metadata-free JPEG.

    photo is the (already blurred, for sensitive results) image or None; boxes are [x, y, w, h] in source_size
    pixels (the stored photo's), scaled here to the photo given. A card of a judge that answers each face keeps
    every face in view, each with its numbered answer, and its stamp on no face."""
    card = Image.new("RGB", (WIDTH, HEIGHT), INK)
    at, size = None, 250 if photo is not None else 380
    with _fonts_in_use:
        if photo is not None:
            scale = photo.width / (source_size or photo.size)[0]
            face_boxes = [[v * scale for v in box] for box, _ in text.faces]
            scaled = face_boxes or [[v * scale for v in box] for box in boxes]
            frame = frame_box(photo.size, scaled, PHOTO_WIDTH / HEIGHT)
            card.paste(_framed(photo, frame), (0, 0))
            shown = PHOTO_WIDTH / (frame[2] - frame[0])
            on_card = [tuple((v - offset) * shown for v, offset in zip(box, (frame[0], frame[1], 0, 0)))
                       for box in face_boxes]
            stickers = _stickers(card, tuple(zip(on_card, (a for _, a in text.faces)))) if text.faces else []
            _pictures(card, stickers, text.pictures)
            for side in (250, 200, 160):
                spot = layout.stamp_place((PHOTO_WIDTH, HEIGHT), on_card, stickers, side=side / 1.2)
                if spot:
                    at, size = (round(spot[0] - side / 12), round(spot[1] - side / 12)), side
                    break
            else:
                at, size = (WIDTH - 170, 16), 150
        else:
            card.paste(PAPER, (0, 0, PHOTO_WIDTH, HEIGHT))
            at = ((PHOTO_WIDTH - size) // 2, (HEIGHT - size) // 2)
        caption = f"{round(text.score * 100)}%" if text.caption is None else text.caption
        mark = stamp(text.stamp or (text.verdict,), caption, text.color, size)
        card.paste(mark, at, mark)
        _words(ImageDraw.Draw(card), text)
    return jpeg_bytes(card, quality=88)


def stamp(lines, caption, color, size):
    """A 判子-style stamp: a double ring in the band's colour, the verdict in one or two lines, the score below.

    Drawn at 2x and shrunk, tilted like a hand-pressed seal, on a transparent layer to paste."""
    big = size * 2
    layer = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    ink = ImageColor.getrgb(color) + (235,)
    unit = big / 200
    draw.ellipse((8 * unit, 8 * unit, big - 8 * unit, big - 8 * unit), fill=(255, 255, 255, 150), outline=ink,
                 width=round(9 * unit))
    draw.ellipse((21 * unit, 21 * unit, big - 21 * unit, big - 21 * unit), outline=ink, width=round(3 * unit))
    two = len(lines) == 2
    for number, line in enumerate(lines):
        face = _fitting(line, 136 * unit, round((44 if two else 62) * unit), 900)
        y = (72 + number * 44) * unit if two else 98 * unit
        draw.text((big / 2, y), line, font=face, fill=ink, anchor="mm")
    small = _fitting(caption, 96 * unit, round(20 * unit), 800)
    draw.text((big / 2, (158 if two else 146) * unit), caption, font=small, fill=ink, anchor="mm")
    return layer.rotate(12, resample=Image.Resampling.BICUBIC).resize((size, size), Image.Resampling.LANCZOS)


def _fitting(text, width, size, weight, smallest=12):
    """The font at the largest size up to size whose text fits width."""
    while size > smallest and font(size, weight).getlength(text) > width:
        size -= 2
    return font(size, weight)


def _paragraph(draw, text, xy, width, sizes, max_lines, fill, weight=500):
    """Text wrapped at phrase boundaries at the largest size whose lines fit: never cut mid-sentence.

    Returns the y below the last line."""
    x, y = xy
    for size in sizes:
        face = font(size, weight)
        lines = phrases.wrap(text, lambda line, face=face: face.getlength(line) <= width)
        if len(lines) <= max_lines and all(face.getlength(line) <= width for line in lines):
            break
    for line in lines:
        draw.text((x, y), line, font=face, fill=fill)
        y += size * 1.3
    return y


def _words(draw, text):
    """The text half: judge, verdict in large type, the score read one way with its bar, comment, invitation."""
    left, width = PHOTO_WIDTH + MARGIN, WIDTH - PHOTO_WIDTH - 2 * MARGIN
    draw.text((left, 44), _fit_line(text.judge, font(34, 700), width), font=font(34, 700), fill=PALE)

    if text.tags:
        _chips(draw, text.tags, left, width)
    else:
        face, lines = _fit_verdict(text.verdict, width)
        line_height = face.size * 1.2
        top = 96 + (VERDICT_HEIGHT - 40 - line_height * len(lines)) / 2
        for number, line in enumerate(lines):
            draw.text((left, top + number * line_height), line, font=face, fill="white")

    if text.score_label:
        draw.text((left, 330), _fit_line(text.score_label, font(44, 800), width), font=font(44, 800), fill="white",
                  anchor="ls")
        bar_top = 350
        draw.rounded_rectangle((left, bar_top, left + width, bar_top + 18), radius=9, fill=TRACK)
        filled = max(0.0, min(1.0, text.score)) * width
        draw.rounded_rectangle((left, bar_top, left + max(filled, 18), bar_top + 18), radius=9,
                               fill=ImageColor.getrgb(text.color) if filled else TRACK)
    elif text.pick:
        draw.text((left, 350), _fit_line(text.pick, font(40, 800), width), font=font(40, 800), fill=GOLD,
                  anchor="ls")
    y = 392
    for line in (text.comment, text.note):
        if line:
            y = _paragraph(draw, line, (left, y), width, (30, 26, 22), 2, PALE) + 6
    invite = f"{text.invite} " if text.invite else ""
    draw.text((left, HEIGHT - 40), invite + text.site, font=_fitting(invite + text.site, width, 30, 700, 16),
              fill=GOLD, anchor="ls")


def _chips(draw, tags, left, width):
    """The tags given as rounded chips in the verdict's band, as large as they fit in three rows ("+N" for the rest)."""
    for size in range(56, 27, -4):
        rows = _chip_rows(tags, font(size, 800), size, width)
        if len(rows) * size * 1.7 <= VERDICT_HEIGHT - 30:
            break
    rows = rows[:max(1, int((VERDICT_HEIGHT - 30) // (size * 1.7)))]
    shown = sum(len(row) for row in rows)
    if shown < len(tags):
        rows[-1][-1] = f"+{len(tags) - shown + 1}"
    face, pad, top = font(size, 800), size * 0.55, 96 + (VERDICT_HEIGHT - 30 - len(rows) * size * 1.7) / 2
    for number, row in enumerate(rows):
        x, y = left, top + number * size * 1.7
        for position, tag in enumerate(row):
            label = _fit_line(tag, face, width - 2 * pad)
            right = x + face.getlength(label) + 2 * pad
            first = number == position == 0  # the highest tag, the one on the stamp, in white
            chip = (x, y, right, y + size * 1.45)
            draw.rounded_rectangle(chip, radius=size * 0.72, fill="white" if first else ACCENT)
            draw.text((x + pad, y + size * 0.72), label, font=face, fill=INK if first else "white", anchor="lm")
            x = right + size * 0.35


def _chip_rows(tags, face, size, width):
    """Tags dealt into rows of chips no wider than width."""
    rows, used = [[]], 0.0
    for tag in tags:
        chip = min(face.getlength(tag) + 1.1 * size, width)
        if rows[-1] and used + chip > width:
            rows.append([])
            used = 0.0
        rows[-1].append(tag)
        used += chip + size * 0.35
    return rows


@lru_cache(maxsize=4)
def site_icon(size):
    """The site's mark as a PNG: 判定 in white on its colour, drawn with the cards' font (no image file to ship)."""
    image = Image.new("RGB", (size, size), ACCENT)
    with _fonts_in_use:
        ImageDraw.Draw(image).text((size / 2, size / 2), "判定", font=font(round(size * 0.36), 900), fill="white",
                                   anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


SITE_VERSION = 2  # part of the home card's key: bump it when site_card's drawing changes
SKY, SKIN = (170, 205, 236), (92, 108, 150)


def site_card(titles, name, site, invite, sample=("判定", "AI")):
    """The home page's 1200x630 card, saying what hantei does: a photo with a verdict stamp pressed on it, the
    invitation, the judges one may pick and the host. sample is the stamp's (verdict, caption) in the card's
    language."""
    card = Image.new("RGB", (WIDTH, HEIGHT), INK)
    with _fonts_in_use:
        draw = ImageDraw.Draw(card)
        draw.rectangle((0, 0, 470, HEIGHT), fill=PAPER)
        card.paste(_sample_photo(), (40, 60))
        mark = stamp((sample[0],), sample[1], "#c2255c", 250)
        card.paste(mark, (185, 300), mark)
        left, width = 470 + MARGIN, WIDTH - 470 - 2 * MARGIN
        draw.text((left, 50), _fit_line(name, font(34, 800), width), font=font(34, 800), fill=GOLD)
        y = _paragraph(draw, invite, (left, 104), width, (48, 42, 36, 30), 3, (255, 255, 255), 800) + 18
        shown = titles[:4]
        face = min((_fitting(title, width - 56, 40 if len(shown) <= 3 else 34, 700, 22) for title in shown),
                   key=lambda face: face.size, default=None)
        size = face.size if face else 34
        for title in shown:
            draw.rounded_rectangle((left, y, left + 36, y + 36), radius=9, fill=ACCENT)
            draw.line((left + 9, y + 19, left + 16, y + 26, left + 28, y + 11), fill="white", width=5, joint="curve")
            draw.text((left + 56, y + 18), _fit_line(title, face, width - 56), font=face, fill=PALE, anchor="lm")
            y += size * 1.55
        if len(titles) > len(shown):
            draw.text((left + 56, y + 4), f"+{len(titles) - len(shown)}", font=font(30, 700), fill=PALE)
        draw.text((left, HEIGHT - 48), site, font=_fitting(site, width, 34, 700, 16), fill=GOLD, anchor="ls")
    return jpeg_bytes(card, quality=88)


def _sample_photo():
    """A drawn snapshot (sky, a person's head and shoulders) on a white print, tilted as if laid on the table."""
    print_ = Image.new("RGBA", (340, 400), (255, 255, 255, 255))
    draw = ImageDraw.Draw(print_)
    draw.rectangle((18, 18, 322, 322), fill=SKY)
    draw.ellipse((120, 90, 220, 196), fill=SKIN)
    draw.rounded_rectangle((78, 210, 262, 340), radius=70, fill=SKIN)
    draw.rectangle((18, 322, 322, 382), fill=(255, 255, 255))
    return print_.rotate(6, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(*PAPER, 255)).convert("RGB")


def _fit_verdict(verdict, width):
    """The verdict as large as it fits: one line up to 104 px, else two lines up to 72 px, never below 40 px.

    Japanese (no spaces) stays on one line down to 60 px before it is split in two halves."""
    spaced = " " in verdict.strip()
    for size in range(104, 39, -4):
        face = font(size, 900)
        if face.getlength(verdict) <= width:
            return face, [verdict]
        if (spaced or size < 60) and size * 1.2 * 2 <= VERDICT_HEIGHT - 40:
            lines = _wrap(verdict, face, width) if spaced else phrases.two_lines(verdict)
            if len(lines) <= 2 and all(face.getlength(line) <= width for line in lines):
                return face, lines
    return face, [_fit_line(verdict, face, width)]


def _wrap(text, face, width):
    """Break text between words into lines no wider than width (a word wider than that gets a line of its own)."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if line and face.getlength(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + [line] if line else lines


def _fit_line(text, face, width):
    """Text cut with an ellipsis so that it fits on one line."""
    if face.getlength(text) <= width:
        return text
    while text and face.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"
