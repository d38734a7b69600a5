"""The upload page and its form, the language switch and robots.txt."""

import io
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, make_response, redirect, render_template, request, send_file, session,
                   url_for)

from ..i18n import LANGUAGES
from . import COOKIE, judges, lang
from . import site_card
from .showing import label_name, phrase_filter, region_name
from .throttle import uploads
from .uploads import judge_request

bp = Blueprint("web", __name__)
OWNED_KEPT = 20  # how many of a visitor's own results the session cookie remembers
# Link-preview crawlers that may fetch result pages and cards; robots.txt keeps every other robot out of them.
SHARE_BOTS = ("Twitterbot", "facebookexternalhit", "Discordbot", "Slackbot", "Slackbot-LinkExpanding", "Line")


@bp.app_context_processor
def page_helpers():
    return {"lang": lang, "languages": LANGUAGES, "region_name": region_name, "label_name": label_name}


@bp.app_template_filter("phrases")
def phrases(text):
    return phrase_filter(text)


@bp.get("/")
def index():
    return render_upload()


def render_upload(error=None, status=200, headers=None):
    """The upload page, with an error message when the last upload was refused."""
    return render_template(
        "index.html",
        judges=list(judges()),
        site=site_card.facts(),
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
    record = judge_request(request)  # a Refused is answered by errors.refused
    owned = dict(list(session.get("owned", {}).items())[-(OWNED_KEPT - 1):])
    owned[record.id] = record.owner_token
    session["owned"] = owned
    session["fresh"] = record.id  # the result page shows its delete link once, to the uploader
    if wants_json():
        return {"id": record.id, "url": url_for("results.result", result_id=record.id)}, 201
    return redirect(url_for("results.result", result_id=record.id), 303)


@bp.get("/card.jpg")
def card():
    """The home page's share card: the operator's DATA_DIR/site-card.jpg, else drawn from the judges' titles."""
    path, data = site_card.image()
    if path is not None:
        return send_file(path, mimetype="image/jpeg", max_age=86400)
    return send_file(io.BytesIO(data), mimetype="image/jpeg", max_age=86400)


@bp.get("/apple-touch-icon.png")
def touch_icon():
    """Where phones look for the home-screen icon when a page names none."""
    return current_app.send_static_file("apple-touch-icon.png")


@bp.get("/robots.txt")
def robots():
    """Link-preview bots may read result pages and cards; search engines may index the upload page alone.

    "/$" is the home page only (RFC 9309 and every major crawler read "$" as the end of the path)."""
    lines = [f"User-agent: {bot}" for bot in SHARE_BOTS]
    lines += ["Allow: /$", "Allow: /card.jpg", "Allow: /r/", "Allow: /a/", "Allow: /static/", "Disallow: /", "",
              "User-agent: *", "Allow: /$", "Disallow: /", ""]
    headers = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "public, max-age=86400"}
    return "\n".join(lines), 200, headers


@bp.get("/lang/<code>")
def switch_language(code):
    """Remember the visitor's language and go back to the page they were on."""
    target = local_path(request.args.get("next", "/"))
    response = make_response(redirect(target, 303))
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=365 * 86400, samesite="Lax", secure=request.is_secure)
    return response


def local_path(target):
    """target when it is a path on this site, else "/": no other host, scheme, backslash or control character."""
    if (not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(char) < 32 or ord(char) == 127 for char in target)):
        return "/"
    try:
        parts = urlsplit(target)
    except ValueError:
        return "/"
    return "/" if parts.scheme or parts.netloc else target
