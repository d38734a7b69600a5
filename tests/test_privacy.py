"""Privacy: sensitive photos are blurred on every public URL, and deleted or expired results leave nothing."""

import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from PIL import Image

from hantei.share import cards as share
from hantei.judges import open_judge
from hantei.store import photo_name
from tests.helpers import strict_models
from tests.photos import SKIMAGE, encoded, result_url, rgb

ROOT = Path(__file__).resolve().parent.parent


def high_frequency(image, size=(256, 256)):
    """Mean squared Laplacian of the grey image at a common size: detail, edges, anything recognisable."""
    grey = np.asarray(image.convert("L").resize(size, Image.Resampling.BOX), dtype=np.float64)
    laplacian = 4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:]
    return float((laplacian ** 2).mean())


def opened(response):
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    return Image.open(io.BytesIO(response.data)).convert("RGB")


@pytest.fixture
def strict_app(make_app, tmp_path, database_url):
    return make_app(DATA_DIR=tmp_path / "data", MODELS_DIR=strict_models(tmp_path), DATABASE_URL=database_url)


def test_reveal_and_the_delete_link_need_no_form_token(make_app, tmp_path, astronaut_jpeg):
    """With CSRF protection on, as in production: neither form can expire on a visitor from a shared link."""
    guarded = make_app(WTF_CSRF_ENABLED=True, DATA_DIR=tmp_path / "data", MODELS_DIR=strict_models(tmp_path))
    answer = guarded.test_client().post("/api/v1/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")}).json
    visitor = guarded.test_client()
    assert visitor.post(answer["url"] + "/reveal").status_code == 200
    confirm = BeautifulSoup(visitor.get(answer["delete_url"]).data, "html.parser").find("form")
    token = confirm.find("input", attrs={"name": "token"})["value"]
    assert visitor.post(confirm["action"], data={"token": token}).status_code == 200
    assert visitor.get(answer["url"]).status_code == 410


def test_sensitive_photo_is_blurred_on_every_public_url(strict_app, astronaut_jpeg):
    client = strict_app.test_client()
    location = result_url(client, astronaut_jpeg)
    clear = rgb("astronaut")
    detail = high_frequency(clear)
    page = BeautifulSoup(client.get(location).data, "html.parser")
    assert page.select_one(".photo-wrap.is-blurred") and page.select_one("form.reveal-form")

    urls = {tag.get("src") or tag.get("href") or tag.get("content") for tag in page.find_all(["img", "a", "meta"])}
    images = [url for url in urls if url and re.search(r"/r/[\w-]{22}/(photo|card)\.jpg", url)]
    assert len(images) >= 2  # the page's photo and the card (og:image, twitter:image)
    detector = open_judge(ROOT / "models" / "keshikaran").detector
    assert [r.label for r in detector.detect(clear)] == ["FACE_FEMALE"]
    for url in images:
        image = opened(client.get(url))
        if image.size == (share.WIDTH, share.HEIGHT):
            # the photo half of the card, above the verdict stamp drawn on its lower right
            image = image.crop((0, 0, share.PHOTO_WIDTH, share.HEIGHT - 280))
        assert high_frequency(image) < detail * 0.01, url  # measured: about 0.1 % of the clear photo's
        assert detector.detect(image) == [], url  # not even the face detector finds anything left


def test_reveal_is_a_deliberate_tap_and_never_cached(strict_app, astronaut_jpeg):
    client = strict_app.test_client()
    location = result_url(client, astronaut_jpeg)
    stranger = strict_app.test_client()
    form = BeautifulSoup(stranger.get(location).data, "html.parser").select_one("form.reveal-form")
    revealed = stranger.post(form["action"])
    assert revealed.status_code == 200 and "no-store" in revealed.headers["Cache-Control"]
    page = BeautifulSoup(revealed.data, "html.parser")
    assert not page.select_one(".photo-wrap.is-blurred")
    photo = stranger.get(page.select_one(".photo-wrap img")["src"])
    assert "no-store" in photo.headers["Cache-Control"] and "private" in photo.headers["Cache-Control"]
    assert high_frequency(opened(photo)) == pytest.approx(high_frequency(rgb("astronaut")), rel=0.35)
    # A forged or stolen-and-edited token gets the blurred photo, never the clear one.
    forged = stranger.get(location + "/photo.jpg?reveal=eyJmb28iOiJiYXIifQ.forged")
    assert high_frequency(opened(forged)) < high_frequency(rgb("astronaut")) * 0.01
    # The page's share tags still point at the blurred card only.
    assert "reveal" not in page.find("meta", property="og:image")["content"]


