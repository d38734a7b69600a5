"""The request side shared by the page and the API: take the uploaded file, judge it, keep the result."""

from flask import current_app

from . import metrics
from .bodies import uploaded_bytes
from .i18n import refusal
from .intake import Rejected
from .judges import UnknownJudge
from .judging import judge_bytes
from .throttle import Busy


class Refused(Exception):
    """An upload turned away, with its status, headers and a message in the visitor's language."""

    def __init__(self, reason, status, headers=None, **values):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.headers = headers or {}
        self.values = values

    @property
    def message(self):
        return refusal(self.reason, **self.values)

    def as_json(self):
        """The API's error answer: body, status and headers."""
        return {"error": {"code": self.reason, "message": self.message}}, self.status, self.headers


def judges():
    return current_app.extensions["hantei.judges"]


def store():
    return current_app.extensions["hantei.store"]


def limit_values():
    """The numbers that refusal messages quote."""
    config = current_app.config
    return {
        "megapixels": round(config["MAX_PIXELS"] / 1e6),
        "megabytes": round(config["MAX_CONTENT_LENGTH"] / 1024 / 1024),
    }


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
    data = uploaded_bytes(file)
    if not data and not (file and file.filename):
        raise Refused("no_file", 400)
    capacity = current_app.extensions["hantei.capacity"]
    try:
        with capacity.slot():
            photo, judgement = judge_bytes(data, judge, current_app.extensions["hantei.limits"], keep_photo)
    except Rejected as rejected:
        raise refused_for(rejected) from None
    except Busy:
        raise Refused("busy", 503, {"Retry-After": str(max(1, round(capacity.wait_seconds)))}) from None
    metrics.observe_judgement(judgement)
    return store().save(photo, judgement, keep_photo=keep_photo)


def refused_for(rejected):
    """The Refused that tells a person why intake rejected their file, with the limit it broke."""
    values = limit_values() if rejected.reason == "too_many_pixels" else {}
    return Refused(rejected.reason, rejected.status, **values)


def too_large():
    """The refusal for a request body over MAX_CONTENT_LENGTH."""
    return Refused("too_large", 413, megabytes=limit_values()["megabytes"])


def rate_limited(retry_after):
    """The refusal for a client over its upload rate limit."""
    return Refused("rate_limited", 429, {"Retry-After": str(retry_after)})
