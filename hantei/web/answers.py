"""How any view answers: JSON or a page, refusals and one-line messages, the upload page, stored files, and the
404/410 of an id that is not (or no longer) there."""

import hashlib
import io
from datetime import datetime, timezone

from flask import abort, current_app, redirect, render_template, request, send_file

from ..i18n import waiting
from ..refusals import Refused
from ..services import judges, lang, store
from . import site_card


def wants_json():
    """Whether the caller reads JSON: the API, or the upload page's own script (for progress and errors)."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def upload_page(error=None, status=200, headers=None):
    """The upload page, with an error message when the last upload was refused."""
    default = judges().default
    served = sorted(judges(), key=lambda judge: judge.id != default)  # the default judge's card comes first
    asked = request.form.get("judge") if request.method == "POST" else request.args.get("judge")
    return render_template(
        "index.html",
        judges=served,
        site=site_card.facts(),
        default_judge=default,
        chosen_judge=asked if asked in {judge.id for judge in served} else default,  # a refused upload keeps its judge
        error=error,
        max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
        long_side=current_app.config["STORE_LONG_SIDE"],
    ), status, headers or {}


def refusal(refused):
    """A refused upload: JSON for scripts, else the upload page with the message, same status either way."""
    if wants_json():
        return refused.as_json(lang())
    return upload_page(page_message(refused), refused.status, refused.headers)


def page_message(refused):
    """What the upload page says of a refusal; one that asks the visitor to wait (busy, over their limit) says how
    long, from its Retry-After. The page's script says it in its own words, as it keeps the photo (static/hantei.js)."""
    after = str(refused.headers.get("Retry-After", ""))
    return (after.isdigit() and waiting(refused.code, int(after), lang())) or refused.message(lang())


def message(code, status, headers=None, **values):
    """A page (or JSON error) that says one thing, with a way back to the upload page."""
    return explained(Refused(code, status, headers, **values))


def explained(refused):
    """A page (or JSON error) that says why something was refused, with a way back to the upload page."""
    if wants_json():
        return refused.as_json(lang())
    return render_template("message.html", message=refused.message(lang())), refused.status, refused.headers


def done(text, **json):
    """What a finished action (a delete) answers: its JSON for scripts, else a page that says it in words."""
    if wants_json():
        return json
    return render_template("message.html", message=text)


def found_in(keeper, item_id):
    """What a keeper (the store, its albums) holds under an id: 404 if never, 410 if deleted or expired."""
    item = keeper.get(item_id)
    if item is None:
        abort(410 if keeper.gone(item_id) else 404)
    if item.expired:
        keeper.delete(item_id)
        abort(410)
    return item


def found(result_id):
    """The stored result, or a 404 page; a deleted or expired one answers 410 (and an expired one goes now)."""
    return found_in(store(), result_id)


def found_album(album_id):
    """The stored album, or 404; a deleted or expired one answers 410 (and an expired one goes now)."""
    return found_in(store().albums, album_id)


def send_stored(name, kept):
    """A stored JPEG of a result or album, cacheable until it expires; 410 when it went away meanwhile.

    A public file (card, blurred copy) is a redirect to HANTEI_MEDIA_URL when the operator serves the bucket's
    media folder there; a clear photo is always read and sent by the app."""
    media = current_app.config.get("MEDIA_URL")
    public = store().photos.public_key(name) if media and name else None
    if public:
        return redirect(f"{media}/{public}", 302)
    data = store().photos.read(name) if name else None
    if data is None:
        abort(410)
    return send_file(io.BytesIO(data), mimetype="image/jpeg", max_age=until_expiry(kept),
                     etag=hashlib.sha256(data).hexdigest()[:32], conditional=True)


def until_expiry(kept):
    """Seconds a cache may keep a result's image: until the result expires, at most 30 days."""
    left = (kept.expires_at - datetime.now(timezone.utc)).total_seconds()
    return max(0, min(int(left), 30 * 86400))


PRIVATE = "private, no-store"


def private(response, robots=None):
    """An answer only its reader may see (an owner's token, a clear sensitive photo): no cache keeps it."""
    response.headers["Cache-Control"] = PRIVATE
    if robots:
        response.headers["X-Robots-Tag"] = robots
    return response
