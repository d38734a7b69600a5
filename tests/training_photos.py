"""A small real 3-label data set made without the internet: photos, illustrations and screenshots, in split folders.

- photo: crops, mirror images and rescalings of the real photos that scikit-image, matplotlib and
  scikit-learn ship; the photos of each split come from different source photos.
- illust: flat-coloured drawings with outlines (shapes, faces, stars, clouds), drawn with Pillow.
- screenshot: app and web-page screens (bars, text lines, buttons, fields, lists), drawn with Pillow.

Run `python -m tests.training_photos DIR` to write it for docs/training.md's worked example.
"""

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps
from sklearn.datasets import load_sample_image

from tests.photos import MATPLOTLIB, SKIMAGE

SOURCES = {
    "train": ["astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "motorcycle_right.png",
              "rocket.jpg", "camera.png", "coins.png", "grass.png", "brick.png", "ihc.png"],
    "val": ["hubble_deep_field.jpg", "moon.png", "china.jpg"],
    "test": ["grace_hopper.jpg", "flower.jpg", "clock_motion.png", "retina.jpg", "gravel.png"],
}
WORDS = ("home settings profile search share upload photo result verdict score account privacy help about news "
         "message friends follow like reply repost login logout cancel next back done edit delete save menu").split()
PALETTE = [(239, 71, 111), (255, 209, 102), (6, 214, 160), (17, 138, 178), (7, 59, 76), (255, 255, 255),
           (250, 180, 200), (160, 120, 230), (255, 140, 66), (140, 200, 90)]


def source(name):
    if name in ("china.jpg", "flower.jpg"):
        return Image.fromarray(load_sample_image(name))
    folder = MATPLOTLIB if name == "grace_hopper.jpg" else SKIMAGE
    return Image.open(folder / name).convert("RGB")


def photo(rng, original):
    """A random crop of a real photo (40-100% of each side), maybe mirrored, resized as a phone might."""
    width, height = original.size
    crop_w, crop_h = width * rng.uniform(0.4, 1), height * rng.uniform(0.4, 1)
    left, top = rng.uniform(0, width - crop_w), rng.uniform(0, height - crop_h)
    image = original.crop((int(left), int(top), int(left + crop_w), int(top + crop_h)))
    image = ImageOps.mirror(image) if rng.random() < 0.5 else image
    scale = rng.uniform(300, 520) / min(image.size)
    return image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.BICUBIC)


def _colour(rng):
    return PALETTE[rng.integers(len(PALETTE))]


def illustration(rng, faces=True):
    """Flat colours with thick dark outlines: blobs, polygons, a face, stars, as line-art drawings are.

    faces=False draws a star where a face would be (the same random draws: the same picture otherwise)."""
    size = (int(rng.integers(300, 520)), int(rng.integers(300, 520)))
    image = Image.new("RGB", size, _colour(rng) if rng.random() < 0.5 else (255, 255, 255))
    draw = ImageDraw.Draw(image)
    outline, width = (20, 20, 30), int(rng.integers(2, 7))
    for _ in range(int(rng.integers(3, 10))):
        x, y = rng.uniform(0, size[0]), rng.uniform(0, size[1])
        r = rng.uniform(20, min(size) / 3)
        kind = rng.integers(4)
        fill = _colour(rng) if rng.random() < 0.8 else None
        if kind == 0:
            draw.ellipse((x - r, y - r * rng.uniform(0.6, 1.4), x + r, y + r), fill=fill, outline=outline, width=width)
        elif kind == 1:
            corners = int(rng.integers(3, 7))
            angles = np.sort(rng.uniform(0, 2 * np.pi, corners))
            draw.polygon([(x + r * np.cos(a), y + r * np.sin(a)) for a in angles], fill=fill, outline=outline,
                         width=width)
        elif kind == 2 and faces:  # a face: head, eyes, smile
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 224, 189), outline=outline, width=width)
            for side in (-1, 1):
                eye_x, eye_y = x + side * r / 2.5, y - r / 4
                draw.ellipse((eye_x - r / 8, eye_y - r / 6, eye_x + r / 8, eye_y + r / 6), fill=outline)
            draw.arc((x - r / 2, y - r / 3, x + r / 2, y + r / 2), 20, 160, fill=outline, width=width)
        else:  # a star
            points = [(x + (r if i % 2 == 0 else r / 2.3) * np.cos(np.pi / 5 * i - np.pi / 2),
                       y + (r if i % 2 == 0 else r / 2.3) * np.sin(np.pi / 5 * i - np.pi / 2)) for i in range(10)]
            draw.polygon(points, fill=fill or (255, 209, 102), outline=outline, width=width)
    for _ in range(int(rng.integers(0, 6))):  # loose strokes
        points = [(rng.uniform(0, size[0]), rng.uniform(0, size[1])) for _ in range(3)]
        draw.line(points, fill=outline, width=width, joint="curve")
    return image


