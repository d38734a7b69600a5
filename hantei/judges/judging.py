"""The one judging function: upload bytes -> intake -> judge -> Judgement, shared by page, API and CLI."""

import time

from .. import intake
from .needs import judge_need, to_frame


def judge_bytes(data, judge, limits, keep_photo=True):
    """Judge untrusted bytes with a judge; return the sanitised Photo and the Judgement (raises refusals.Refused).

    With keep_photo false, the photo is decoded only as large as the judge's models need."""
    started = time.perf_counter()
    need = None if keep_photo else judge_need(judge)
    photo = intake.read_photo(data, limits, keep_source=judge.exact, need=need)
    taken = time.perf_counter()
    judgement = judge.judge(photo.image, photo.source)
    if judge.kind == "score":
        photo, judgement = most_decided_frame(data, judge, limits, photo, judgement)
    to_frame(judgement.regions, photo.image.size, photo.size)
    judgement.timings_ms = {
        "intake": (taken - started) * 1000,
        **judgement.timings_ms,
        "total": (time.perf_counter() - started) * 1000,
    }
    judgement.timings_ms = {stage: round(ms, 1) for stage, ms in judgement.timings_ms.items()}
    return photo, judgement


def most_decided_frame(data, judge, limits, photo, judgement):
    """An animation is judged on frames spread through it: the highest score decides, and its frame is kept.

    So a GIF whose later frames are explicit does not pass on a wholesome first frame."""
    animation = intake.animation_frames(data, limits, keep_source=judge.exact)
    if animation is None:
        return photo, judgement
    best = (photo, judgement, 0)
    for index, frame in animation.frames:
        judged = judge.judge(frame.image, frame.source)
        if judged.score > best[1].score:
            best = (frame, judged, index)
    photo, judgement, index = best
    judgement.frame = {"index": index, "count": animation.count}
    return photo, judgement
