"""The pages: upload a real photo, land on its result, see score, verdict and regions, in both languages."""

import io
import re

from bs4 import BeautifulSoup
from PIL import Image

from tests.photos import encoded, gps_exif, phone_jpeg, rgb


def upload(client, data, name="photo.jpg", **form):
    return client.post("/judge", data={"image": (io.BytesIO(data), name), **form})


def test_upload_page_is_phone_ready(client):
    page = BeautifulSoup(client.get("/").data, "html.parser")
    assert page.html["lang"] == "ja"
    assert page.find("meta", attrs={"name": "viewport"})
    field = page.find("input", attrs={"type": "file"})
    assert field["accept"] == "image/*" and field["name"] == "image"
    assert page.find("label", attrs={"for": field["id"]}).get_text(strip=True) == "写真を撮る・選ぶ"
    assert page.find("form")["enctype"] == "multipart/form-data"
    assert not [s for s in page.find_all(["script", "link"]) if "//" in (s.get("src") or s.get("href") or "")]


def test_upload_redirects_to_a_result_page_with_verdict(client, astronaut_jpeg):
    response = upload(client, astronaut_jpeg)
    assert response.status_code == 303
    assert re.fullmatch(r"/r/[A-Za-z0-9_-]{22}", response.headers["Location"])
    page = BeautifulSoup(client.get(response.headers["Location"]).data, "html.parser")
    assert page.find(id="verdict").get_text(strip=True) == "健全"
    assert float(page.find(attrs={"data-score": True})["data-score"]) < 0.15
    assert [g["data-label"] for g in page.select("svg.regions g")] == ["FACE_FEMALE"]
    assert "顔（女性）" in page.select_one(".region-list").get_text()
    assert page.find("a", string=re.compile("別の写真を試す"))["href"] == "/"


def test_result_photo_is_served_clean(client):
    response = upload(client, phone_jpeg(size=(3000, 2000), exif=gps_exif()))
    photo = client.get(response.headers["Location"] + "/photo.jpg")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(photo.data))
    assert image.size == (2048, 1365) and not image.getexif()
    assert b"Exif" not in photo.data and b"iPhone" not in photo.data


def test_english_when_the_browser_prefers_it(client, astronaut_jpeg):
    headers = {"Accept-Language": "en-GB,en;q=0.9,ja;q=0.5"}
    page = BeautifulSoup(client.get("/", headers=headers).data, "html.parser")
    assert page.html["lang"] == "en" and "Take or choose a photo" in page.get_text()
    result = client.get(upload(client, astronaut_jpeg).headers["Location"], headers=headers)
    assert BeautifulSoup(result.data, "html.parser").find(id="verdict").get_text(strip=True) == "Wholesome"


def test_language_switch_sticks(client):
    response = client.get("/lang/en?next=/")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert BeautifulSoup(client.get("/").data, "html.parser").html["lang"] == "en"
    client.get("/lang/ja?next=https://evil.example/")
    assert BeautifulSoup(client.get("/").data, "html.parser").html["lang"] == "ja"


def test_switch_never_redirects_off_site(client):
    for target in ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]:
        assert client.get("/lang/en", query_string={"next": target}).headers["Location"] == "/"


def test_not_an_image_gets_a_clear_message(client):
    response = upload(client, b"just some text", "notes.jpg")
    assert response.status_code == 415
    alert = BeautifulSoup(response.data, "html.parser").find(id="upload-error").get_text()
    assert "読み込める写真ではありません" in alert


def test_no_file_chosen(client):
    response = client.post("/judge", data={})
    assert response.status_code == 400
    assert "先に写真を選んでください" in response.data.decode()


def test_too_large_upload_is_refused_with_a_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = upload(client, phone_jpeg(size=(800, 600)))
    assert response.status_code == 413
    assert "ファイルが大きすぎます" in response.data.decode()


def test_page_script_gets_json_answers(client, astronaut_jpeg):
    headers = {"Accept": "application/json"}
    ok = client.post("/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")}, headers=headers)
    assert ok.status_code == 201 and ok.json["url"].startswith("/r/")
    bad = client.post("/judge", data={"image": (io.BytesIO(b"nope"), "a.jpg")}, headers=headers)
    assert bad.status_code == 415 and bad.json["error"]["code"] == "unsupported"


def test_owner_deletes_and_result_is_gone(client, app, astronaut_jpeg):
    location = upload(client, astronaut_jpeg).headers["Location"]
    page = BeautifulSoup(client.get(location).data, "html.parser")
    form = page.select_one("form.delete-form")
    assert client.post(form["action"]).status_code == 200
    assert client.get(location).status_code == 410
    assert list(app.extensions["hantei.store"].photos.rglob("*.jpg")) == []


def test_strangers_cannot_delete(app, astronaut_jpeg):
    owner, stranger = app.test_client(), app.test_client()
    location = upload(owner, astronaut_jpeg).headers["Location"]
    assert not BeautifulSoup(stranger.get(location).data, "html.parser").select("form.delete-form")
    assert stranger.post(location + "/delete").status_code == 403
    assert stranger.get(location).status_code == 200


def test_unknown_result_is_a_friendly_404(client):
    response = client.get("/r/" + "A" * 22)
    assert response.status_code == 404 and "判定結果はありません" in response.data.decode()


def test_photo_not_kept(client, astronaut_jpeg):
    location = upload(client, astronaut_jpeg, keep="0").headers["Location"]
    assert client.get(location + "/photo.jpg").status_code == 404
    assert "写真は保存していません" in client.get(location).data.decode()


def test_regions_line_up_with_the_stored_photo(client):
    # The same photo stored sideways with an EXIF orientation: boxes are drawn on the upright photo.
    upright = rgb("astronaut")
    exif = Image.Exif()
    exif[0x0112] = 6
    sideways = encoded(upright.transpose(Image.Transpose.ROTATE_90), "JPEG", quality=95, exif=exif)
    page = BeautifulSoup(client.get(upload(client, sideways).headers["Location"]).data, "html.parser")
    box = page.select_one("svg.regions rect.region-box")
    x, y = int(box["x"]), int(box["y"])
    assert abs(x - 173) <= 8 and abs(y - 82) <= 8
