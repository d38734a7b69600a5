"""Albums through the page and the API: each photo its own result, per-file errors, limits, card, delete, expiry."""

import io
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from PIL import Image, ImageFilter

from hantei.records import Judgement
from tests.photos import encoded, rgb

BROKEN = b"\x89PNG\r\n\x1a\n" + bytes(200)


def parts(*files):
    return {"image": [(io.BytesIO(data), name) for name, data in files]}


@pytest.fixture(scope="module")
def photos():
    return [("a.jpg", encoded(rgb("astronaut"), "JPEG")), ("b.png", encoded(rgb("coffee"), "PNG")),
            ("c.jpg", encoded(rgb("chelsea"), "JPEG"))]


def post_api(client, files, **headers):
    return client.post("/api/v1/albums", data=parts(*files), content_type="multipart/form-data", headers=headers)


@pytest.mark.stores
def test_api_judges_each_photo_and_reports_the_broken_one(client, photos):
    answer = post_api(client, [*photos, ("broken.png", BROKEN)], **{"Accept-Language": "en"})
    assert answer.status_code == 201 and answer.headers["Location"] == answer.json["url"]
    body = answer.json
    assert [item["position"] for item in body["results"]] == [0, 1, 2]
    assert all(item["url"].startswith("http://localhost/r/") and item["delete_url"] for item in body["results"])
    assert body["results"][0]["verdict"] == {"ja": "健全", "en": "Wholesome"}
    (error,) = body["errors"]
    assert error["position"] == 3 and error["code"] == "corrupt" and "damaged" in error["message"]
    again = client.get(f"/api/v1/albums/{body['id']}").json
    assert [r["id"] for r in again["results"]] == [r["id"] for r in body["results"]] and "delete_url" not in again
    assert client.get("/api/v1/albums/" + "A" * 22).status_code == 404


def test_every_file_refused_is_an_error_and_no_album(client):
    answer = post_api(client, [("x.png", BROKEN), ("y.txt", b"hello")])
    assert answer.status_code == 400 and answer.json["error"]["code"] == "corrupt"
    assert [e["code"] for e in answer.json["errors"]] == ["corrupt", "unsupported"]


@pytest.mark.parametrize("lang, words", [("ja", "最大 2 枚"), ("en", "at most 2 photos")])
def test_too_many_photos_are_refused_in_both_languages(make_app, photos, lang, words):
    app = make_app(ALBUM_PHOTOS=2)
    answer = post_api(app.test_client(), photos, **{"Accept-Language": lang})
    assert answer.status_code == 413 and answer.json["error"]["code"] == "too_many_photos"
    assert words in answer.json["error"]["message"]
    page = app.test_client().post("/judge", data=parts(*photos), content_type="multipart/form-data",
                                  headers={"Accept-Language": lang})
    assert page.status_code == 413 and words in page.get_data(as_text=True)


def test_an_album_larger_than_its_byte_limit_is_refused(make_app, photos):
    app = make_app(ALBUM_MB=0.2)
    answer = post_api(app.test_client(), photos, **{"Accept-Language": "en"})
    assert answer.status_code == 413 and answer.json["error"]["code"] == "album_too_large"
    assert "0.2 MB" in answer.json["error"]["message"]


@pytest.mark.stores
def test_the_form_without_javascript_makes_an_album_page(client, photos):
    answer = client.post("/judge", data=parts(*photos, ("broken.png", BROKEN)), content_type="multipart/form-data")
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/a/")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert page.count('class="album-item') == 3 and page.count('href="/r/') == 3
    assert "broken.png" in page and "壊れている" in page  # the uploader sees what was refused
    stranger = client.application.test_client().get(answer.headers["Location"]).get_data(as_text=True)
    assert "broken.png" not in stranger and stranger.count('class="album-item') == 3
    assert 'property="og:image" content="http://localhost/a/' in page
    card = client.get(answer.headers["Location"] + "/card.jpg")
    assert card.status_code == 200 and Image.open(io.BytesIO(card.data)).size == (1200, 630)


def sharpness(image):
    pixels = np.asarray(image.convert("L").filter(ImageFilter.FIND_EDGES), dtype=np.float64)
    return float((pixels[2:-2, 2:-2] ** 2).mean())


