"""The one judging function: upload bytes -> intake -> judge -> Judgement, shared by page, API and CLI."""

import time

from .. import intake


def judge_bytes(data, judge, limits):
    """Judge untrusted bytes with a judge; return the sanitised Photo and the Judgement (raises refusals.Refused)."""
    started = time.perf_counter()
    photo = intake.read_photo(data, limits, keep_source=judge.exact)
    taken = time.perf_counter()
    judgement = judge.judge(photo.image, photo.source)
    judgement.timings_ms = {
        "intake": (taken - started) * 1000,
        **judgement.timings_ms,
        "total": (time.perf_counter() - started) * 1000,
    }
    judgement.timings_ms = {stage: round(ms, 1) for stage, ms in judgement.timings_ms.items()}
    return photo, judgement
