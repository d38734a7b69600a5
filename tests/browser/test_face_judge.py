"""A face judge's result page on a phone: numbered faces with their verdicts and label bars, no axe errors."""

import shutil

import pytest
import requests

from tests.browser.conftest import ROOT, serious_violations, small_phone
from tests.onnx_models import linear_classifier
from tests.servers import Gunicorn
from tests.helpers import FACE_JUDGE, FACES


@pytest.fixture(scope="module")
def face_result(tmp_path_factory):
    """A result of the tests-made face judge on the group photo, served by gunicorn."""
    root = tmp_path_factory.mktemp("face-browser")
    shutil.copytree(ROOT / "models" / "keshikaran", root / "models" / "keshikaran")
    (root / "models" / "friends").mkdir()
    linear_classifier(root / "models" / "friends" / "model.onnx", [1, 3, 64, 64], outputs=3, seed=5)
    (root / "models" / "friends" / "judge.toml").write_text(FACE_JUDGE, encoding="utf-8")
    server = Gunicorn(root / "data", workers=1, ratelimit="off", models_dir=root / "models")
    with open(FACES / "group_of_three.jpg", "rb") as photo:
        body = requests.post(server.url + "/api/v1/judge", files={"image": ("g.jpg", photo)},
                             data={"judge": "friends"}).json()
    yield server.url, "/r/" + body["id"]
    server.stop()


@pytest.mark.parametrize("lang", ["ja-JP", "en-US"])
def test_face_result_page_on_a_phone(browser, playwright, face_result, lang):
    url, path = face_result
    context = small_phone(browser, playwright, lang)
    page = context.new_page()
    page.goto(url + path)
    assert page.locator(".face-list li").count() == 3 and page.locator(".label-bars li").count() == 3
    assert page.locator("[data-face]").count() == 3 and page.locator("[data-face-box]").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    (ROOT / "artifacts" / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ROOT / "artifacts" / "screenshots" / f"face-judge-result-{lang}.png", full_page=True)
    serious = serious_violations(page)
    assert serious == []
    context.close()