@pytest.mark.stores
def test_the_card_keeps_sensitive_photos_blurred_and_kept_photos_out(app):
    store = app.extensions["hantei.store"]
    photo = rgb("astronaut")
    judgement = dict(judge="keshikaran", kind="score", labels=[], regions=[])
    clear = store.save(Judgement(score=0.1, verdict={"ja": "健全", "en": "Wholesome"}, sensitive=False, **judgement),
                       photo.size, encoded(photo, "JPEG"))
    hidden = store.save(Judgement(score=0.9, verdict={"ja": "大変けしからん", "en": "Outrageous"}, sensitive=True,
                                  **judgement), photo.size, encoded(photo, "JPEG"))
    none = store.save(Judgement(score=0.2, verdict={"ja": "ちょっと", "en": "Spicy"}, sensitive=False, **judgement),
                      photo.size, None)
    album = store.albums.save("keshikaran", [clear, hidden, none], [])
    card = Image.open(io.BytesIO(app.test_client().get(f"/a/{album.id}/card.jpg").data)).convert("RGB")
    tiles = [card.crop((8 + n * 400, 110, 8 + n * 400 + 380, 480)) for n in range(3)]
    assert sharpness(tiles[1]) < sharpness(tiles[0]) / 20  # the sensitive photo is drawn from its blurred copy
    mark = np.asarray(tiles[2]).reshape(-1, 3)
    assert (np.abs(mark - [214, 51, 108]).sum(axis=1) < 30).mean() > 0.6  # the site's colour and mark, no photo


@pytest.mark.stores
def test_the_owner_deletes_one_photo_then_the_whole_album(client, photos):
    made = client.post("/judge", data=parts(*photos), content_type="multipart/form-data").headers["Location"]
    album_id = made.rsplit("/", 1)[1]
    ids = [r["id"] for r in client.get(f"/api/v1/albums/{album_id}").json["results"]]
    stranger = client.application.test_client()
    assert stranger.post(f"/a/{album_id}/photos/{ids[0]}/delete").status_code == 403
    assert client.post(f"/a/{album_id}/photos/{ids[0]}/delete").status_code == 303
    assert client.get(f"/r/{ids[0]}").status_code == 410
    assert client.get(made).get_data(as_text=True).count('class="album-item') == 2
    client.get(made + "/card.jpg")
    assert stranger.post(f"/a/{album_id}/delete").status_code == 403
    assert client.post(f"/a/{album_id}/delete").status_code == 200
    assert client.get(made).status_code == 410 and client.get(made + "/card.jpg").status_code == 410
    assert all(client.get(f"/r/{result_id}").status_code == 410 for result_id in ids)
    store = client.application.extensions["hantei.store"]
    assert store.photos.named("albums", album_id) == []


@pytest.mark.stores
def test_the_api_delete_url_deletes_the_album(client, photos):
    body = post_api(client, photos[:2]).json
    assert client.post(body["delete_url"]).status_code == 200
    assert client.get(f"/api/v1/albums/{body['id']}").status_code == 410


@pytest.mark.stores
def test_albums_expire_with_their_results(client, app, photos):
    body = post_api(client, photos[:2]).json
    store = app.extensions["hantei.store"]
    store.purge(now=datetime.now(timezone.utc) + timedelta(days=31))
    assert client.get(f"/a/{body['id']}").status_code == 410
    assert client.get(body["results"][0]["url"]).status_code == 410


def test_the_share_target_needs_no_form_token(make_app, photos):
    """Android posts shared photos to /share without hantei's token: one lands on its result, several on an album."""
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    one = client.post("/share", data=parts(photos[0]), content_type="multipart/form-data")
    assert one.status_code == 303 and one.headers["Location"].startswith("/r/")
    several = client.post("/share", data=parts(*photos), content_type="multipart/form-data")
    assert several.status_code == 303 and several.headers["Location"].startswith("/a/")
    assert client.post("/judge", data=parts(*photos), content_type="multipart/form-data").status_code == 400


def test_each_photo_of_an_album_counts_against_the_rate_limit(make_app, photos):
    app = make_app(RATELIMIT="4/minute")
    client = app.test_client()
    assert post_api(client, photos).status_code == 201  # three of four
    assert client.post("/api/v1/judge", data=parts(photos[0])).status_code == 201
    assert client.post("/api/v1/judge", data=parts(photos[0])).status_code == 429


def test_an_album_that_fails_part_way_leaves_no_photo_nobody_holds(app, photos):
    """The database refusing the third photo (as PostgreSQL refused an integer out of range) is a 500, and the
    two photos stored before it go too: nobody was handed their links or tokens."""
    results = app.extensions["hantei.store"]
    real_save, saved = results.save, []

    def failing_save(judgement, size, photo_jpeg=None, uploaded=None):
        if len(saved) == 2:
            raise RuntimeError("the database refused the row")
        saved.append(real_save(judgement, size, photo_jpeg, uploaded))
        return saved[-1]

    results.save = failing_save
    app.config["PROPAGATE_EXCEPTIONS"] = False
    answer = post_api(app.test_client(), photos)
    assert answer.status_code == 500
    assert len(saved) == 2 and not any(results.exists(record.id) for record in saved)


def test_an_album_the_database_cannot_keep_leaves_no_photo_behind(app, photos):
    albums = app.extensions["hantei.store"].albums
    results = app.extensions["hantei.store"]
    saved, real_save = [], results.save
    results.save = lambda *args: saved.append(real_save(*args)) or saved[-1]

    def refused(*args):
        raise RuntimeError("the database refused the album")

    albums.save = refused
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert post_api(app.test_client(), photos).status_code == 500
    assert len(saved) == 3 and not any(results.exists(record.id) for record in saved)
