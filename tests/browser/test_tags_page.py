"""A tags judge's result on a phone: its chips fit a 320 px screen, read in both languages, and pass axe."""

import pytest
import requests

from tests.browser.conftest import ROOT, serious_violations, small_phone
from tests.helpers import tags_judge
from tests.photos import PEOPLE
from tests.servers import Gunicorn


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    """gunicorn serving a tags judge, and the path of a result it gave four tags."""
    models = tmp_path_factory.mktemp("models")
    tags_judge(models / "tagger", "{ photo = 0.0, face = 0.0, megane = 0.0, illust = 0.0, nsfw = 1.0 }")
    server = Gunicorn(tmp_path_factory.mktemp("tags-data"), workers=1, ratelimit="off", models_dir=models,
                      default_judge="tagger")
    with open(PEOPLE["astronaut"], "rb") as photo:
        body = requests.post(server.url + "/api/v1/judge", files={"image": ("a.png", photo)}).json()
    assert len(body["tags"]) == 4
    yield server.url, "/r/" + body["id"]
    server.stop()


@pytest.mark.parametrize("lang", ["ja-JP", "en-US"])
def test_tag_chips_fit_a_small_phone_and_pass_axe(browser, playwright, tagged, lang):
    url, path = tagged
    context = small_phone(browser, playwright, lang)
    page = context.new_page()
    page.goto(url + path)
    chips = page.locator("#verdict .tag-chip")
    assert chips.count() == 4 and ("メガネ" if lang == "ja-JP" else "Glasses") in chips.all_inner_texts()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    boxes = [chips.nth(n).bounding_box() for n in range(4)]
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= 320 for box in boxes)
    page.screenshot(path=ROOT / "artifacts" / "screenshots" / f"tags-result-{lang[:2]}.png", full_page=True)
    serious = serious_violations(page)
    assert serious == []
    context.close()
