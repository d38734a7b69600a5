"""The home page invites: the judges as cards one tap each, a home card that shows what hantei does, licences in the
page's language, dark mode's colours and one service worker registration."""

import io
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from bs4 import BeautifulSoup
from flask import render_template
from PIL import Image

from hantei import create_app
from hantei.share import cards
from hantei.web.views.catalogue import license_line
from hantei.web.views.pages import hook
from tests.helpers import TEST_SETTINGS
from tests.photos import PEOPLE

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def site(tmp_path):
    """The shipped judges (keshikaran made the default, as in every test app, then age, kinds, smile) on SQLite."""
    return create_app({**TEST_SETTINGS, "DATA_DIR": tmp_path / "data"})


def test_judges_are_cards_the_default_first_and_chosen(site):
    for lang, hooks in (("ja", "けしからん"), ("en", "naughty")):
        page = BeautifulSoup(site.test_client().get("/", headers={"Accept-Language": lang}).data, "html.parser")
        radios = page.select("form#upload-form input[type=radio][name=judge]")
        assert [r["value"] for r in radios] == ["keshikaran", "age", "kinds", "smile"] and not page.select("select")
        assert [r.has_attr("checked") for r in radios] == [True, False, False, False]
        for radio in radios:
            card = page.select_one(f"label.judge-option[for={radio['id']}]")
            assert card.select_one(".judge-option-title").get_text()
            assert card.select_one(".judge-option-hook").get_text()
        assert hooks in page.select_one("label[for=judge-keshikaran]").get_text()
        assert page.select_one("label[for=image]")  # the big pick button is still there, for the chosen judge


def test_a_card_chosen_without_javascript_judges_with_its_judge(site):
    client = site.test_client()
    photo = PEOPLE["astronaut"].read_bytes()
    answer = client.post("/judge", data={"image": (io.BytesIO(photo), "a.png"), "judge": "kinds"})
    assert answer.status_code == 303
    page = BeautifulSoup(client.get(answer.headers["Location"], headers={"Accept-Language": "en"}).data, "html.parser")
    assert "Photo, illustration or screenshot" in page.select_one(".judge-name").get_text()


def test_a_refused_upload_keeps_the_judge_it_chose(site):
    answer = site.test_client().post("/judge", data={"image": (io.BytesIO(b"not a photo"), "a.txt"), "judge": "kinds"})
    page = BeautifulSoup(answer.data, "html.parser")
    assert answer.status_code == 415 and page.select_one("input[name=judge][checked]")["value"] == "kinds"


def test_hook_is_the_first_sentence():
    assert hook("顔を見つけます。年齢を当てます。") == "顔を見つけます。"
    assert hook("Finds faces. Then guesses ages.") == "Finds faces."
    assert hook("An AI tells how naughty your photo is, from 0 to 100%.") == (
        "An AI tells how naughty your photo is, from 0 to 100%.")
    assert hook("Tells photos apart") == "Tells photos apart"


def test_license_lines_in_the_pages_language():
    shared = {"ja": "MIT（@vladmandic/face-api の重み）", "en": "MIT (weights of @vladmandic/face-api)"}
    assert license_line(shared, "ja") == (shared["ja"], "ja") and license_line(shared, "en") == (shared["en"], "en")
    both = {"ja": "AGPL-3.0 (NudeNet 320n model)", "en": "AGPL-3.0 (NudeNet 320n model)"}  # one line for both
    assert license_line(both, "ja") == (both["ja"], "en") and license_line(both, "en") == (both["en"], "en")
    assert license_line({"ja": "", "en": ""}, "ja") == ("", "ja")


