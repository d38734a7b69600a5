"""A result's link: its page, its clean photo, the boxes on it, and who may delete it."""

import io
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from tests.photos import encoded, gps_exif, phone_jpeg, rgb, upload

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.stores
def test_result_photo_is_served_clean(client):
    response = upload(client, phone_jpeg(size=(3000, 2000), exif=gps_exif()))
    photo = client.get(response.headers["Location"] + "/photo.jpg")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(photo.data))
    assert image.size == (1024, 683) and not image.getexif()  # the default stored copy: 1024 px long
    assert b"Exif" not in photo.data and b"iPhone" not in photo.data


@pytest.mark.stores
def test_owner_deletes_and_result_is_gone(client, app, astronaut_jpeg):
    location = upload(client, astronaut_jpeg).headers["Location"]
    start = BeautifulSoup(client.get(location).data, "html.parser").select_one("a.delete-start")
    confirm = BeautifulSoup(client.get(start["href"]).data, "html.parser").select_one(".delete-confirm form")
    assert client.get(location).status_code == 200  # asking deletes nothing
    token = confirm.find("input", attrs={"name": "token"})["value"]
    assert client.post(confirm["action"], data={"token": token}).status_code == 200
    assert client.get(location).status_code == 410
    assert app.extensions["hantei.store"].photos.names() == []


@pytest.mark.stores
def test_strangers_cannot_delete(app, astronaut_jpeg):
    owner, stranger = app.test_client(), app.test_client()
    location = upload(owner, astronaut_jpeg).headers["Location"]
    assert not BeautifulSoup(stranger.get(location).data, "html.parser").select("a.delete-start")
    assert stranger.post(location + "/delete").status_code == 403
    assert stranger.get(location).status_code == 200


def test_unknown_result_is_a_friendly_404(client):
    response = client.get("/r/" + "A" * 22)
    assert response.status_code == 404 and "判定結果はありません" in response.data.decode()


@pytest.mark.stores
def test_photo_not_kept(client, astronaut_jpeg):
    location = upload(client, astronaut_jpeg, keep="0").headers["Location"]
    assert client.get(location + "/photo.jpg").status_code == 404
    assert "写真は保存していません" in BeautifulSoup(client.get(location).data, "html.parser").get_text()


@pytest.mark.stores
def test_regions_line_up_with_the_stored_photo(client):
    # The same photo stored sideways with an EXIF orientation: boxes are drawn on the upright photo.
    upright = rgb("astronaut")
    exif = Image.Exif()
    exif[0x0112] = 6
    sideways = encoded(upright.transpose(Image.Transpose.ROTATE_90), "JPEG", quality=95, exif=exif)
    answer = client.post("/api/v1/judge", data={"image": (io.BytesIO(sideways), "sideways.jpg")}).get_json()
    x, y = answer["regions"][0]["box"][:2]  # the face (weightless, so not drawn on the page)
    assert abs(x - 173) <= 8 and abs(y - 82) <= 8


def test_a_result_keeps_the_look_it_was_judged_with(make_app, tmp_path, astronaut_jpeg):
    """Editing a judge's bands after a result was judged changes nothing on its page, card or share text."""
    folder = tmp_path / "models" / "keshikaran"
    folder.mkdir(parents=True)
    manifest = (ROOT / "models" / "keshikaran" / "judge.toml").read_text(encoding="utf-8")
    (folder / "judge.toml").write_text(manifest, encoding="utf-8")
    settings = {"DATA_DIR": tmp_path / "data", "MODELS_DIR": tmp_path / "models"}

    def seen(location):
        client = make_app(**settings).test_client()
        page = BeautifulSoup(client.get(location).data, "html.parser")
        card = client.get(page.find("meta", property="og:image")["content"].split("localhost", 1)[1])
        return (page.select_one("[data-stamp]")["data-color"], page.select_one(".comment").get_text(strip=True),
                page.select_one(".share")["data-text"], card.data)

    location = upload(make_app(**settings).test_client(), astronaut_jpeg).headers["Location"]
    before = seen(location)
    assert before[0] == "#237a3b" and before[1] == "どこに出しても恥ずかしくない一枚。"
    edited = re.sub(r'color = "#[0-9a-f]{6}"', 'color = "#123456"', manifest)
    edited = edited.replace("どこに出しても恥ずかしくない一枚。", "書き換えた一言")
    assert edited != manifest
    (folder / "judge.toml").write_text(edited, encoding="utf-8")
    assert seen(location) == before
    fresh = upload(make_app(**settings).test_client(), astronaut_jpeg).headers["Location"]
    assert seen(fresh)[:2] == ("#123456", "書き換えた一言")  # a new result is judged with the edited look
