"""How many pixels a judge's models take from a photo, so that intake decodes no more when no photo is kept."""

from ..intake import Need

# A region (a face) spanning a quarter of the photo's long side still reaches its classifier at full resolution.
CROP_SPAN = 4


def detector_side(detector):
    """The long side a detector shrinks every photo to before it looks."""
    return int(getattr(detector, "side", 0) or getattr(detector, "long_side", 0))


def classifier_side(classifier):
    """The short side a classifier's input is cut from (its crop, or the side it first resizes to)."""
    preprocess = classifier.preprocess
    side = max(preprocess.size)
    return max(side, preprocess.shorter_side) if preprocess.fit == "shorter-side" else side


def judge_need(judge):
    """The Need of a judge, or None when it wants the photo whole (exact judges, detectors of unknown size)."""
    if judge.exact:
        return None
    long_side = short_side = 0
    if judge.detector is not None:
        long_side = detector_side(judge.detector)
        if not long_side:
            return None
    if judge.classifier is not None:
        if judge.detector is None:
            short_side = classifier_side(judge.classifier)
        else:
            long_side = max(long_side, CROP_SPAN * max(judge.classifier.preprocess.size))
    return Need(long_side=long_side, short_side=short_side)


def to_stored_pixels(regions, judged_size, stored_size):
    """Give boxes found on a reduced decode in the pixels of the size a stored copy has."""
    if tuple(judged_size) == tuple(stored_size):
        return
    sx, sy = stored_size[0] / judged_size[0], stored_size[1] / judged_size[1]
    for region in regions:
        x, y, w, h = region.box
        region.box = [round(x * sx), round(y * sy), max(1, round(w * sx)), max(1, round(h * sy))]
