"""HTML pages: upload, result, photo, card, reveal, delete, robots.txt, language switch; thin over the rest."""

from datetime import datetime, timezone
from urllib.parse import urlencode, urlsplit

from flask import (Blueprint, abort, current_app, make_response, redirect, render_template, request,
                   send_file, session, url_for)
from flask_babel import get_locale, gettext
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import RequestEntityTooLarge

from . import model_cards, share
from .i18n import COOKIE, LANGUAGES, refusal, region_label
from .links import external
from .security import csrf
from .throttle import uploads
from .uploads import Refused, judge_request, judges, rate_limited, store, too_large

bp = Blueprint("web", __name__)
OWNED_KEPT = 20  # how many of a visitor's own results the session cookie remembers
REVEAL_SECONDS = 3600  # how long a tap on "show the photo" lets that visitor load the clear photo
# Link-preview crawlers that may fetch result pages and cards; robots.txt keeps every other robot out of them.
SHARE_BOTS = ("Twitterbot", "facebookexternalhit", "Discordbot", "Slackbot", "Slackbot-LinkExpanding", "Line")


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


@bp.get("/judges/<judge_id>/card")
def model_card(judge_id):
    """A judge's model card: how it was trained and how well it does on held-out photos."""
    judge = judges().loaded.get(judge_id)
    if judge is None or not model_cards.has_card(judge):
        abort(404)
    return render_template("model_card.html", judge=judge, card=model_cards.render(judge))


@bp.get("/judges/<judge_id>/<name>.png")
def model_card_figure(judge_id, name):
    judge = judges().loaded.get(judge_id)
    path = model_cards.figure(judge, name + ".png") if judge else None
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/png", max_age=3600)


@bp.get("/judges")
def judges_page():
    return render_template("judges.html", judges=list(judges()), default_judge=judges().default,
                           has_card=model_cards.has_card)


@bp.post("/judge")
@uploads
def judge():
    try:
        record = judge_request(request)
    except Refused as refused:
        return refused_response(refused)
    owned = dict(list(session.get("owned", {}).items())[-(OWNED_KEPT - 1):])
    owned[record.id] = record.owner_token
    session["owned"] = owned
    session["fresh"] = record.id  # the result page shows its delete link once, to the uploader
    if wants_json():
        return {"id": record.id, "url": url_for("web.result", result_id=record.id)}, 201
    return redirect(url_for("web.result", result_id=record.id), 303)


def found(result_id):
    """The stored result, or a 404 page; a deleted or expired one answers 410 (and an expired one goes now)."""
    record = store().get(result_id)
    if record is None:
        abort(410 if store().gone(result_id) else 404)
    if record.expired:
        store().delete(result_id)
        abort(410)
    return record


def judge_title(record):
    judge = judges().loaded.get(record.judgement.judge)
    return judge.title[lang()] if judge else record.judgement.judge


def card_text(record):
    """What the result's card says, in the visitor's language."""
    sensitive, kept = record.judgement.sensitive, record.has_photo
    note = gettext("Sensitive photo: blurred") if sensitive and kept else ""
    note = note or ("" if kept else gettext("The uploader chose not to keep the photo."))
    site = current_app.config["SITE_NAME"]
    host = urlsplit(external("web.index")).netloc
    return share.CardText(
        judge=judge_title(record),
        verdict=record.judgement.verdict[lang()],
        score=round(record.judgement.score, 2),
        score_label=gettext("Score"),
        site=f"{site} · {host}" if host and host != site else site,
        note=note,
    )


def share_links(record, page_url):
    """Links that share a result without any third-party script: X's intent, LINE's share page."""
    text = gettext("%(judge)s says: %(verdict)s (score %(score)s).", judge=judge_title(record),
                   verdict=record.judgement.verdict[lang()], score="%.2f" % record.judgement.score)
    judge = judges().loaded.get(record.judgement.judge)
    hashtag = (judge.hashtag if judge else "") or current_app.config["SITE_NAME"]
    return {
        "text": text,
        "x": "https://twitter.com/intent/tweet?" + urlencode({"text": text, "url": page_url, "hashtags": hashtag}),
        "line": "https://social-plugins.line.me/lineit/share?" + urlencode({"url": page_url, "text": text}),
    }


def reveal_signer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="hantei.reveal")


