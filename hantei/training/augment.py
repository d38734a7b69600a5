"""Extra training views of a photo for small folders: a few random crops beside the centre view, at 224 x 224.

No mirror view: the features (vision/features.py) already average every photo with its mirror image.
Four crops rather than two: 0.979 against 0.958 held-out on the kinds set (bench/results/training.md).
Not when the photos sit in source folders (flask train's --augment auto): across projects the crops cost the broad
kinds set's held-out illustrations 5.5 to 16 points (docs/training.md, bench/results/kinds-sources.md).
"""

from PIL import Image

from ..vision import embedder

SMALL_FOLDER = 100  # labels with fewer training photos than this get augmented views
CROPS = 4


def views(image, rng, crops=CROPS):
    """The centre view and `crops` random crops (60-100% of the short side, aspect 3:4 to 4:3)."""
    out = [embedder.fitted(image)]
    width, height = image.size
    short = min(width, height)
    for _ in range(crops):
        side = short * rng.uniform(0.6, 1.0)
        aspect = rng.uniform(3 / 4, 4 / 3)
        crop_w, crop_h = min(width, side * aspect ** 0.5), min(height, side / aspect ** 0.5)
        left, top = rng.uniform(0, width - crop_w), rng.uniform(0, height - crop_h)
        out.append(image.resize((embedder.SIZE, embedder.SIZE), Image.Resampling.BICUBIC,
                                box=(left, top, left + crop_w, top + crop_h)))
    return out
