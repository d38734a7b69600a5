"""The upload page and its form, the phone's share target, the home card, the language switch and robots.txt."""

import io
import re
from urllib.parse import urlsplit

from flask import Blueprint, current_app, make_response, redirect, request, send_file

from ...i18n import LANGUAGES
from ...services import lang
from .. import site_card
from ..answers import message, upload_page
from ..posting import post_photos
from ..presenting import label_name, phrase_filter
from ..language import COOKIE
from ..security import csrf, from_elsewhere
from ..throttle import uploads

bp = Blueprint("pages", __name__)
# Link-preview crawlers that may fetch result pages and cards; robots.txt keeps every other robot out of them.
SHARE_BOTS = ("Twitterbot", "facebookexternalhit", "Discordbot", "Slackbot", "Slackbot-LinkExpanding", "Line")


@bp.app_context_processor
def page_helpers():
    return {"lang": lang, "languages": LANGUAGES, "label_name": label_name}


@bp.app_template_filter("phrases")
def phrases(text):
    return phrase_filter(text)


@bp.app_template_filter("hook")
def hook(description):
    """A judge's one-line hook for its card on the home page: the first sentence of its description."""
    text = str(description).strip()
    first = re.match(r"(.+?(?:[。！？!?]|\.(?=\s)))", text)
    return first.group(1) if first else text


@bp.get("/")
def index():
    return upload_page()


@bp.post("/judge")
@uploads
def judge():
    return post_photos()


@bp.post("/share")
@csrf.exempt  # the phone's share sheet posts here without a form of ours, so it carries no token
@uploads
def share():
    """Android's "Share → hantei" (the manifest's share_target): one photo lands on its result, several on an album.

    Only from the installed app (the share sheet's own navigation, or this site): another site's post is refused."""
    if from_elsewhere(("same-origin", "none")):
        return message("cross_site", 403)
    return post_photos()


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
