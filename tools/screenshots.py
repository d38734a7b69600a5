"""Take the README's screenshots: run the app under gunicorn, pick a group photo in Chromium, shoot the first screen.

Usage: .venv/bin/python tools/screenshots.py   (needs Debian's chromium and the playwright package)
"""

import sys
import tempfile
from pathlib import Path

import requests
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))
from tests.helpers import FACES  # noqa: E402
from tests.servers import Gunicorn  # noqa: E402


def shoot(browser, p, server, device, lang, result_url=None):
    """One context: the upload page and a fresh result (or, given result_url, that result as a visitor sees it)."""
    options = {k: v for k, v in p.devices[device].items() if k != "default_browser_type"}
    page = browser.new_context(**options, locale=lang).new_page()
    if result_url is None:
        page.goto(server.url)
        page.wait_for_load_state("networkidle")
        if lang == "ja-JP" and device == "iPhone 13":
            page.screenshot(path=OUT / "upload-phone.png")
        page.set_input_files("#image", str(FACES / "group_of_three.jpg"))  # judging starts on the pick
        page.wait_for_url("**/r/*")
    else:
        page.goto(result_url)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(700)  # the stamp's press animation
    return page


def main():
    # A fresh install's default judge (age): tests/servers.py makes keshikaran the tests' default.
    server = Gunicorn(tempfile.mkdtemp(prefix="hantei-shots-"), workers=1, ratelimit="off",
                      env={"HANTEI_DEFAULT_JUDGE": "age"})
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--disable-gpu", "--no-first-run", "--disable-background-networking"])
            owner = shoot(browser, p, server, "iPhone 13", "ja-JP")
            owner.screenshot(path=OUT / "result-phone-owner.png")
            url = owner.url
            for lang in ("ja", "en"):  # the README's share cards, as crawlers fetch them
                card = requests.get(f"{url}/card.jpg?lang={lang}", headers={"Host": "hantei.example"}, timeout=60)
                (ROOT / "docs" / f"share-card-{lang}.jpg").write_bytes(card.content)
            shoot(browser, p, server, "iPhone 13", "ja-JP", url).screenshot(path=OUT / "result-phone.png")
            english = shoot(browser, p, server, "iPhone 13", "en-US", url + "?lang=en")
            english.screenshot(path=OUT / "result-phone-en.png")
            shoot(browser, p, server, "Desktop Chrome", "ja-JP", url).screenshot(path=OUT / "result-desktop.png")
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
