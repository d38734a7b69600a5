"""Albums: several photos posted together (page, API, Android's share sheet), each judged as its own result."""

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext

from ...refusals import Refused
from ...services import albums, lang, store
from ...share import cards, collage
from .. import owners
from ..answers import PRIVATE, done, found_album, message, private, send_stored, wants_json
from ..erasing import erase_album, erase_album_photo
from ..links import external
from ..posting import judge_files, posted_files, save_album
from ..presenting import title_of
from ..security import csrf
from ..throttle import uploads
from ..uploads import keep_photo

bp = Blueprint("albums", __name__)
api = Blueprint("albums_api", __name__, url_prefix="/api/v1")
csrf.exempt(api)


def failure_message(failure):
    """A refused file's message, in the reader's language (the code is stored, not the words)."""
    return Refused(failure["code"], 400, **failure["values"]).message(lang())


def collage_parts(album):
    """What the album's card shows: its title and site line, and a tile per photo (at most four)."""
    site = current_app.config["SITE_NAME"]
    count = len(album.records)
    title_judge = title_of(album.records[0]) if album.records else album.judge
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
    kept = found_album(album_id)
    owner = owners.owns("albums", album_id)
    text, tiles = collage_parts(kept)
    extra = {"lang": "en"} if lang() == "en" else {}
    response = make_response(render_template(
        "album.html", album=kept, owner=owner, title=text.title,
        failures=[{**failure, "message": failure_message(failure)} for failure in kept.failures],
        page_url=external("albums.album", album_id=album_id, **extra),
        card_url=external("albums.card", album_id=album_id, lang=lang(), v=collage.key(text, tiles)[:8]),
        card_width=collage.WIDTH, card_height=collage.HEIGHT,
    ))
    return private(response) if owner else response


@bp.get("/a/<album_id>/card.jpg")
def card(album_id):
    """The album's 1200x630 collage, drawn on first fetch and kept with the album."""
    kept = found_album(album_id)
    if not kept.records:
        abort(410)
    return send_stored(collage_file(kept), kept)


def owner_or_403(album_id):
    """Whether the request is the album's owner: the API's token, or the session (then with the form's token)."""
    token = request.values.get("token") or owners.token("albums", album_id)
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
        return message("not_owner", 403)
    erase_album(album_id)
    owners.forget("albums", album_id)
    return done(gettext("The album and its photos were deleted."), deleted=album_id)


@bp.post("/a/<album_id>/photos/<result_id>/delete")
@csrf.exempt
def delete_photo(album_id, result_id):
    """The owner deletes one photo of the album (its result too); the album's card is drawn again without it."""
    found_album(album_id)
    if not owner_or_403(album_id):
        return message("not_owner", 403)
    if not erase_album_photo(album_id, result_id):
        abort(404)
    if wants_json():
        return {"deleted": result_id}
    return redirect(url_for("albums.album", album_id=album_id), 303)


def album_json(kept, with_tokens=False):
    """The album as the API answers it (delete links only right after posting)."""
    answer = {"id": kept.id, "url": external("albums.album", album_id=kept.id), "judge": kept.judge,
              "card_url": external("albums.card", album_id=kept.id),
              "created_at": kept.created_at.isoformat(), "expires_at": kept.expires_at.isoformat(),
              "results": [], "errors": [{"position": f["position"], "code": f["code"],
                                         "message": failure_message(f)} for f in kept.failures]}
    for record in kept.records:
        item = {**record.as_dict(), "position": kept.positions.get(record.id),
                "url": external("results.result", result_id=record.id)}
        answer["results"].append(item)
    if with_tokens:
        answer["delete_url"] = external("albums.delete", album_id=kept.id, token=kept.owner_token)
    return answer


@api.post("/albums")
@uploads
def post_album():
    """Several `image` parts -> 201 with every result and each refused file's error."""
    try:
        records, failures = judge_files(posted_files(), request.values.get("judge"), keep_photo(request))
    except Refused as refused:
        return refused.as_json(lang())
    if not records:
        first = failures[0] if failures else {"code": "no_file", "values": {}}
        body, status, headers = Refused(first["code"], 400, **first["values"]).as_json(lang())
        body["errors"] = [{"position": f["position"], "code": f["code"], "message": failure_message(f)}
                          for f in failures]
        return body, status, headers
    kept = save_album(records, failures)
    answer = album_json(kept, with_tokens=True)
    for item, record in zip(answer["results"], records):
        item["delete_url"] = external("results.delete", result_id=record.id, token=record.owner_token)
    return answer, 201, {"Location": answer["url"], "Cache-Control": PRIVATE}


@api.get("/albums/<album_id>")
def get_album(album_id):
    return album_json(found_album(album_id))  # 404 and 410 answer as JSON errors under /api/
