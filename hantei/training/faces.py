"""flask train --face: learn from the largest face in each photo, cropped exactly as a face judge crops it."""

from ..vision.regions import widened
from ..vision.detectors import DETECTORS

DETECTOR = "face"
MARGIN = 0.25  # the judge manifest's default margin, so that training and serving see the same crop


class NoFace(Exception):
    """The photo has no face to learn from."""


class FaceCrops:
    """Turns a photo into the crop of its largest face (CenterFace, as the served judge detects)."""

    def __init__(self, margin=MARGIN):
        self.detector = DETECTORS[DETECTOR]()
        self.margin = margin

    def __call__(self, image):
        regions = self.detector.detect(image)
        if not regions:
            raise NoFace()
        largest = max(regions, key=lambda region: region.box[2] * region.box[3])
        return image.crop(widened(largest.box, self.margin, image.size))