@pytest.mark.stores
def test_shipped_judge_marks_the_colour_chart_sensitive(app, client):
    # skimage's colour wheel makes NudeNet see BUTTOCKS_EXPOSED (0.83): a safe stand-in for a risqué photo.
    chart = Image.open(SKIMAGE / "color.png").convert("RGB")
    location = result_url(client, encoded(chart, "PNG"))
    page = BeautifulSoup(client.get(location).data, "html.parser")
    assert page.select_one("form.reveal-form") and "けしからん" in page.find(id="verdict").get_text()
    public = opened(client.get(location + "/photo.jpg"))
    data = app.extensions["hantei.store"].photos.read(photo_name(location.rsplit("/", 1)[1]))
    stored = Image.open(io.BytesIO(data)).convert("RGB")
    assert public.size == stored.size
    assert np.abs(np.asarray(public, dtype=float) - np.asarray(stored, dtype=float)).mean() > 5


def test_deleting_removes_every_row_and_file(strict_app, astronaut_jpeg):
    client = strict_app.test_client()
    location = result_url(client, astronaut_jpeg)
    result_id = location.rsplit("/", 1)[1]
    store = strict_app.extensions["hantei.store"]
    for path in ["/photo.jpg", "/card.jpg?lang=ja", "/card.jpg?lang=en"]:
        assert client.get(location + path).status_code == 200
    names = sorted(name.split(".")[1] for name in store.files(result_id))
    assert names == ["blurred", "card-en", "card-ja", "jpg"]

    start = BeautifulSoup(client.get(location).data, "html.parser").select_one("a.delete-start")
    confirm = BeautifulSoup(client.get(start["href"]).data, "html.parser").select_one(".delete-confirm form")
    assert client.get(location).status_code == 200  # asking deletes nothing
    token = confirm.find("input", attrs={"name": "token"})["value"]
    assert client.post(confirm["action"], data={"token": token}).status_code == 200
    assert store.files(result_id) == [] and store.photos.names() == []
    with store.engine.connect() as connection:
        for table in ("results", "regions"):
            assert connection.execute(sa.text(f"select count(*) from {table}")).scalar() == 0
        kept = connection.execute(sa.text("select * from tombstones")).mappings().all()
    assert len(kept) == 1 and result_id not in str(dict(kept[0]))  # only a hash of the id remains
    for path in ["", "/photo.jpg", "/card.jpg"]:
        gone = client.get(location + path)
        assert gone.status_code == 410, path
    assert "削除されました" in client.get(location).data.decode()
    assert client.get("/r/" + "B" * 22).status_code == 404  # never issued: not found, not gone


@pytest.mark.stores
def test_delete_link_is_shown_once_and_works_from_anywhere(app, client, astronaut_jpeg):
    location = result_url(client, astronaut_jpeg)
    first = BeautifulSoup(client.get(location).data, "html.parser")
    delete_url = first.find(id="delete-url")["value"]
    assert delete_url.startswith("http://localhost" + location + "/delete?token=")
    assert not BeautifulSoup(client.get(location).data, "html.parser").find(id="delete-url")

    elsewhere = app.test_client()  # another phone: no session, only the link
    assert elsewhere.get(delete_url.replace("token=", "token=x")).status_code == 403
    confirm = elsewhere.get(delete_url)
    assert confirm.status_code == 200 and "no-store" in confirm.headers["Cache-Control"]
    form = BeautifulSoup(confirm.data, "html.parser").find("form")
    assert elsewhere.get(location).status_code == 200  # opening the link deleted nothing yet
    token = form.find("input", attrs={"name": "token"})["value"]
    assert elsewhere.post(form["action"], data={"token": token}).status_code == 200
    assert client.get(location).status_code == 410


