"""The NudeNet detector, run by hantei's own pre- and post-processing, agrees with nudenet itself (on photos already
at the detector's size: hantei's shrink is antialiased on purpose, nudenet's is not), and sees the same picture
whatever size a photo comes at."""

import cv2
import numpy as np
import pytest
from nudenet import NudeDetector
from PIL import Image

from hantei.vision.detectors import NudeNetDetector, nms
from hantei.vision.resample import antialiased, letterbox_top_left, linear_like_opencv
from tests.photos import NOBODY, PEOPLE

CONFIDENT = 0.4  # detections compared on both sides; the other side may be a little less sure


@pytest.fixture(scope="module")
def reference():
    return NudeDetector()


@pytest.fixture(scope="module")
def ours():
    return NudeNetDetector()


def iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)


def assert_covered(theirs, mine):
    """Every confident detection in theirs has one in mine: same class, IoU >= 0.8, score within 0.05."""
    for t in (d for d in theirs if d["score"] >= CONFIDENT):
        matches = [m for m in mine if m["class"] == t["class"] and iou(m["box"], t["box"]) >= 0.8]
        assert matches, f"{t} not found in {mine}"
        assert min(abs(m["score"] - t["score"]) for m in matches) <= 0.05, (t, matches)


def variants():
    """The sample photos as they are, plus a mirrored and an enlarged copy of the people photos."""
    for name, path in {**PEOPLE, **NOBODY}.items():
        yield name, Image.open(path).convert("RGB")
    for name, path in PEOPLE.items():
        image = Image.open(path).convert("RGB")
        yield f"{name}-mirrored", image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        padded = np.pad(np.asarray(image), ((0, 0), (0, image.width // 2), (0, 0)), "edge")
        yield f"{name}-padded", Image.fromarray(padded)


@pytest.mark.parametrize("name,image", list(variants()), ids=lambda v: v if isinstance(v, str) else "")
def test_parity_with_nudenet(reference, ours, name, image):
    image = at_detector_size(image)
    # nudenet reads BGR arrays the way cv2.imread gives them.
    theirs = reference.detect(np.ascontiguousarray(np.asarray(image)[:, :, ::-1]))
    mine = [{"class": r.label, "score": r.score, "box": r.box} for r in ours.detect(image)]
    assert_covered(theirs, mine)
    assert_covered(mine, theirs)


def at_detector_size(image, side=320):
    """The photo shrunk (antialiased) to the detector's long side: neither side resizes it any further."""
    scale = side / max(image.size)
    return antialiased(image, (round(image.width * scale), round(image.height * scale)))


def test_the_detector_sees_the_same_picture_at_any_size(ours):
    """A phone photo at 12 MP, as decoded from its file (1008 px), as shrunk by a page (1024) and at 1920 px: the
    same regions with nearly the same confidence (OpenCV's bilinear moved them by up to 0.13 and changed a band)."""
    photo = Image.open(PEOPLE["astronaut"]).convert("RGB").resize((4032, 4032), Image.Resampling.BICUBIC)
    sizes = [photo.reduce(4), photo.resize((1024, 1024), Image.Resampling.LANCZOS),
             photo.resize((1920, 1920), Image.Resampling.BICUBIC), photo.reduce(8)]
    found = [{r.label: r.score for r in ours.detect(image) if r.score >= CONFIDENT} for image in sizes]
    assert found[0] and all(set(f) == set(found[0]) for f in found)
    assert all(abs(f[label] - found[0][label]) <= 0.02 for f in found for label in f)


def test_parity_photos_find_faces(ours):
    found = {name: {r.label for r in ours.detect(Image.open(path).convert("RGB")) if r.score >= CONFIDENT}
             for name, path in PEOPLE.items()}
    assert found == {"astronaut": {"FACE_FEMALE"}, "camera": {"FACE_MALE"}, "grace_hopper": {"FACE_FEMALE"}}


def test_boxes_are_in_photo_pixels(ours):
    image = Image.open(PEOPLE["astronaut"]).convert("RGB")
    small = ours.detect(image)
    large = ours.detect(image.resize((1024, 1024), Image.Resampling.BICUBIC))
    face_small = next(r for r in small if r.label == "FACE_FEMALE").box
    face_large = next(r for r in large if r.label == "FACE_FEMALE").box
    assert iou([v * 2 for v in face_small], face_large) >= 0.8
    for region in large:
        x, y, w, h = region.box
        assert 0 <= x and 0 <= y and x + w <= 1024 and y + h <= 1024


def test_nms_keeps_best_of_overlapping_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], dtype=np.float32)
    scores = np.array([0.5, 0.9, 0.3], dtype=np.float32)
    assert nms(boxes, scores, 0.45) == [1, 2]


def test_letterbox_pads_bottom_right_in_black():
    image = Image.new("RGB", (200, 100), (255, 255, 255))
    canvas, scale = letterbox_top_left(image, 320)
    pixels = np.asarray(canvas)
    assert scale == 1.6
    assert pixels[:160, :].min() == 255 and pixels[160:, :].max() == 0


def test_linear_resize_is_opencvs_own_on_small_downscales():
    image = Image.open(PEOPLE["camera"]).convert("RGB")
    theirs = cv2.resize(np.asarray(image), (300, 300), interpolation=cv2.INTER_LINEAR)
    assert np.array_equal(np.asarray(linear_like_opencv(image, (300, 300))), theirs)
