"""Every error answered as hantei's own page, or as JSON for the API and scripts: never Werkzeug's page."""

from flask import Blueprint, current_app, render_template
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from ..refusals import Refused
from ..store import StorageDown
from . import lang
from .pages import refused_response, wants_json
from .uploads import STORAGE_RETRY_SECONDS, rate_limited, too_large

bp = Blueprint("errors", __name__)


def message_page(reason, status, headers=None):
    """A page (or JSON error) that says one thing, with a way back to the upload page."""
    refused = Refused(reason, status, headers)
    if wants_json():
        return refused.as_json(lang())
    return render_template("message.html", message=refused.message(lang())), status, headers or {}


@bp.app_errorhandler(Refused)
def refused(error):
    """An upload turned away: the upload page with the message, or JSON for the API and scripts."""
    return refused_response(error)


@bp.get("/errors/too-large")
def too_large_page():
    """The 413 answer that nginx shows when it refused an upload before the app saw it."""
    return refused_response(too_large())


@bp.app_errorhandler(RequestEntityTooLarge)
def upload_too_large(_error):
    return refused_response(too_large())


@bp.app_errorhandler(RateLimitExceeded)
def upload_rate_limited(error):
    retry_after = error.retry_after if getattr(error, "retry_after", None) else 60
    return refused_response(rate_limited(int(retry_after)))


@bp.app_errorhandler(StorageDown)
def storage_down(error):
    """A page, photo or delete that needs the photo store while it is unreachable: a 503 that says so."""
    current_app.logger.warning("photo store unreachable: %s", error)
    return message_page("storage_down", 503, {"Retry-After": str(STORAGE_RETRY_SECONDS)})


@bp.app_errorhandler(CSRFError)
def form_expired(_error):
    return message_page("csrf", 400)


@bp.app_errorhandler(404)
def not_found(_error):
    return message_page("not_found", 404)


@bp.app_errorhandler(410)
def gone(_error):
    return message_page("gone", 410)
