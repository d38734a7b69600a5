"""HTML pages: upload, result, photo, delete, language switch; thin over uploads and store."""

from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, make_response, redirect, render_template, request,
                   send_file, session, url_for)
from flask_babel import get_locale
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from .i18n import COOKIE, LANGUAGES, refusal, region_label
from .links import external
from .security import csrf
from .throttle import uploads
from .uploads import Refused, judge_upload, judges, rate_limited, store, too_large

bp = Blueprint("web", __name__)
OWNED_KEPT = 20  # how many of a visitor's own results the session cookie remembers


def lang():
    return str(get_locale())


@bp.app_context_processor
def page_helpers():
    return {"lang": lang, "languages": LANGUAGES, "region_label": region_label, "label_name": label_name}


def label_name(judge, label):
    """A classifier label as its judge names it in the visitor's language (as it is when the judge is gone)."""
    return judge.names.get(label, {}).get(lang(), label) if judge and label in judge.names else label


@bp.get("/")
def index():
    return render_upload()


def render_upload(error=None, status=200, headers=None):
    """The upload page, with an error message when the last upload was refused."""
    return render_template(
        "index.html",
        judges=list(judges()),
        default_judge=judges().default,
        error=error,
        max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
        long_side=current_app.config["STORE_LONG_SIDE"],
    ), status, headers or {}


def wants_json():
    """Whether the caller reads JSON: the API, or the upload page's own script (for progress and errors)."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def refused_response(refused):
    """A refused upload: JSON for scripts, else the upload page with the message, same status either way."""
    if wants_json():
        return refused.as_json()
    return render_upload(refused.message, refused.status, refused.headers)


@bp.get("/judges")
def judges_page():
    return render_template("judges.html", judges=list(judges()), default_judge=judges().default)


@bp.post("/judge")
@uploads
def judge():
    try:
        record = judge_upload(
            request.files.get("image"), request.form.get("judge"), keep_photo=request.form.get("keep", "1") != "0"
        )
    except Refused as refused:
        return refused_response(refused)
    owned = dict(list(session.get("owned", {}).items())[-(OWNED_KEPT - 1):])
    owned[record.id] = record.owner_token
    session["owned"] = owned
    if wants_json():
        return {"id": record.id, "url": url_for("web.result", result_id=record.id)}, 201
    return redirect(url_for("web.result", result_id=record.id), 303)


def found(result_id):
    """The stored result, or a 404 / 410 page."""
    record = store().get(result_id)
    if record is None:
        abort(404)
    if record.expired:
        abort(410)
    return record


@bp.get("/r/<result_id>")
def result(result_id):
    record = found(result_id)
    judge = judges().loaded.get(record.judgement.judge)
    return render_template(
        "result.html",
        record=record,
        judge=judge,
        owner=result_id in session.get("owned", {}),
        page_url=external("web.result", result_id=result_id),
    )


@bp.get("/r/<result_id>/photo.jpg")
def photo(result_id):
    record = found(result_id)
    if not record.has_photo:
        abort(404)
    return send_file(store().photo_path(record.id), mimetype="image/jpeg", max_age=3600)


@bp.post("/r/<result_id>/delete")
@csrf.exempt
def delete(result_id):
    """Delete a result: with the token of the API's delete_url, or as the owner whose session holds it."""
    token = request.values.get("token")
    if not token:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()  # the session cookie alone must not let another site delete on the owner's behalf
        token = session.get("owned", {}).get(result_id)
    if not store().is_owner(result_id, token):
        return message_page("not_owner", 403)
    store().delete(result_id)
    session["owned"] = {k: v for k, v in session.get("owned", {}).items() if k != result_id}
    if wants_json():
        return {"deleted": result_id}
    return render_template("message.html", message=refusal("gone"), deleted=True)


@bp.get("/lang/<code>")
def switch_language(code):
    """Remember the visitor's language and go back to the page they were on."""
    target = request.args.get("next", "/")
    if urlsplit(target).netloc or not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = make_response(redirect(target, 303))
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=365 * 86400, samesite="Lax")
    return response


def message_page(reason, status, headers=None):
    """A page (or JSON error) that says one thing, with a way back to the upload page."""
    if wants_json():
        return Refused(reason, status, headers).as_json()
    return render_template("message.html", message=refusal(reason)), status, headers or {}


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
