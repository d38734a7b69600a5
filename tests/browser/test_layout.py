"""What a phone shows: no sideways scrolling at 320 px, thumb-sized targets, works without JavaScript, no axe errors."""

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, device_options, serious_violations
from tests.photos import PEOPLE


@pytest.fixture(scope="module")
def result_path(live_server):
    """A result page made through the API (its session cookie is not the browser's)."""
    with open(PEOPLE["astronaut"], "rb") as photo:
        body = requests.post(live_server + "/api/v1/judge", files={"image": ("a.png", photo)}).json()
    return "/r/" + body["id"]


def pages(result_path):
    return ["/", result_path]


def address(which, result_path):
    return {"upload": "/", "result": result_path, "judges": "/judges"}[which]


@pytest.mark.parametrize("which", ["upload", "result", "judges"])
def test_no_horizontal_scrolling_at_320px(browser, playwright, live_server, result_path, which):
    context = browser.new_context(**device_options(playwright, "iphone", viewport={"width": 320, "height": 640}))
    page = context.new_page()
    page.goto(live_server + address(which, result_path))
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


@pytest.mark.parametrize("which", ["upload", "result", "judges"])
def test_tap_targets_are_at_least_48px(browser, playwright, live_server, result_path, which):
    context = browser.new_context(**device_options(playwright, "android"))
    page = context.new_page()
    page.goto(live_server + address(which, result_path))
    small = page.evaluate("""() => [...document.querySelectorAll(
            'a, button, select, input:not([type=hidden]), label.btn')]
        .filter(e => e.offsetParent !== null && !e.classList.contains('visually-hidden'))
        .map(e => [e.outerHTML.slice(0, 60), e.getBoundingClientRect()])
        .filter(([_, r]) => r.height < 48 || r.width < 48)
        .map(([html, r]) => `${html} ${Math.round(r.width)}x${Math.round(r.height)}`)""")
    assert small == []
    context.close()


def test_main_action_is_within_thumb_reach(browser, playwright, live_server):
    context = browser.new_context(**device_options(playwright, "iphone"))
    page = context.new_page()
    page.goto(live_server + "/")
    button = page.locator("label[for=image]").bounding_box()
    viewport = page.viewport_size
    assert button["y"] + button["height"] <= viewport["height"] and button["width"] >= viewport["width"] * 0.8
    context.close()


def test_works_without_javascript(browser, playwright, live_server):
    context = browser.new_context(**device_options(playwright, "iphone", java_script_enabled=False))
    page = context.new_page()
    page.goto(live_server + "/")
    page.set_input_files("#image", str(PEOPLE["grace_hopper"]))
    page.click("#submit")
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]{22}$"))
    expect(page.locator("#verdict")).to_have_text("健全")
    page.screenshot(path=ROOT / "artifacts" / "screenshots" / "no-javascript-result.png", full_page=True)
    context.close()


@pytest.mark.parametrize("which", ["upload", "result", "judges"])
@pytest.mark.parametrize("lang", ["ja-JP", "en-US"])
def test_axe_finds_no_serious_violation(browser, playwright, live_server, result_path, which, lang):
    # bypass_csp: axe is injected as an inline script, which the app's own CSP rightly forbids.
    context = browser.new_context(**device_options(playwright, "iphone", locale=lang, bypass_csp=True))
    page = context.new_page()
    page.goto(live_server + address(which, result_path))
    assert serious_violations(page) == []
    context.close()
