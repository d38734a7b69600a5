"""What a result's link opens: the result page, its photo and share card, reveal, delete."""

import hashlib
import io
from datetime import datetime, timezone
from urllib.parse import urlencode, urlsplit

from flask import (Blueprint, abort, current_app, make_response, redirect, render_template, request, send_file,
                   session, url_for)
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..share import cards as share
from ..store import photo_name
from . import counting, judges, lang, store
from .errors import message_page
from .links import external
from .pages import wants_json
from .security import csrf
from .showing import findings, shown

bp = Blueprint("results", __name__)
REVEAL_SECONDS = 3600  # how long a tap on "show the photo" lets that visitor load the clear photo


def found(result_id):
    """The stored result, or a 404 page; a deleted or expired one answers 410 (and an expired one goes now)."""
    return found_in(store(), result_id)


def found_in(keeper, item_id):
    """What a keeper (the store, its albums) holds under an id: 404 if never, 410 if deleted or expired."""
    item = keeper.get(item_id)
    if item is None:
        abort(410 if keeper.gone(item_id) else 404)
    if item.expired:
        keeper.delete(item_id)
        abort(410)
    return item


def judge_title(record):
    judge = judges().loaded.get(record.judgement.judge)
    return judge.title[lang()] if judge else record.judgement.judge


def card_text(record):
    """What the result's card says, in the visitor's language."""
    sensitive, kept = record.judgement.sensitive, record.has_photo
    note = gettext("Sensitive photo: blurred") if sensitive and kept else ""
    note = note or ("" if kept else gettext("The uploader chose not to keep the photo."))
    site = current_app.config["SITE_NAME"]
    host = urlsplit(current_app.config.get("PUBLIC_URL", "")).netloc  # the configured site only, never the request's
    headline = shown(judges().loaded.get(record.judgement.judge), record)
    return share.CardText(
        judge=judge_title(record),
        verdict=headline.verdict,
        score=round(record.judgement.score, 2),
        score_label=headline.reading,
        site=f"{site} · {host}" if host and host != site else site,
        note=note,
        color=headline.color,
        comment=headline.comment,
        invite=gettext("Try yours at"),
        stamp=tuple(headline.stamp),
        tags=tuple(name for _, name, _ in headline.tags),
    )


def dare(judge):
    if judge is not None and judge.spec.dare:
        return judge.spec.dare[lang()]
    return gettext("Your turn: what does your photo get?")


def share_links(record, page_url):
    """Text that invites (verdict, score, a dare) and links that share it without a third-party script."""
    judge = judges().loaded.get(record.judgement.judge)
    headline = shown(judge, record)
    if headline.tags:
        chips = ("" if lang() == "ja" else " ").join(gettext("[%(tag)s]", tag=name) for _, name, _ in headline.tags)
        text = gettext("Tagged %(tags)s. %(dare)s", tags=chips, dare=dare(judge))
    else:
        text = gettext("%(verdict)s! %(reading)s. %(dare)s", verdict=headline.verdict, reading=headline.reading,
                       dare=dare(judge))
    hashtag = (judge.hashtag if judge else "") or current_app.config["SITE_NAME"]
    tagged = f"{text} #{hashtag}"
    return {
        "text": text,
        "tagged": tagged,
        "x": "https://twitter.com/intent/tweet?" + urlencode({"text": text, "url": page_url, "hashtags": hashtag}),
        "line": "https://social-plugins.line.me/lineit/share?" + urlencode({"url": page_url, "text": tagged}),
    }


def reveal_signer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="hantei.reveal")


def page_url(result_id):
    """The result's address to share: in English only when the visitor reads it in English (Japanese is the default)."""
    extra = {"lang": "en"} if lang() == "en" else {}
    return external("results.result", result_id=result_id, **extra)


@bp.get("/r/<result_id>")
def result(result_id):
    record = found(result_id)
    counting.viewed(record)
    return render_result(record)


@bp.get("/r/<result_id>/reveal")
def reveal_address(result_id):
    """A reloaded or shared reveal address: the result itself (the reveal is a POST from its page)."""
    found(result_id)
    return redirect(url_for("results.result", result_id=result_id), 303)


@bp.post("/r/<result_id>/reveal")
@csrf.exempt  # changes nothing, and a visitor from a shared link must not meet "this form has expired"
def reveal(result_id):
    """A visitor chose to see a sensitive photo: the page again, with a short-lived link to the clear photo."""
    record = found(result_id)
    if not (record.judgement.sensitive and record.has_photo):
        return redirect(url_for("results.result", result_id=result_id), 303)
    return render_result(record, reveal_token=reveal_signer().dumps(record.id))


def render_result(record, reveal_token=None):
    text = card_text(record)
    fresh = session.get("fresh") == record.id
    if fresh:
        session.pop("fresh")
    token = session.get("owned", {}).get(record.id)
    url = page_url(record.id)
    judge = judges().loaded.get(record.judgement.judge)
    response = make_response(render_template(
        "result.html",
        record=record,
        judge=judge,
        judge_title=text.judge,
        shown=shown(judge, record),
        findings=findings(judge, record),
        owner=token is not None,
        confirm_delete_url=url_for("results.confirm_delete", result_id=record.id, token=token) if token else None,
        delete_url=external("results.delete", result_id=record.id, token=token) if fresh and token else None,
        page_url=url,
        card_url=external("results.card", result_id=record.id, lang=lang(), v=share.card_key(record, text)[:8]),
        card_alt=f"{text.judge}: {text.verdict} ({text.score_label})",
        card_width=share.WIDTH,
        card_height=share.HEIGHT,
        links=share_links(record, url),
        photo_url=url_for("results.photo", result_id=record.id, reveal=reveal_token),
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
    name = share.public_photo(store(), record)
    private = False
    if record.judgement.sensitive and request.args.get("reveal"):
        try:
            revealed = reveal_signer().loads(request.args["reveal"], max_age=REVEAL_SECONDS) == record.id
        except BadSignature:
            revealed = False  # an old or forged token still gets the blurred photo, never an error or the clear one
        if revealed:
            name, private = photo_name(record.id), True
    response = send_stored(name, record)
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, noimageindex"
    return response


@bp.get("/r/<result_id>/card.jpg")
def card(result_id):
    """The 1200x630 share card, drawn on first fetch and kept with the result."""
    record = found(result_id)
    counting.card_fetched(record)
    return send_stored(share.card_file(store(), record, lang(), card_text(record)), record)


def send_stored(name, record):
    """A stored JPEG of a result, cacheable until the result expires; 410 when it went away meanwhile.

    A public file (card, blurred copy) is a redirect to HANTEI_MEDIA_URL when the operator serves the bucket's
    media folder there; a clear photo is always read and sent by the app."""
    media = current_app.config.get("MEDIA_URL")
    public = store().photos.public_key(name) if media and name else None
    if public:
        return redirect(f"{media}/{public}", 302)
    data = store().photos.read(name) if name else None
    if data is None:
        abort(410)
    return send_file(io.BytesIO(data), mimetype="image/jpeg", max_age=until_expiry(record),
                     etag=hashlib.sha256(data).hexdigest()[:32], conditional=True)


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
    record = store().get(result_id)
    if store().delete(result_id) and record:
        counting.deleted(record.judgement.judge)
    session["owned"] = {k: v for k, v in session.get("owned", {}).items() if k != result_id}
    if wants_json():
        return {"deleted": result_id}
    return render_template("message.html", message=gettext("The result and its photo were deleted."))
