"""The request side shared by the page and the API: take the uploaded file, judge it, keep the result."""

from flask import current_app

from ..judges import UnknownJudge, judge_bytes
from ..refusals import Refused
from . import capacity, judges, limits, metrics, store
from .throttle import Busy


def judge_request(request):
    """Judge what a page form or an API call carries: `image`, optional `judge`, and `keep=0` to keep no photo."""
    return judge_upload(request.files.get("image"), request.values.get("judge"),
                        keep_photo=request.values.get("keep", "1") != "0")


def judge_upload(file, judge_id=None, keep_photo=True):
    """Judge an uploaded werkzeug FileStorage and store the result; raise Refused for anything unusable."""
    try:
        return _judge_upload(file, judge_id, keep_photo)
    except Refused as refused:
        metrics.rejected(refused.reason)
        raise


def _judge_upload(file, judge_id, keep_photo):
    try:
        judge = judges().get(judge_id)
    except UnknownJudge:
        raise Refused("unknown_judge", 400, judge=judge_id or judges().default) from None
    data = file.read() if file is not None else b""
    if not data and not (file and file.filename):
        raise Refused("no_file", 400)
    if len(data) > current_app.config["MAX_CONTENT_LENGTH"]:
        raise too_large()  # a photo of an album's request, whose body may be larger
    slots = capacity()
    try:
        with slots.slot():
            photo, judgement = judge_bytes(data, judge, limits())
    except Busy:
        raise Refused("busy", 503, {"Retry-After": str(max(1, round(slots.wait_seconds)))}) from None
    metrics.observe_judgement(judgement)
    return store().save(judgement, photo.size, photo.jpeg() if keep_photo else None)


def too_large():
    """The refusal for a request body over MAX_CONTENT_LENGTH."""
    return Refused("too_large", 413, megabytes=round(current_app.config["MAX_CONTENT_LENGTH"] / 1024 / 1024))


def rate_limited(retry_after):
    """The refusal for a client over its upload rate limit."""
    return Refused("rate_limited", 429, {"Retry-After": str(retry_after)})