def _words(rng, count):
    return " ".join(WORDS[i] for i in rng.integers(len(WORDS), size=count)).capitalize()


def screenshot(rng):
    """A phone or desktop screen: status bar, app bar, text lines, buttons, input fields and list rows."""
    phone = rng.random() < 0.6
    size = (int(rng.integers(360, 430)), int(rng.integers(640, 900))) if phone else \
        (int(rng.integers(800, 1280)), int(rng.integers(500, 800)))
    dark = rng.random() < 0.3
    background, ink = ((18, 18, 18), (230, 230, 230)) if dark else ((255, 255, 255), (30, 30, 30))
    accent = _colour(rng)
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    text, big = ImageFont.load_default(int(rng.integers(13, 18))), ImageFont.load_default(int(rng.integers(20, 28)))
    draw.rectangle((0, 0, size[0], 24), fill=(0, 0, 0) if phone else (222, 222, 222))
    draw.text((8, 4), "9:41" if phone else "https://example.org/" + WORDS[rng.integers(len(WORDS))], font=text,
              fill=(255, 255, 255) if phone else (60, 60, 60))
    draw.rectangle((0, 24, size[0], 80), fill=accent)
    draw.text((16, 36), _words(rng, 2), font=big, fill=(255, 255, 255))
    y = 96
    while y < size[1] - 40:
        kind = rng.integers(4)
        if kind == 0:  # paragraph
            for _ in range(int(rng.integers(2, 5))):
                draw.text((16, y), _words(rng, int(rng.integers(3, 9 if phone else 16))), font=text, fill=ink)
                y += 22
        elif kind == 1:  # button
            width = int(rng.integers(100, 220))
            draw.rounded_rectangle((16, y, 16 + width, y + 40), radius=8, fill=accent)
            draw.text((16 + width / 2, y + 20), _words(rng, 1), font=text, fill=(255, 255, 255), anchor="mm")
            y += 56
        elif kind == 2:  # input field
            draw.rounded_rectangle((16, y, size[0] - 16, y + 40), radius=4, outline=(150, 150, 150), width=2)
            draw.text((26, y + 12), _words(rng, 2), font=text, fill=(140, 140, 140))
            y += 56
        else:  # list rows with icons and separators
            for _ in range(int(rng.integers(2, 6))):
                draw.ellipse((16, y + 6, 46, y + 36), fill=_colour(rng))
                draw.text((58, y + 12), _words(rng, int(rng.integers(2, 6))), font=text, fill=ink)
                draw.line((58, y + 44, size[0], y + 44), fill=(200, 200, 200) if not dark else (60, 60, 60))
                y += 48
        y += 12
    return image


def build(root, counts=None, seed=0):
    """Write train/ val/ test/ folders of photo, illust and screenshot JPEG/PNG files; returns the root."""
    counts = counts or {"train": 30, "val": 10, "test": 20}
    root = Path(root)
    rng = np.random.default_rng(seed)
    for split, count in counts.items():
        originals = [source(name) for name in SOURCES[split]]
        for label in ("photo", "illust", "screenshot"):
            (root / split / label).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            photo(rng, originals[i % len(originals)]).save(root / split / "photo" / f"{i:03d}.jpg", quality=88)
            illustration(rng).save(root / split / "illust" / f"{i:03d}.png")
            shot = screenshot(rng)
            if rng.random() < 0.5:
                shot.save(root / split / "screenshot" / f"{i:03d}.png")
            else:
                shot.save(root / split / "screenshot" / f"{i:03d}.jpg", quality=85)
    return root


if __name__ == "__main__":
    build(sys.argv[1])