@pytest.mark.stores
def test_dont_keep_my_photo_keeps_the_verdict_and_card(client, astronaut_jpeg):
    box = BeautifulSoup(client.get("/").data, "html.parser").find("input", attrs={"name": "keep"})
    assert box["type"] == "checkbox" and box["value"] == "0"
    label = BeautifulSoup(client.get("/").data, "html.parser").find("label", attrs={"for": box["id"]})
    assert "写真を保存しない" in label.get_text()
    location = result_url(client, astronaut_jpeg, keep=box["value"])
    assert client.get(location + "/photo.jpg").status_code == 404
    card = opened(client.get(location + "/card.jpg"))
    assert card.size == (1200, 630)
    panel = np.asarray(card.crop((0, 0, share.PHOTO_WIDTH, share.HEIGHT)), dtype=float)
    assert abs(np.median(panel, axis=(0, 1)) - np.array(share.PAPER)).max() < 8  # paper and the stamp, no photo


def expire(store, result_id):
    with store.engine.begin() as connection:
        connection.execute(sa.text("update results set expires_at = :t where id = :id"),
                           {"t": datetime.now(timezone.utc) - timedelta(minutes=1), "id": result_id})


@pytest.mark.stores
def test_flask_purge_deletes_expired_results(app, client, runner, astronaut_jpeg):
    store = app.extensions["hantei.store"]
    old, new = result_url(client, astronaut_jpeg), result_url(client, astronaut_jpeg)
    client.get(old + "/card.jpg")
    expire(store, old.rsplit("/", 1)[1])
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "deleted 1 expired result" in result.output
    assert store.files(old.rsplit("/", 1)[1]) == [] and store.get(old.rsplit("/", 1)[1]) is None
    assert client.get(old).status_code == 410 and client.get(new).status_code == 200


@pytest.mark.stores
def test_a_sweep_deletes_a_bounded_batch(app, client, astronaut_jpeg):
    store = app.extensions["hantei.store"]
    for location in [result_url(client, astronaut_jpeg) for _ in range(3)]:
        expire(store, location.rsplit("/", 1)[1])
    assert store.purge(limit=2) == 2 and store.purge(limit=2) == 1 and store.purge() == 0


@pytest.mark.stores
def test_expired_result_is_gone_even_before_a_sweep(app, client, astronaut_jpeg):
    app.extensions["hantei.sweeper"].next_run = float("inf")
    location = result_url(client, astronaut_jpeg)
    result_id = location.rsplit("/", 1)[1]
    expire(app.extensions["hantei.store"], result_id)
    assert client.get(location + "/card.jpg").status_code == 410
    assert app.extensions["hantei.store"].files(result_id) == []


def test_app_sweeps_expired_results_while_serving(make_app, astronaut_jpeg):
    app = make_app(SWEEP_MINUTES=0)
    client = app.test_client()
    location = result_url(client, astronaut_jpeg)
    result_id = location.rsplit("/", 1)[1]
    expire(app.extensions["hantei.store"], result_id)
    client.get("/").close()  # any request; the sweep runs once its response is done
    assert app.extensions["hantei.store"].get(result_id) is None
    assert app.extensions["hantei.store"].gone(result_id)


def test_sweeps_are_rationed(app):
    sweeper = app.extensions["hantei.sweeper"]
    assert sweeper.due() and not sweeper.due()  # ten minutes by default before the next one


def test_retention_is_at_least_a_week(make_app, astronaut_jpeg):
    app = make_app(RETENTION_DAYS=1)
    assert app.config["RETENTION_DAYS"] == 7
    answer = app.test_client().post("/api/v1/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")}).json
    created, expires = (datetime.fromisoformat(answer[k]) for k in ("created_at", "expires_at"))
    assert expires - created == timedelta(days=7)
