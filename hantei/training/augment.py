"""Extra training views of a photo for small folders: its mirror image and a few random crops, at 224 x 224."""

from PIL import Image, ImageOps

from ..vision import embedder

SMALL_FOLDER = 100  # labels with fewer training photos than this get augmented views


def views(image, rng, crops=2):
    """The centre view, its mirror, and `crops` random crops (60-100% of the short side, maybe mirrored)."""
    centre = embedder.fitted(image)
    out = [centre, ImageOps.mirror(centre)]
    width, height = image.size
    short = min(width, height)
    for _ in range(crops):
        side = short * rng.uniform(0.6, 1.0)
        aspect = rng.uniform(3 / 4, 4 / 3)
        crop_w, crop_h = min(width, side * aspect ** 0.5), min(height, side / aspect ** 0.5)
        left, top = rng.uniform(0, width - crop_w), rng.uniform(0, height - crop_h)
        square = image.resize((embedder.SIZE, embedder.SIZE), Image.Resampling.BICUBIC,
                              box=(left, top, left + crop_w, top + crop_h))
        out.append(ImageOps.mirror(square) if rng.random() < 0.5 else square)
    return out
