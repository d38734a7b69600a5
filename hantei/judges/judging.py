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
    to_frame(judgement.regions, photo.image.size, photo.size)
    judgement.timings_ms = {
        "intake": (taken - started) * 1000,
        **judgement.timings_ms,
        "total": (time.perf_counter() - started) * 1000,
    }
    judgement.timings_ms = {stage: round(ms, 1) for stage, ms in judgement.timings_ms.items()}
    return photo, judgement
