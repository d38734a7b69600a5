"""Make a photo unrecognisable, for sensitive results: keep a few dozen averaged colours, then blur them."""

from PIL import Image, ImageFilter

VERSION = 1  # names the blurred copies on disk: bump it when the blur changes
LONG_SIDE = 640  # the blurred copy is shown small (a page, a card), so it needs no more pixels than this
CELLS = 10  # colours kept along the long side: too few for a face, a body or a word to survive


def obscure(image):
    """Return a blurred copy of an RGB image, at most LONG_SIDE pixels long, in which nothing can be made out."""
    width, height = image.size
    scale = CELLS / max(width, height)
    cells = image.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.BOX)
    scale = min(1.0, LONG_SIDE / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    smooth = cells.resize(size, Image.Resampling.BICUBIC)
    return smooth.filter(ImageFilter.GaussianBlur(max(size) / CELLS / 2))
