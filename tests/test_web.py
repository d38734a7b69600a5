"""The pages: upload a real photo, land on its result, see score, verdict and regions, in both languages."""

import io
import re

import pytest
from bs4 import BeautifulSoup

from tests.photos import phone_jpeg, upload


def test_upload_page_is_phone_ready(client):
    page = BeautifulSoup(client.get("/").data, "html.parser")
    assert page.html["lang"] == "ja"
    assert page.find("meta", attrs={"name": "viewport"})
    field = page.find("input", attrs={"type": "file"})
    assert field["accept"] == "image/*" and field["name"] == "image"
    assert page.find("label", attrs={"for": field["id"]}).get_text(strip=True) == "写真を撮る・選ぶ"
    assert page.find("form")["enctype"] == "multipart/form-data"
    assets = [s for s in page.find_all(["script", "link"]) if "canonical" not in (s.get("rel") or [])]
    assert not [s for s in assets if "//" in (s.get("src") or s.get("href") or "")]  # no CDN


@pytest.mark.stores
def test_upload_redirects_to_a_result_page_with_verdict(client, astronaut_jpeg):
    response = upload(client, astronaut_jpeg)
    assert response.status_code == 303
    assert re.fullmatch(r"/r/[A-Za-z0-9_-]{22}", response.headers["Location"])
    page = BeautifulSoup(client.get(response.headers["Location"]).data, "html.parser")
    assert page.find(id="verdict").get_text(strip=True) == "健全"
    assert float(page.find(attrs={"data-score": True})["data-score"]) < 0.15
    assert page.select("svg.regions g") == [] and not page.select(".region-list")  # a face weighs nothing here
    assert page.select_one("[data-stamp] text").get_text() == "健全"
    assert "けしからん度 0%" in page.select_one(".reading").get_text()
    try_form = page.select_one("#try-button").find_parent("form")
    assert try_form["action"] == "/judge" and page.select_one("#try-button").get_text(strip=True) == "もう一枚"


@pytest.mark.stores
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


@pytest.mark.stores
def test_page_script_gets_json_answers(client, astronaut_jpeg):
    headers = {"Accept": "application/json"}
    ok = client.post("/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")}, headers=headers)
    assert ok.status_code == 201 and ok.json["url"].startswith("/r/")
    bad = client.post("/judge", data={"image": (io.BytesIO(b"nope"), "a.jpg")}, headers=headers)
    assert bad.status_code == 415 and bad.json["error"]["code"] == "unsupported"