def page_url(result_id):
    """The result's address to share: in English only when the visitor reads it in English (Japanese is the default)."""
    extra = {"lang": "en"} if lang() == "en" else {}
    return external("web.result", result_id=result_id, **extra)


@bp.get("/r/<result_id>")
def result(result_id):
    return render_result(found(result_id))


@bp.post("/r/<result_id>/reveal")
@csrf.exempt  # changes nothing, and a visitor from a shared link must not meet "this form has expired"
def reveal(result_id):
    """A visitor chose to see a sensitive photo: the page again, with a short-lived link to the clear photo."""
    record = found(result_id)
    if not (record.judgement.sensitive and record.has_photo):
        return redirect(url_for("web.result", result_id=result_id), 303)
    return render_result(record, reveal_token=reveal_signer().dumps(record.id))


def render_result(record, reveal_token=None):
    text = card_text(record)
    fresh = session.get("fresh") == record.id
    if fresh:
        session.pop("fresh")
    token = session.get("owned", {}).get(record.id)
    url = page_url(record.id)
    response = make_response(render_template(
        "result.html",
        record=record,
        judge=judges().loaded.get(record.judgement.judge),
        judge_title=text.judge,
        owner=token is not None,
        delete_url=external("web.delete", result_id=record.id, token=token) if fresh and token else None,
        page_url=url,
        card_url=external("web.card", result_id=record.id, lang=lang(), v=share.card_key(record, text)[:8]),
        card_alt=f"{text.judge}: {text.verdict} ({text.score_label} {text.score:.2f})",
        card_width=share.WIDTH,
        card_height=share.HEIGHT,
        links=share_links(record, url),
        photo_url=url_for("web.photo", result_id=record.id, reveal=reveal_token),
        revealed=reveal_token is not None,
    ))
    if fresh or reveal_token:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/r/<result_id>/photo.jpg")
def photo(result_id):
    """The public photo (blurred when sensitive); the clear one only with a reveal token from the page."""
    record = found(result_id)
    if not record.has_photo:
        abort(404)
    path = share.public_photo(store(), record)
    private = False
    if record.judgement.sensitive and request.args.get("reveal"):
        try:
            revealed = reveal_signer().loads(request.args["reveal"], max_age=REVEAL_SECONDS) == record.id
        except BadSignature:
            revealed = False  # an old or forged token still gets the blurred photo, never an error or the clear one
        if revealed:
            path, private = store().photo_path(record.id), True
    if path is None:
        abort(410)
    response = send_file(path, mimetype="image/jpeg", max_age=until_expiry(record))
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, noimageindex"
    return response


@bp.get("/r/<result_id>/card.jpg")
def card(result_id):
    """The 1200x630 share card, drawn on first fetch and kept with the result."""
    record = found(result_id)
    path = share.card_file(store(), record, lang(), card_text(record))
    if path is None:
        abort(410)
    return send_file(path, mimetype="image/jpeg", max_age=until_expiry(record))


def until_expiry(record):
    """Seconds a cache may keep a result's image: until the result expires, at most 30 days."""
    left = (record.expires_at - datetime.now(timezone.utc)).total_seconds()
    return max(0, min(int(left), 30 * 86400))


@bp.get("/r/<result_id>/delete")
def confirm_delete(result_id):
    """The delete link opened in a browser: ask before deleting (a GET never deletes)."""
    record = found(result_id)
    token = request.args.get("token", "")
    if not store().is_owner(result_id, token):
        return message_page("not_owner", 403)
    response = make_response(render_template("delete.html", record=record, token=token))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.post("/r/<result_id>/delete")
@csrf.exempt
def delete(result_id):
    """Delete a result: with the token of the API's delete_url, or as the owner whose session holds it."""
    if store().get(result_id) is None and store().gone(result_id):
        abort(410)
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
    return render_template("message.html", message=gettext("The result and its photo were deleted."))


@bp.get("/robots.txt")
def robots():
    """Link-preview bots may read result pages and cards; search engines may index the upload page alone.

    "/$" is the home page only (RFC 9309 and every major crawler read "$" as the end of the path)."""
    lines = [f"User-agent: {bot}" for bot in SHARE_BOTS]
    lines += ["Allow: /$", "Allow: /r/", "Allow: /static/", "Disallow: /", "",
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
