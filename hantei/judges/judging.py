"""Upload bytes -> Judgement in two named steps, shared by page, API and CLI: intake (bytes -> Upload: the bytes
opened once, in hantei.intake) and judging (Upload -> the kept Photo and its Judgement, in the judge's models)."""

import time
from contextlib import nullcontext

from .. import intake
from .needs import judge_need, to_stored_pixels


def judge_bytes(data, judge, limits, keep_photo=True):
    """Judge untrusted bytes with a judge; return the sanitised Photo and the Judgement (raises refusals.Refused)."""
    return judge_decoded(decode_for(judge, data, limits, keep_photo), judge)


def decode_for(judge, data, limits, keep_photo=True, holding=nullcontext):
    """The intake step: decode the bytes as this judge needs them (an intake.Upload, timed).

    With keep_photo false, the photo is decoded only as large as the judge's models need, and so is a kept photo
    that is kept as it was sent (a JPEG already small enough, its metadata taken out); a score judge also gets
    frames spread through an animation (intake looks for them only in formats that animate). holding: what a quick
    decode in this process holds (a judging slot; see intake.read_upload)."""
    started = time.perf_counter()
    need = judge_need(judge)
    upload = intake.read_upload(data, limits, keep_source=judge.exact, need=None if keep_photo else need,
                                frames=judge.kind == "score", holding=holding, kept_need=need if keep_photo else None)
    return Decoded(upload, (time.perf_counter() - started) * 1000)


class Decoded:
    """An intake.Upload and the milliseconds intake took to make it."""

    def __init__(self, upload, intake_ms):
        self.upload, self.intake_ms = upload, intake_ms


def judge_decoded(decoded, judge):
    """The judging step: the judge's models on the photo (and an animation's frames); the Photo kept and the
    Judgement, its boxes in the kept photo's pixels and its timings in milliseconds."""
    started = time.perf_counter()
    photo = decoded.upload.photo
    judgement = judge.judge(photo.image, photo.source)
    if decoded.upload.animation is not None:
        photo, judgement = most_decided_frame(decoded.upload.animation, judge, photo, judgement)
    to_stored_pixels(judgement.regions, photo.image.size, photo.size)
    judgement.timings_ms = {
        "intake": decoded.intake_ms,
        **judgement.timings_ms,
        "total": decoded.intake_ms + (time.perf_counter() - started) * 1000,
    }
    judgement.timings_ms = {stage: round(ms, 1) for stage, ms in judgement.timings_ms.items()}
    return photo, judgement


def most_decided_frame(animation, judge, photo, judgement):
    """An animation is judged on frames spread through it: the highest score decides, and its frame is kept.

    So a GIF whose later frames are explicit does not pass on a wholesome first frame."""
    best = (photo, judgement, 0)
    for index, frame in animation.frames:
        judged = judge.judge(frame.image, frame.source)
        if judged.score > best[1].score:
            best = (frame, judged, index)
    photo, judgement, index = best
    judgement.frame = {"index": index, "count": animation.count}
    return photo, judgement
