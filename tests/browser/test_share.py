"""The result page in a real phone browser (Chromium): share sheet, copy-link, tap-to-reveal, under the CSP."""

import re

import pytest
import requests

from tests.browser.conftest import device_options
from tests.photos import encoded, rgb
from tests.servers import Gunicorn
from tests.helpers import strict_models

# Stands in for the phone's share sheet, which headless Chromium on Linux does not have; it records its call.
FAKE_SHARE = "navigator.share = (data) => { window.sharedWith = data; return Promise.resolve(); };"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A real gunicorn whose judge counts every photo as sensitive, with one result on it."""
    folder = tmp_path_factory.mktemp("site")
    app = Gunicorn(folder / "data", workers=1, ratelimit="off", models_dir=strict_models(folder))
    answer = requests.post(app.url + "/api/v1/judge",
                           files={"image": ("a.jpg", encoded(rgb("astronaut"), "JPEG", quality=92))}).json()
    yield answer["url"]
    app.stop()


@pytest.fixture
def phone(browser, playwright):
    """New iPhone contexts (Japanese), closed after the test."""
    contexts = []

    def open_context(**extra):
        contexts.append(browser.new_context(**device_options(playwright, "iphone", **extra)))
        return contexts[-1]

    yield open_context
    for context in contexts:
        context.close()


def watched(context, url):
    """Open a page and collect what the console reports (a CSP violation is reported there)."""
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, problems


def test_share_sheet_gets_the_title_text_and_link(site, phone):
    context = phone()
    context.add_init_script(FAKE_SHARE)
    page, problems = watched(context, site)
    button = page.locator("#share-native")
    assert button.is_visible()
    button.click()
    shared = page.evaluate("window.sharedWith")
    assert shared["url"] == site and "けしからん判定" in shared["text"] and shared["title"]
    assert problems == []


def test_without_a_share_sheet_the_button_stays_hidden(site, phone):
    context = phone()
    context.add_init_script("delete Navigator.prototype.share; delete navigator.share;")
    page, problems = watched(context, site)
    assert page.evaluate("typeof navigator.share") == "undefined"
    assert not page.locator("#share-native").is_visible()
    assert page.locator("#share-x").is_visible() and page.locator("#share-line").is_visible()
    assert problems == []


def test_copy_link_puts_the_link_on_the_clipboard(site, phone):
    context = phone(permissions=["clipboard-read", "clipboard-write"])
    page, problems = watched(context, site)
    page.locator("#copy-link").click()
    page.wait_for_function("document.getElementById('copy-status').textContent !== ''")
    assert page.locator("#copy-status").inner_text() == "コピーしました"
    assert page.evaluate("navigator.clipboard.readText()") == site
    assert problems == []


def test_tap_to_reveal_shows_the_clear_photo(site, phone):
    context = phone()
    page, problems = watched(context, site)
    blurred = page.locator(".photo-wrap img")
    assert page.locator(".photo-wrap.is-blurred").count() == 1
    assert "reveal" not in blurred.get_attribute("src") and blurred.evaluate("img => img.complete && img.naturalWidth")
    page.locator(".reveal-form button").click()
    page.wait_for_load_state("networkidle")
    clear = page.locator(".photo-wrap img")
    assert page.locator(".photo-wrap.is-blurred").count() == 0
    assert re.search(r"/photo\.jpg\?reveal=", clear.get_attribute("src"))
    assert clear.evaluate("img => img.complete && img.naturalWidth") == 512  # the stored photo itself
    assert problems == []
