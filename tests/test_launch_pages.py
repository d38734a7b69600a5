"""The launch loop's server side: reveal addresses, hantei's own error pages, the home card, display thresholds."""

import io
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from hantei.judges import manifest, verdicts
from hantei.records import JudgedRegion

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.stores
def test_reveal_address_answers_303_to_the_result(client, astronaut_jpeg):
    answer = client.post("/api/v1/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")}).get_json()
    response = client.get(f"/r/{answer['id']}/reveal")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/r/{answer['id']}")
    assert client.get("/r/" + "A" * 22 + "/reveal").status_code == 404


@pytest.mark.parametrize("lang,words", [("ja", "その方法では使えません"), ("en", "cannot be used that way")])
def test_405_is_hantei_own_page_in_the_visitors_language(client, lang, words):
    response = client.get("/judge", headers={"Accept-Language": lang})
    page = BeautifulSoup(response.data, "html.parser")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
    assert page.html["lang"] == lang and words in page.select_one(".message").get_text()
    assert page.select_one("header .brand") and "Method Not Allowed" not in response.data.decode()
    api = client.get("/judge", headers={"Accept": "application/json", "Accept-Language": lang})
    assert api.get_json()["error"]["code"] == "method_not_allowed"


def test_home_page_unfurls_and_its_card_is_1200_by_630(client):
    page = BeautifulSoup(client.get("/", headers={"Accept-Language": "en"}).data, "html.parser")
    tags = {m.get("property") or m.get("name"): m["content"] for m in page.find_all("meta") if m.get("content")}
    assert tags["og:title"].startswith("Naughtiness judge") and tags["twitter:card"] == "summary_large_image"
    assert tags["og:image"] == tags["twitter:image"] and "/card.jpg?lang=en" in tags["og:image"]
    assert page.find("link", rel="apple-touch-icon") and tags["theme-color"]
    card = client.get("/card.jpg?lang=ja")
    assert card.mimetype == "image/jpeg" and Image.open(io.BytesIO(card.data)).size == (1200, 630)
    assert client.get("/apple-touch-icon.png").status_code == 200
    assert "Allow: /card.jpg" in client.get("/robots.txt").data.decode()


def test_operator_card_replaces_the_drawn_one(app, client):
    drawn = client.get("/card.jpg").data
    own = io.BytesIO()
    Image.new("RGB", (1200, 630), "navy").save(own, "JPEG")
    (app.config["DATA_DIR"] / "site-card.jpg").write_bytes(own.getvalue())
    assert client.get("/card.jpg").data == own.getvalue() != drawn


def test_detections_under_their_display_threshold_do_not_count():
    spec = manifest.read(ROOT / "models" / "keshikaran")
    weak = JudgedRegion("MALE_GENITALIA_EXPOSED", 0.3, [0, 0, 10, 10])  # a dahlia's kind of mistake
    sure = JudgedRegion("MALE_GENITALIA_EXPOSED", 0.8, [0, 0, 10, 10])
    assert not spec.shown(weak) and spec.shown(sure)
    assert verdicts.noisy_or(spec, [weak]) == 0.0 and verdicts.noisy_or(spec, [sure]) == pytest.approx(0.8)
    assert verdicts.band(spec, 0.0)["ja"] == "健全" and spec.bands[0].color and spec.bands[0].comment["en"]
    assert spec.score_name == {"ja": "けしからん度", "en": "Naughtiness"} and spec.dare["ja"]