def test_judges_page_marks_an_english_license_on_the_japanese_page(site):
    page = BeautifulSoup(site.test_client().get("/judges?lang=ja").data, "html.parser")
    line = page.select_one("#judge-kinds .judge-license")  # one line for both languages, in English
    assert line.get_text().startswith("Apache-2.0") and line["lang"] == "en"
    own = page.select_one("#judge-keshikaran .judge-license")  # a line in each language
    assert own.get_text() == "AGPL-3.0（NudeNet 320n のモデル）" and not own.has_attr("lang")
    english = BeautifulSoup(site.test_client().get("/judges?lang=en").data, "html.parser")
    assert not english.select_one("#judge-keshikaran .judge-license").has_attr("lang")


def test_judges_page_renders_a_license_table_in_each_language(tmp_path):
    models = tmp_path / "models"
    shutil.copytree(ROOT / "models" / "keshikaran", models / "keshikaran")
    app = create_app({**TEST_SETTINGS, "DATA_DIR": tmp_path / "data", "MODELS_DIR": models})
    spec = {"ja": "AGPL-3.0（NudeNet 320n のモデル）", "en": "AGPL-3.0 (NudeNet 320n model)"}
    with app.test_request_context("/judges?lang=ja"):
        judge = _with_license(next(iter(app.extensions["hantei.judges"])), spec)
        html = render_template("judges.html", judges=[judge], default_judge="keshikaran", has_card=lambda j: False,
                               license_line=license_line)
    line = BeautifulSoup(html, "html.parser").select_one(".judge-license")
    assert line.get_text() == spec["ja"] and not line.has_attr("lang")


class _with_license:
    """A judge seen through another licence value."""

    def __init__(self, judge, license):
        self._judge, self.license = judge, license

    def __getattr__(self, name):
        return getattr(self._judge, name)


def _pixels(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def test_home_card_shows_a_stamp_and_the_judges_in_both_languages(site):
    client = site.test_client()
    ja, en = client.get("/card.jpg?lang=ja"), client.get("/card.jpg?lang=en")
    assert ja.mimetype == en.mimetype == "image/jpeg" and ja.data != en.data
    for card in (ja.data, en.data):
        pixels = _pixels(card)
        assert pixels.shape == (630, 1200, 3)
        stamp = np.abs(pixels[300:550, 185:435] - (194, 37, 92)).sum(axis=2) < 90  # the sample stamp's ink
        assert stamp.mean() > 0.02
        checks = np.abs(pixels[:, 526:562] - cards.ACCENT).sum(axis=2) < 60  # one check box per judge listed
        rows = np.flatnonzero(checks.mean(axis=1) > 0.3)
        assert len(rows) and len(np.split(rows, np.flatnonzero(np.diff(rows) > 8) + 1)) == 4  # a row a judge
    assert client.get("/card.jpg?lang=ja").data == ja.data  # drawn once, then served from the cache


def test_home_card_key_follows_the_drawing_and_language(site):
    client = site.test_client()
    url = lambda lang: BeautifulSoup(client.get("/", headers={"Accept-Language": lang}).data,  # noqa: E731
                                     "html.parser").find("meta", property="og:image")["content"]
    assert re.search(r"/card\.jpg\?lang=ja&v=[0-9a-f]{8}$", url("ja")) and url("ja") != url("en")
    before = url("ja")
    cards.SITE_VERSION += 1
    try:
        assert url("ja") != before
    finally:
        cards.SITE_VERSION -= 1


def test_dark_mode_is_in_every_stylesheet_pages_use():
    for name in ("hantei.css", "offline.css"):
        css = (ROOT / "static" / name).read_text(encoding="utf-8")
        assert "@media (prefers-color-scheme: dark)" in css and "color-scheme: dark" in css
    css = (ROOT / "static" / "hantei.css").read_text(encoding="utf-8")
    light = css.split("@media (prefers-color-scheme: dark)")[0]
    assert not re.findall(r"background: #fff\b|color: #3d4663", light)  # surfaces and words go through variables


def test_the_service_worker_is_registered_once():
    scripts = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "static").glob("*.js")
                      if path.name != "sw.js")
    assert scripts.count("serviceWorker.register(") == 1
