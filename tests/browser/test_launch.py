"""The launch loop on real phones: a result's first screen shows the stamped photo, the verdict, share and try;
a visitor is one tap from the picker; / unfurls; reveal, delete and error pages are hantei's own."""

import io
import re

import pytest
import requests
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import Screenshots, device_options
from tests.photos import PEOPLE

FIRST_SCREEN = ["#verdict", "[data-stamp]", ".photo-wrap img", "#share-x", "#share-line", "#copy-link", "#try-button"]


def api_result(live_server, photo="astronaut"):
    with open(PEOPLE[photo], "rb") as file:
        return requests.post(live_server + "/api/v1/judge", files={"image": ("a.png", file)}, timeout=60).json()


def open_page(browser, playwright, device, request, lang="ja-JP", **extra):
    context = browser.new_context(**device_options(playwright, device, locale=lang, **extra))
    page = context.new_page()
    page.shot = Screenshots(page, request.node.name)
    return context, page


def within_first_screen(page, selectors):
    """The selectors whose element is not wholly inside the first screen (the viewport before any scroll)."""
    height, width = page.viewport_size["height"], page.viewport_size["width"]
    outside = []
    for selector in selectors:
        box = page.locator(selector).first.bounding_box()
        if box is None or box["y"] < 0 or box["y"] + box["height"] > height or box["x"] + box["width"] > width + 1:
            outside.append((selector, box))
    return outside


@pytest.mark.parametrize("device", ["iphone", "iphone-se", "android", "desktop"])
@pytest.mark.parametrize("lang", ["ja-JP", "en-US"])
def test_first_screen_of_a_result_has_stamp_verdict_share_and_try(browser, playwright, live_server, request,
                                                                  device, lang):
    context, page = open_page(browser, playwright, device, request, lang)
    page.goto(live_server + "/")
    page.set_input_files("#image", str(PEOPLE["astronaut"]))  # picking is enough: judging starts at once
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]{22}$"), timeout=60_000)
    expect(page.locator("#verdict")).to_have_text("健全" if lang == "ja-JP" else "Wholesome")
    expect(page.locator(".reading")).to_contain_text("けしからん度 0%" if lang == "ja-JP" else "Naughtiness 0%")
    expect(page.locator("#try-button")).to_contain_text("もう一枚" if lang == "ja-JP" else "One more photo")
    page.wait_for_timeout(500)  # the stamp's press animation
    assert within_first_screen(page, FIRST_SCREEN) == []
    page.shot("owner-first-screen", full_page=False)

    visitor, seen = open_page(browser, playwright, device, request, lang)
    seen.goto(page.url)
    invite = "あなたも判定する" if lang == "ja-JP" else "Judge your own photo"
    expect(seen.locator("#try-button")).to_contain_text(invite)
    seen.wait_for_timeout(500)
    assert within_first_screen(seen, FIRST_SCREEN) == []
    seen.shot("visitor-first-screen", full_page=False)
    visitor.close()
    context.close()


def test_a_visitor_is_one_tap_from_the_picker_and_judged_at_once(browser, playwright, live_server, request):
    path = "/r/" + api_result(live_server)["id"]
    context, page = open_page(browser, playwright, "iphone", request)
    page.goto(live_server + path)
    with page.expect_file_chooser() as chooser:
        page.click("#try-button")  # the one tap
    chooser.value.set_files(str(PEOPLE["grace_hopper"]))  # and judging starts: no second tap
    page.wait_for_url(lambda url: re.search(r"/r/[A-Za-z0-9_-]{22}$", url) and not url.endswith(path), timeout=60_000)
    expect(page.locator("#try-button")).to_contain_text("もう一枚")  # now the owner of a result of their own
    page.shot("visitor-judged")
    context.close()


