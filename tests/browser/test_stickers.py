"""Every face's answer on a real phone: one sticker per face, none over a face, another sticker or past the photo's
edge, and the stamp over no face, on four devices and a 320 px phone, in both languages, light and dark."""

import shutil

import pytest
import requests

from tests.browser.conftest import ROOT, SHOTS, device_options, serious_violations
from tests.helpers import FACES
from tests.servers import Gunicorn

SLACK = 0.75  # CSS pixels of rounding between the SVG's geometry and the layout's
MEASURE = """() => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; };
  const all = s => [...document.querySelectorAll(s)];
  return {
    photo: box(document.querySelector('.photo-wrap img')),
    faces: all('[data-face-box]').map(e => box(e)),
    stickers: all('g[data-face]').map(e => box(e)),
    stamp: box(document.querySelector('[data-stamp]')),
    stampOnPhoto: !!document.querySelector('.stamp-layer [data-stamp]'),
    width: document.documentElement.scrollWidth,
  };
}"""


@pytest.fixture(scope="module")
def group_results(tmp_path_factory):
    """Results of the shipped age judge on a three- and a six-face photo, served by gunicorn."""
    root = tmp_path_factory.mktemp("stickers")
    shutil.copytree(ROOT / "models" / "age", root / "models" / "age")
    server = Gunicorn(root / "data", workers=1, ratelimit="off", models_dir=root / "models",
                      env={"HANTEI_DEFAULT_JUDGE": "age"})
    paths = {}
    for name in ("group_of_three.jpg", "group_of_six.jpg"):
        with open(FACES / name, "rb") as photo:
            body = requests.post(server.url + "/api/v1/judge", files={"image": (name, photo)}).json()
        paths[name] = ("/r/" + body["id"], len(body["regions"]))
    yield server.url, paths
    server.stop()


def overlaps(a, b):
    return (a[0] + SLACK < b[0] + b[2] and b[0] + SLACK < a[0] + a[2]
            and a[1] + SLACK < b[1] + b[3] and b[1] + SLACK < a[1] + a[3])


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", ["ja-JP", "en-US"])
@pytest.mark.parametrize("device", ["iphone", "iphone-se", "android", "desktop", "320"])
def test_stickers_beside_every_face(browser, playwright, group_results, device, lang, scheme):
    url, paths = group_results
    extra = {"viewport": {"width": 320, "height": 640}} if device == "320" else {}
    context = browser.new_context(**device_options(playwright, "iphone" if device == "320" else device, locale=lang,
                                                   color_scheme=scheme, **extra))
    page = context.new_page()
    for name, (path, count) in paths.items():
        page.goto(url + path)
        page.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")  # the stamp's press
        seen = page.evaluate(MEASURE)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"stickers-{device}-{lang}-{scheme}-{name}.png")
        assert len(seen["faces"]) == count and len(seen["stickers"]) == count
        photo = seen["photo"]
        for number, sticker in enumerate(seen["stickers"]):
            assert photo[0] - SLACK <= sticker[0] and sticker[0] + sticker[2] <= photo[0] + photo[2] + SLACK
            assert photo[1] - SLACK <= sticker[1] and sticker[1] + sticker[3] <= photo[1] + photo[3] + SLACK
            assert not any(overlaps(sticker, face) for face in seen["faces"]), (name, number)
            assert not any(overlaps(sticker, other) for other in seen["stickers"][number + 1:]), (name, number)
        assert not any(overlaps(seen["stamp"], face) for face in seen["faces"]), name
        if seen["stampOnPhoto"]:
            assert not any(overlaps(seen["stamp"], sticker) for sticker in seen["stickers"]), name
        assert seen["width"] <= page.viewport_size["width"]  # no sideways scrolling
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_face_result_has_nothing_serious_for_axe(browser, playwright, group_results, scheme):
    url, paths = group_results
    context = browser.new_context(**device_options(playwright, "iphone", locale="ja-JP", color_scheme=scheme,
                                                   bypass_csp=True))
    page = context.new_page()
    page.goto(url + paths["group_of_six.jpg"][0])
    assert serious_violations(page) == []
    context.close()
