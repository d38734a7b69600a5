"""Albums: several photos posted together (page, API, Android's share sheet), each judged as its own result."""

from flask import (Blueprint, abort, current_app, make_response, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext

from ..refusals import Refused
from ..share import cards, collage
from . import lang, store
from .errors import message_page
from .links import external
from .pages import judge_one, refused_response, wants_json
from .results import found_in, judge_title, send_stored
from .security import csrf
from .throttle import uploads
from .uploads import judge_upload, too_large

bp = Blueprint("albums", __name__)
api = Blueprint("albums_api", __name__, url_prefix="/api/v1")
csrf.exempt(api)
ALBUM_ENDPOINTS = ("web.judge", "albums.share", "albums_api.post_album")
OWNED_ALBUMS = 10  # how many of a visitor's own albums the session cookie remembers


def albums():
    """This app's albums (hantei.store.Albums), kept beside its results."""
    return store().albums


def album_bytes():
    """The largest album upload, all its photos together, in bytes."""
    return int(current_app.config["ALBUM_MB"] * 1024 * 1024)


def widen_body_limit():
    """Album uploads may be as large as the album limit; each photo in them still meets MAX_UPLOAD_MB."""
    if request.endpoint in ALBUM_ENDPOINTS:
        request.max_content_length = max(current_app.config["MAX_CONTENT_LENGTH"], album_bytes())


def init_app(app):
    """Register the album pages and API, with the body limit widened before anything reads the form (CSRF)."""
    app.before_request_funcs.setdefault(None, []).insert(0, widen_body_limit)
    app.register_blueprint(bp)
    app.register_blueprint(api)


def posted_files():
    """The `image` parts of the request that carry a file (an empty picker sends one without a name)."""
    return [file for file in request.files.getlist("image") if file is not None and (file.filename or file.mimetype)]


def size_of(file):
    """An uploaded file's size, without reading it into memory."""
    file.stream.seek(0, 2)
    size = file.stream.tell()
    file.stream.seek(0)
    return size


def judge_files(files, judge_id, keep_photo):
    """Judge each file on its own: the records judged and the files refused, each with its own reason."""
    limit = current_app.config["ALBUM_PHOTOS"]
    if not files:
        raise Refused("no_file", 400)
    if len(files) > limit:
        raise Refused("too_many_photos", 413, photos=limit)
    total = sum(size_of(file) for file in files)
    if total > album_bytes():
        raise Refused("album_too_large", 413, megabytes=f"{current_app.config['ALBUM_MB']:g}")
    records, failures = [], []
    try:
        for position, file in enumerate(files):
            try:
                if size_of(file) > current_app.config["MAX_CONTENT_LENGTH"]:
                    raise too_large()
                records.append(judge_upload(file, judge_id, keep_photo))
            except Refused as refused:
                if refused.reason in ("unknown_judge", "bad_request"):  # no such judge; the client is gone
                    raise
                failures.append({"position": position, "name": (file.filename or "")[-80:], "code": refused.reason,
                                 "values": refused.values})
    except BaseException:
        forget(records)
        raise
    return records, failures


def forget(records):
    """Delete results judged for an album that will not be handed back: nobody would hold their links or tokens."""
    for record in records:
        store().delete(record.id)


def save_album(records, failures):
    """Keep the judged records as one album, or delete them all if it cannot be kept."""
    try:
        return albums().save(records[0].judgement.judge, records, failures)
    except BaseException:
        forget(records)
        raise


def failure_message(failure):
    """A refused file's message, in the reader's language (the reason is stored, not the words)."""
    return Refused(failure["code"], 400, **failure["values"]).message(lang())


def keep_owner(album):
    """Remember in the session that this visitor owns the album (its last few albums)."""
    owned = dict(list(session.get("albums", {}).items())[-(OWNED_ALBUMS - 1):])
    owned[album.id] = album.owner_token
    session["albums"] = owned


def post_album_page():
    """The page's (or the share sheet's) album: 303 to /a/<id>; the upload page with every message if none passed."""
    try:
        records, failures = judge_files(posted_files(), request.values.get("judge"),
                                        request.values.get("keep", "1") != "0")
    except Refused as refused:
        return refused_response(refused)
    if not records:
        first = failures[0]
        return refused_response(Refused(first["code"], 400, **first["values"]))
    album = save_album(records, failures)
    keep_owner(album)
    if wants_json():
        return {"id": album.id, "url": url_for("albums.album", album_id=album.id)}, 201
    return redirect(url_for("albums.album", album_id=album.id), 303)


@bp.post("/share")
@csrf.exempt  # the phone's share sheet posts here without a form of ours, so it carries no token
@uploads
def share():
    """Android's "Share → hantei" (the manifest's share_target): one photo lands on its result, several on an album."""
    if len(posted_files()) > 1:
        return post_album_page()
    return judge_one()


def found_album(album_id):
    """The stored album, or 404; a deleted or expired one answers 410 (and an expired one goes now)."""
    return found_in(albums(), album_id)


def collage_parts(album):
    """What the album's card shows: its title and site line, and a tile per photo (at most four)."""
    site = current_app.config["SITE_NAME"]
    count = len(album.records)
    title_judge = judge_title(album.records[0]) if album.records else album.judge
    text = collage.CollageText(title=gettext("%(judge)s · %(count)s photos", judge=title_judge, count=count),
                               site=site)
    tiles = [collage.Tile(verdict=r.judgement.verdict[lang()], score=round(r.judgement.score, 2),
                          photo="none" if not r.has_photo else ("blurred" if r.judgement.sensitive else "clear"),
                          boxes=tuple(tuple(region.box) for region in r.judgement.regions))
             for r in album.records[:collage.TILES]]
    return text, tiles


def collage_file(album):
    """The file name of the album's card in the reader's language, drawn from public photos only."""
    text, tiles = collage_parts(album)

    def draw():
        photos = []
        for record in album.records[:collage.TILES]:
            name = cards.public_photo(store(), record)
            data = store().photos.read(name) if name else None
            photos.append((collage.open_photo(data), (record.width, record.height)) if data else None)
        return collage.render(text, tiles, photos)

    return albums().derived(album.id, f"card-{lang()}", collage.key(text, tiles), draw)


@bp.get("/a/<album_id>")
def album(album_id):
    found = found_album(album_id)
    token = session.get("albums", {}).get(album_id)
    text, tiles = collage_parts(found)
    extra = {"lang": "en"} if lang() == "en" else {}
    response = make_response(render_template(
        "album.html", album=found, owner=token is not None, title=text.title,
        failures=[{**failure, "message": failure_message(failure)} for failure in found.failures],
        page_url=external("albums.album", album_id=album_id, **extra),
        card_url=external("albums.card", album_id=album_id, lang=lang(), v=collage.key(text, tiles)[:8]),
        card_width=collage.WIDTH, card_height=collage.HEIGHT,
    ))
    if token:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/a/<album_id>/card.jpg")
def card(album_id):
    """The album's 1200x630 collage, drawn on first fetch and kept with the album."""
    found = found_album(album_id)
    if not found.records:
        abort(410)
    return send_stored(collage_file(found), found)


def owner_or_403(album_id):
    """Whether the request is the album's owner: the API's token, or the session (then with the form's token)."""
    token = request.values.get("token") or session.get("albums", {}).get(album_id)
    if not request.values.get("token") and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    return albums().is_owner(album_id, token)


@bp.post("/a/<album_id>/delete")
@csrf.exempt
def delete(album_id):
    """The owner deletes the whole album: every result in it, their photos and cards, the album's card."""
    if albums().get(album_id) is None:
        abort(410 if albums().gone(album_id) else 404)
    if not owner_or_403(album_id):
        return message_page("not_owner", 403)
    albums().delete(album_id)
    session["albums"] = {k: v for k, v in session.get("albums", {}).items() if k != album_id}
    if wants_json():
        return {"deleted": album_id}
    return render_template("message.html", message=gettext("The album and its photos were deleted."))


@bp.post("/a/<album_id>/photos/<result_id>/delete")
@csrf.exempt
def delete_photo(album_id, result_id):
    """The owner deletes one photo of the album (its result too); the album's card is drawn again without it."""
    found_album(album_id)
    if not owner_or_403(album_id):
        return message_page("not_owner", 403)
    if not albums().delete_photo(album_id, result_id):
        abort(404)
    if wants_json():
        return {"deleted": result_id}
    return redirect(url_for("albums.album", album_id=album_id), 303)


def album_json(found, with_tokens=False):
    """The album as the API answers it (delete links only right after posting)."""
    answer = {"id": found.id, "url": external("albums.album", album_id=found.id), "judge": found.judge,
              "card_url": external("albums.card", album_id=found.id),
              "created_at": found.created_at.isoformat(), "expires_at": found.expires_at.isoformat(),
              "results": [], "errors": [{"position": f["position"], "code": f["code"],
                                         "message": failure_message(f)} for f in found.failures]}
    for record in found.records:
        item = {**record.as_dict(), "position": found.positions.get(record.id),
                "url": external("results.result", result_id=record.id)}
        answer["results"].append(item)
    if with_tokens:
        answer["delete_url"] = external("albums.delete", album_id=found.id, token=found.owner_token)
    return answer


@api.post("/albums")
@uploads
def post_album():
    """Several `image` parts -> 201 with every result and each refused file's error."""
    try:
        records, failures = judge_files(posted_files(), request.values.get("judge"),
                                        request.values.get("keep", "1") != "0")
    except Refused as refused:
        return refused.as_json(lang())
    if not records:
        first = failures[0] if failures else {"code": "no_file", "values": {}}
        body, status, headers = Refused(first["code"], 400, **first["values"]).as_json(lang())
        body["errors"] = [{"position": f["position"], "code": f["code"], "message": failure_message(f)}
                          for f in failures]
        return body, status, headers
    found = save_album(records, failures)
    answer = album_json(found, with_tokens=True)
    for item, record in zip(answer["results"], records):
        item["delete_url"] = external("results.delete", result_id=record.id, token=record.owner_token)
    return answer, 201, {"Location": answer["url"]}


@api.get("/albums/<album_id>")
def get_album(album_id):
    return album_json(found_album(album_id))  # 404 and 410 answer as JSON errors under /api/