def test_share_text_invites_with_the_verdict_score_and_hashtag(browser, playwright, live_server, request):
    path = "/r/" + api_result(live_server)["id"]
    context, page = open_page(browser, playwright, "iphone", request)
    page.goto(live_server + path)
    text = page.locator("#share").get_attribute("data-text")
    assert "健全" in text and "けしからん度 0%" in text and "#けしからん判定" in text and "何%" in text
    assert text.count("判定") == 1  # only the hashtag's
    href = page.locator("#share-x").get_attribute("href")
    assert "hashtags=%E3%81%91%E3%81%97%E3%81%8B%E3%82%89%E3%82%93%E5%88%A4%E5%AE%9A" in href
    context.close()


def test_home_page_unfurls_with_its_own_card(live_server):
    html = requests.get(live_server + "/", headers={"Accept-Language": "ja"}, timeout=10).text
    tags = dict(re.findall(r'<meta (?:property|name)="((?:og|twitter):[a-z:]+)" content="([^"]*)"', html))
    assert tags["twitter:card"] == "summary_large_image" and tags["og:title"] and tags["og:description"]
    assert 'rel="apple-touch-icon"' in html and 'name="theme-color"' in html
    card = requests.get(tags["og:image"], timeout=30)
    assert card.status_code == 200 and card.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(card.content)).size == (1200, 630)
    assert requests.get(live_server + "/apple-touch-icon.png", timeout=10).status_code == 200


def test_reveal_address_goes_back_to_the_result_and_the_page_restores_it(browser, playwright, live_server, request):
    result_id = api_result(live_server)["id"]
    answer = requests.get(f"{live_server}/r/{result_id}/reveal", allow_redirects=False, timeout=10)
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/r/{result_id}")
    context, page = open_page(browser, playwright, "iphone", request)
    page.goto(f"{live_server}/r/{result_id}/reveal")
    assert page.url.endswith(f"/r/{result_id}")
    page.shot("reveal-get")
    context.close()


def test_the_owner_is_asked_before_deleting_even_without_javascript(browser, playwright, live_server, request):
    context, page = open_page(browser, playwright, "iphone", request, java_script_enabled=False)
    page.goto(live_server + "/")
    page.set_input_files("#image", str(PEOPLE["astronaut"]))
    page.click("#submit")  # without JavaScript the form posts with its button
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]{22}$"), timeout=60_000)
    result_url = page.url
    expect(page.locator("details.owner-tools #delete-url")).to_be_visible()
    page.click(".delete-start")
    expect(page.locator(".delete-confirm")).to_be_visible()
    page.shot("delete-asks")
    assert requests.get(result_url, timeout=10).status_code == 200  # nothing deleted yet
    page.click(".delete-confirm a")  # "keep it"
    assert page.url == result_url
    expect(page.locator("#delete-url")).to_have_count(0)  # the delete link is shown once, just after judging
    page.click(".owner-tools summary")  # the disclosure, closed now
    page.click(".delete-start")
    page.click(".delete-confirm button")
    expect(page.locator(".message")).to_be_visible()
    page.shot("deleted")
    assert requests.get(result_url, timeout=10).status_code == 410
    context.close()


@pytest.mark.parametrize("lang,words", [("ja-JP", "アドレス"), ("en-US", "address")])
@pytest.mark.parametrize("method,path,status", [("GET", "/judge", 405), ("GET", "/nowhere", 404),
                                                ("GET", "/r/AAAAAAAAAAAAAAAAAAAAAA", 404)])
def test_error_pages_are_hantei_own_in_the_visitors_language(browser, playwright, live_server, request, lang, words,
                                                             method, path, status):
    context, page = open_page(browser, playwright, "iphone", request, lang)
    answer = page.goto(live_server + path)
    assert answer.status == status
    expect(page.locator("html")).to_have_attribute("lang", lang[:2])
    expect(page.locator(".message")).to_contain_text(words)
    assert "Werkzeug" not in page.content() and "Method Not Allowed" not in page.content()
    expect(page.locator(".message-card a.btn")).to_be_visible()
    page.shot(f"error-{status}", full_page=False)
    context.close()
