"""Every error answered as hantei's own page, or as JSON for the API and scripts: never Werkzeug's page."""

from flask import Blueprint, current_app, request
from flask.globals import request_ctx
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, SecurityError

from ...refusals import Refused
from ...store import StorageDown
from ..answers import message, refusal
from ..bodies import BadFormName
from ..throttle import seconds_to_reset
from ..uploads import STORAGE_RETRY_SECONDS, rate_limited, too_large

bp = Blueprint("errors", __name__)
# The refusal code of each HTTP status the app or Werkzeug may raise; any other status says so in general terms.
CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 410: "gone",
           500: "server_error", 503: "unavailable"}
PASSED_ON = ("Allow", "Retry-After", "WWW-Authenticate")  # headers of an HTTP error that the answer keeps


@bp.app_errorhandler(Refused)
def refused(error):
    """An upload turned away: the upload page with the message, or JSON for the API and scripts."""
    return refusal(error)


@bp.get("/errors/too-large")
def too_large_page():
    """The 413 answer that nginx shows when it refused an upload before the app saw it."""
    return refusal(too_large())


@bp.app_errorhandler(RequestEntityTooLarge)
def upload_too_large(_error):
    """Over the body limit, or (the body itself being small enough) a form field or part count over the form's."""
    declared = request.content_length
    if declared is not None and declared <= current_app.config["MAX_CONTENT_LENGTH"]:
        kilobytes = round(current_app.config["MAX_FORM_MEMORY_SIZE"] / 1024)
        return refusal(Refused("field_too_large", 413, kilobytes=kilobytes,
                                        parts=current_app.config["MAX_FORM_PARTS"]))
    return refusal(too_large())


@bp.app_errorhandler(RateLimitExceeded)
def upload_rate_limited(_error):
    """Over the client's upload limit: a 429 whose Retry-After (and message) says when its window lets it in."""
    return refusal(rate_limited(seconds_to_reset()))


@bp.app_errorhandler(StorageDown)
def storage_down(error):
    """A page, photo or delete that needs the photo store while it is unreachable: a 503 that says so."""
    current_app.logger.warning("photo store unreachable: %s", error)
    return message("storage_down", 503, {"Retry-After": str(STORAGE_RETRY_SECONDS)})


@bp.app_errorhandler(CSRFError)
def form_expired(_error):
    return message("csrf", 400)


@bp.app_errorhandler(BadFormName)
def bad_form_name(_error):
    return refusal(Refused("bad_filename", 400))


@bp.app_errorhandler(SecurityError)
def untrusted_host(_error):
    """A Host header the site does not answer for: say so, building links for the first trusted host."""
    if request_ctx.url_adapter is None:
        hosts = current_app.config["TRUSTED_HOSTS"] or ["localhost"]
        request_ctx.url_adapter = current_app.url_map.bind(hosts[0], script_name=request.script_root or None,
                                                           url_scheme=request.scheme)
    return message("bad_host", 400)


@bp.app_errorhandler(HTTPException)
def http_error(error):
    """Any other HTTP error Flask or Werkzeug raises (404, 405, 400, 503…), in hantei's words."""
    status = error.code or 500
    headers = {name: value for name, value in error.get_headers() if name in PASSED_ON}
    code = CODES.get(status, "http_error")
    return message(code, status, headers, **({"status": status} if code == "http_error" else {}))


@bp.app_errorhandler(Exception)
def server_error(error):
    """A bug: logged with its traceback for the operator, a plain apology for the visitor."""
    current_app.logger.error("unhandled error on %s %s", request.method, request.path, exc_info=error)
    return message("server_error", 500)
