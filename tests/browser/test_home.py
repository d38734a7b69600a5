"""The home page on phones: a judge's card opens the picker for that judge, the first screen holds the cards, the pick
button and, while judging, the progress; dark mode passes axe on the home and a result page."""

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import device_options, serious_violations
from tests.photos import PEOPLE, phone_jpeg


def test_a_judges_card_opens_the_picker_for_that_judge(browser, playwright, live_server):
    context = browser.new_context(**device_options(playwright, "iphone", locale="en-US"))
    page = context.new_page()
    page.goto(live_server + "/")
    expect(page.locator("#judge-keshikaran")).to_be_checked()  # the default judge is chosen already
    with page.expect_file_chooser() as chooser:
        page.click("label[for=judge-kinds]")
    expect(page.locator("#judge-kinds")).to_be_checked()
    chooser.value.set_files(str(PEOPLE["astronaut"]))
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]{22}$"), timeout=60_000)
    expect(page.locator(".judge-name").first).to_contain_text("Photo, illustration or screenshot")
    context.close()


def test_320px_shows_the_cards_and_the_pick_button_on_the_first_screen(browser, playwright, live_server):
    context = browser.new_context(**device_options(playwright, "iphone", viewport={"width": 320, "height": 640}))
    page = context.new_page()
    page.goto(live_server + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    # the pick button, the default judge's card and the next one (the live server serves four judges)
    for selector in ("label[for=judge-keshikaran]", "label[for=judge-age]", "label[for=image]"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320 and box["y"] + box["height"] <= 640, selector
        assert box["height"] >= 48
    context.close()


@pytest.mark.parametrize("device", ["iphone-se", "iphone"])
def test_progress_is_on_the_first_screen_while_judging(browser, playwright, live_server, device):
    context = browser.new_context(**device_options(playwright, device))
    page = context.new_page()
    page.goto(live_server + "/")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 200, "downloadThroughput": 2_000_000,
                                                  "uploadThroughput": 60_000})
    page.set_input_files("#image", {"name": "IMG_0001.JPG", "mimeType": "image/jpeg",
                                    "buffer": phone_jpeg(size=(3024, 4032))})
    bar = page.locator("#upload-form [data-role=progress]")
    expect(bar).to_be_visible()
    page.wait_for_timeout(400)  # any smooth scroll the page starts has ended
    box = bar.bounding_box()
    status = page.locator("#upload-form [data-role=status]").bounding_box()
    height = page.viewport_size["height"]
    assert 0 <= box["y"] and box["y"] + box["height"] <= height and status["y"] + status["height"] <= height
    assert page.evaluate("window.scrollY") == 0  # seen where it is, without the page scrolling to it
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]{22}$"), timeout=90_000)
    context.close()


@pytest.fixture(scope="module")
def result_path(live_server):
    with open(PEOPLE["astronaut"], "rb") as photo:
        body = requests.post(live_server + "/api/v1/judge", files={"image": ("a.png", photo)}).json()
    return "/r/" + body["id"]


@pytest.mark.parametrize("lang", ["ja-JP", "en-US"])
@pytest.mark.parametrize("which", ["home", "result"])
def test_dark_mode_is_dark_and_axe_finds_nothing_serious(browser, playwright, live_server, result_path, which, lang):
    context = browser.new_context(**device_options(playwright, "iphone", locale=lang, bypass_csp=True,
                                                   color_scheme="dark"))
    page = context.new_page()
    page.goto(live_server + ("/" if which == "home" else result_path))
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert sum(int(v) for v in re.findall(r"\d+", background)[:3]) < 3 * 60, background  # no glare
    assert serious_violations(page) == []
    context.close()
