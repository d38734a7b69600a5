"""Real-browser fixtures: Debian's Chromium driven by Playwright, against the app under gunicorn on loopback."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.helpers import AXE
from tests.servers import Gunicorn

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]
# A shared 2-core machine can be slow: wait longer than Playwright's 5 s before calling a step failed.
expect.set_options(timeout=20_000)
DEVICES = {"iphone": "iPhone 13", "android": "Pixel 7", "desktop": "Desktop Chrome", "iphone-se": "iPhone SE"}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    app = Gunicorn(tmp_path_factory.mktemp("browser-data"), workers=2, ratelimit="off")
    yield app.url
    app.stop()


@pytest.fixture(scope="session")
def playwright():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def device_options(playwright, name, **extra):
    """Playwright's emulation of a device (viewport, scale, touch, user agent), Japanese by default."""
    options = {k: v for k, v in playwright.devices[DEVICES[name]].items() if k != "default_browser_type"}
    return {**options, "locale": "ja-JP", **extra}


def serious_violations(page):
    """What axe-core finds serious or critical on the page (its context needs bypass_csp: axe is an inline script)."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]
            if v["impact"] in ("serious", "critical")]


def small_phone(browser, playwright, lang):
    """A 320 px wide iPhone context in a language, ready for axe."""
    return browser.new_context(**device_options(playwright, "iphone", locale=lang, bypass_csp=True,
                                                viewport={"width": 320, "height": 640}))


@pytest.fixture(params=["iphone", "android", "desktop"])
def device(request):
    return request.param


@pytest.fixture
def page(browser, playwright, device, request):
    context = browser.new_context(**device_options(playwright, device))
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.shot = Screenshots(page, request.node.name)
    yield page
    context.close()


class Screenshots:
    """Saves a numbered screenshot of each step under artifacts/screenshots/ (kept by CI as artefacts)."""

    def __init__(self, page, test_name):
        self.page = page
        self.prefix = re.sub(r"[^A-Za-z0-9_-]+", "-", test_name).strip("-")
        self.count = 0

    def __call__(self, step, full_page=True):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.count += 1
        path = SHOTS / f"{self.prefix}-{self.count:02d}-{step}.png"
        self.page.screenshot(path=path, full_page=full_page)
        return path
