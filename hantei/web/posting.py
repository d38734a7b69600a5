"""Photos posted from the page or the phone's share sheet: one lands on its result, several on an album; the
session remembers that the visitor owns what they posted."""

from flask import current_app, redirect, request, session, url_for

from ..refusals import Refused
from ..services import albums, store
from . import owners
from .answers import refusal, wants_json
from .uploads import judge_request, judge_upload, keep_photo, too_large

ALBUM_ENDPOINTS = ("pages.judge", "pages.share", "albums_api.post_album")


def album_bytes():
    """The largest album upload, all its photos together, in bytes."""
    return int(current_app.config["ALBUM_MB"] * 1024 * 1024)


def widen_body_limit():
    """Album uploads may be as large as the album limit; each photo in them still meets MAX_UPLOAD_MB."""
    if request.endpoint in ALBUM_ENDPOINTS:
        request.max_content_length = max(current_app.config["MAX_CONTENT_LENGTH"], album_bytes())


def posted_files():
    """The `image` parts of the request that carry a file (an empty picker sends one without a name)."""
    return [file for file in request.files.getlist("image") if file is not None and (file.filename or file.mimetype)]


def size_of(file):
    """An uploaded file's size, without reading it into memory."""
    file.stream.seek(0, 2)
    size = file.stream.tell()
    file.stream.seek(0)
    return size


def judge_files(files, judge_id, keep):
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
                records.append(judge_upload(file, judge_id, keep))
            except Refused as refused:
                # No such judge; the client is gone; the server is full (the page sends the whole album again).
                if refused.code in ("unknown_judge", "bad_request", "busy"):
                    raise
                failures.append({"position": position, "name": (file.filename or "")[-80:], "code": refused.code,
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


def post_photos():
    """The page's (or the share sheet's) post: one photo 303s to its result, several to their album."""
    if len(request.files.getlist("image")) > 1:
        return post_album()
    return post_one()


def post_one():
    """One photo from the form: 303 to its result page (JSON for the page's script)."""
    record = judge_request(request)  # a Refused is answered by the errors view
    owners.remember("owned", record.id, record.owner_token)
    session["fresh"] = record.id  # the result page shows its delete link once, to the uploader
    if wants_json():
        return {"id": record.id, "url": url_for("results.result", result_id=record.id)}, 201
    return redirect(url_for("results.result", result_id=record.id), 303)


def post_album():
    """Several photos: 303 to /a/<id>; the upload page with the first message if none passed."""
    try:
        records, failures = judge_files(posted_files(), request.values.get("judge"), keep_photo(request))
    except Refused as refused:
        return refusal(refused)
    if not records:
        first = failures[0]
        return refusal(Refused(first["code"], 400, **first["values"]))
    album = save_album(records, failures)
    owners.remember("albums", album.id, album.owner_token)
    if wants_json():
        return {"id": album.id, "url": url_for("albums.album", album_id=album.id)}, 201
    return redirect(url_for("albums.album", album_id=album.id), 303)
