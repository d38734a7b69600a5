"""What a result's link opens: the result page, its photo and share card, reveal, delete."""

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ...services import cockpit, lang, store
from ...share import cards
from ...store import photo_name
from .. import counting, owners
from ..answers import done, found, message, private, send_stored
from ..erasing import erase_result
from ..links import external
from ..presenting import present
from ..security import csrf

bp = Blueprint("results", __name__)
REVEAL_SECONDS = 3600  # how long a tap on "show the photo" lets that visitor load the clear photo


def reveal_signer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="hantei.reveal")


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
    fresh = session.get("fresh") == record.id
    if fresh:
        session.pop("fresh")
    token = owners.token("owned", record.id)
    reported = cockpit().reports.one(record.id) if token else None
    response = make_response(render_template(
        "result.html",
        record=record,
        view=present(record, owner=token is not None),
        owner=token is not None,
        confirm_delete_url=url_for("results.confirm_delete", result_id=record.id, token=token) if token else None,
        delete_url=external("results.delete", result_id=record.id, token=token) if fresh and token else None,
        card_width=cards.WIDTH,
        card_height=cards.HEIGHT,
        photo_url=url_for("results.photo", result_id=record.id, reveal=reveal_token),
        revealed=reveal_token is not None,
        consented=bool(reported and reported.consent),
    ))
    return private(response) if token or reveal_token else response


@bp.get("/r/<result_id>/photo.jpg")
def photo(result_id):
    """The public photo (blurred when sensitive); the clear one only with a reveal token from the page."""
    record = found(result_id)
    if not record.has_photo:
        abort(404)
    name = cards.public_photo(store(), record)
    clear = False
    if record.judgement.sensitive and request.args.get("reveal"):
        try:
            clear = reveal_signer().loads(request.args["reveal"], max_age=REVEAL_SECONDS) == record.id
        except BadSignature:
            clear = False  # an old or forged token still gets the blurred photo, never an error or the clear one
        if clear:
            name = photo_name(record.id)
    response = send_stored(name, record)
    response.headers["X-Robots-Tag"] = "noindex, noimageindex"
    return private(response) if clear else response


@bp.get("/r/<result_id>/card.jpg")
def card(result_id):
    """The 1200x630 share card, drawn on first fetch and kept with the result."""
    record = found(result_id)
    counting.card_fetched(record)
    return send_stored(cards.card_file(store(), record, lang(), present(record).card), record)


@bp.get("/r/<result_id>/delete")
def confirm_delete(result_id):
    """The delete link opened in a browser: ask before deleting (a GET never deletes)."""
    record = found(result_id)
    token = request.args.get("token", "")
    if not store().is_owner(result_id, token):
        return message("not_owner", 403)
    return private(make_response(render_template("delete.html", record=record, token=token)), robots="noindex")


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
        token = owners.token("owned", result_id)
    if not store().is_owner(result_id, token):
        return message("not_owner", 403)
    record = store().get(result_id)
    if erase_result(result_id) and record:
        counting.deleted(record.judgement.judge)
    owners.forget("owned", result_id)
    return done(gettext("The result, its photo and everything kept about it were deleted."), deleted=result_id)
