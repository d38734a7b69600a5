"""Every error answered as hantei's own page, or as JSON for the API and scripts: never Werkzeug's page."""

from flask import Blueprint, render_template
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from ..refusals import Refused
from . import lang
from .pages import refused_response, wants_json
from .uploads import rate_limited, too_large

bp = Blueprint("errors", __name__)


def message_page(reason, status, headers=None):
    """A page (or JSON error) that says one thing, with a way back to the upload page."""
    refused = Refused(reason, status, headers)
    if wants_json():
        return refused.as_json(lang())
    return render_template("message.html", message=refused.message(lang())), status, headers or {}


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


@bp.app_errorhandler(CSRFError)
def form_expired(_error):
    return message_page("csrf", 400)


@bp.app_errorhandler(404)
def not_found(_error):
    return message_page("not_found", 404)


@bp.app_errorhandler(410)
def gone(_error):
    return message_page("gone", 410)


@bp.app_errorhandler(HTTPException)
def other_http_error(error):
    """Any other status (405, 400…) as hantei's own page in the visitor's language, keeping its headers."""
    reason = HTTP_REASONS.get(error.code, "http_error")
    headers = {k: v for k, v in error.get_headers() if k.lower() == "allow"}
    return message_page(reason, error.code or 500, headers)


@bp.app_errorhandler(InternalServerError)
def server_error(_error):
    return message_page("server_error", 500)


HTTP_REASONS = {400: "bad_request", 405: "method_not_allowed", 500: "server_error"}
