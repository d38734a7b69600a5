"""The request side shared by the page and the API: take the uploaded file, judge it, keep the result."""

import socket

from flask import current_app, request

from ..heap import release_memory
from ..judges import UnknownJudge, decode_for, judge_decoded
from ..refusals import Refused
from ..store import StorageDown
from ..services import capacity, judges, limits, store
from . import counting, metrics
from .bodies import uploaded_bytes
from .throttle import Busy

STORAGE_RETRY_SECONDS = 30


def judge_request(request):
    """Judge what a page form or an API call carries: `image`, optional `judge`, and `keep=0` to keep no photo."""
    received_whole(request)
    return judge_upload(request.files.get("image"), request.values.get("judge"), keep_photo(request))


def keep_photo(request):
    """Whether the uploader lets hantei keep the photo (`keep=0` keeps none)."""
    return request.values.get("keep", "1") != "0"


def received_whole(request):
    """Parse the form, then read what is left of the body: a client gone before its end (ClientDisconnected, a 400)
    must not leave a result that nobody holds the link or the token to."""
    request.files  # noqa: B018 - parses the form first
    request.stream.read()


def judge_upload(file, judge_id=None, keep_photo=True):
    """Judge an uploaded werkzeug FileStorage and store the result; raise Refused for anything unusable."""
    try:
        return _judge_upload(file, judge_id, keep_photo)
    except Refused as refused:
        metrics.rejected(refused.code)
        counting.refused(refused.code, judge_id if judge_id in judges().loaded else judges().default)
        raise
    finally:
        release_memory()  # the decoded photo is garbage by now: give its heap back


def _judge_upload(file, judge_id, keep_photo):
    try:
        judge = judges().get(judge_id)
    except UnknownJudge:
        raise Refused("unknown_judge", 400, judge=judge_id or judges().default) from None
    data = uploaded_bytes(file)
    if not data and not (file and file.filename):
        raise Refused("no_file", 400)
    if len(data) > current_app.config["MAX_CONTENT_LENGTH"]:
        raise too_large()  # a photo of an album's request, whose body may be larger
    # A decode counted quick runs in a judging slot (which bounds the worker's memory) and keeps it for the judging;
    # one counted slow, or that cannot be counted, runs in a child process outside the slots (one at a time per
    # worker, killed at HANTEI_DECODE_SECONDS), so it never holds the slot others' uploads wait for.
    slots = capacity()
    try:
        with slots.turn() as turn:
            decoded = decode_for(judge, data, limits(), keep_photo, holding=turn.decoding)
            with turn.judging():
                photo, judgement = judge_decoded(decoded, judge)
    except Busy:
        raise Refused("busy", 503, {"Retry-After": str(max(1, round(slots.wait_seconds)))}) from None
    metrics.observe_judgement(judgement)
    if client_gone():
        raise Refused("bad_request", 400)  # nobody is there to be handed the link or the token: keep nothing
    try:
        record = store().save(judgement, photo.size, photo.jpeg() if keep_photo else None, photo.uploaded_size)
    except StorageDown:
        raise storage_down() from None
    counting.uploaded(record, keep_photo)
    return record


def client_gone():
    """Whether the client closed its connection while its photo was decoded and judged (gunicorn's socket reads
    end-of-file); a pipelined next request or nothing yet means it is still there."""
    connection = request.environ.get("gunicorn.socket")
    if connection is None:
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def storage_down():
    """The refusal while the photo store cannot be reached: nothing was kept, try again shortly."""
    return Refused("storage_down", 503, {"Retry-After": str(STORAGE_RETRY_SECONDS)})


def too_large():
    """The refusal for a request body over MAX_CONTENT_LENGTH."""
    return Refused("too_large", 413, megabytes=round(current_app.config["MAX_CONTENT_LENGTH"] / 1024 / 1024))


def rate_limited(retry_after):
    """The refusal for a client over its upload rate limit."""
    return Refused("rate_limited", 429, {"Retry-After": str(retry_after)})
