"""The upload page and its form, the language switch and robots.txt."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, make_response, redirect, render_template, request, session, url_for

from ..i18n import LANGUAGES, region_label
from . import COOKIE, judges, lang
from .throttle import uploads
from .uploads import Refused, judge_request

bp = Blueprint("web", __name__)
OWNED_KEPT = 20  # how many of a visitor's own results the session cookie remembers
# Link-preview crawlers that may fetch result pages and cards; robots.txt keeps every other robot out of them.
SHARE_BOTS = ("Twitterbot", "facebookexternalhit", "Discordbot", "Slackbot", "Slackbot-LinkExpanding", "Line")


@bp.app_context_processor
def page_helpers():
    return {"lang": lang, "languages": LANGUAGES, "region_label": lambda label: region_label(label, lang()),
            "label_name": label_name}


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
        return refused.as_json(lang())
    return render_upload(refused.message(lang()), refused.status, refused.headers)


@bp.post("/judge")
@uploads
def judge():
    if len(request.files.getlist("image")) > 1:
        from .albums import post_album_page
        return post_album_page()
    return judge_one()


def judge_one():
    """One photo from the form: 303 to its result page (JSON for the page's script)."""
    try:
        record = judge_request(request)
    except Refused as refused:
        return refused_response(refused)
    owned = dict(list(session.get("owned", {}).items())[-(OWNED_KEPT - 1):])
    owned[record.id] = record.owner_token
    session["owned"] = owned
    session["fresh"] = record.id  # the result page shows its delete link once, to the uploader
    if wants_json():
        return {"id": record.id, "url": url_for("results.result", result_id=record.id)}, 201
    return redirect(url_for("results.result", result_id=record.id), 303)


@bp.get("/robots.txt")
def robots():
    """Link-preview bots may read result pages and cards; search engines may index the upload page alone.

    "/$" is the home page only (RFC 9309 and every major crawler read "$" as the end of the path)."""
    lines = [f"User-agent: {bot}" for bot in SHARE_BOTS]
    lines += ["Allow: /$", "Allow: /r/", "Allow: /a/", "Allow: /static/", "Disallow: /", "",
              "User-agent: *", "Allow: /$", "Disallow: /", ""]
    return "\n".join(lines), 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "public, max-age=86400"}


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
