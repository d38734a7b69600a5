"""Take the README's phone screenshots: run the app under gunicorn, upload a sample photo in Chromium.

Usage: .venv/bin/python tools/screenshots.py   (needs Debian's chromium and the playwright package)
"""

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))
from tests.photos import PEOPLE  # noqa: E402
from tests.servers import Gunicorn  # noqa: E402


def main():
    server = Gunicorn(tempfile.mkdtemp(prefix="hantei-shots-"), workers=1, ratelimit="off")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--disable-gpu", "--no-first-run", "--disable-background-networking"])
            device = {k: v for k, v in p.devices["iPhone 13"].items() if k != "default_browser_type"}
            page = browser.new_context(**device, locale="ja-JP").new_page()
            page.goto(server.url)
            page.set_input_files("#image", str(PEOPLE["astronaut"]))
            page.wait_for_selector("#preview:not(.d-none)")
            page.screenshot(path=OUT / "upload-phone.png", full_page=True)
            page.click("#submit")
            page.wait_for_url("**/r/*")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=OUT / "result-phone.png", full_page=True)
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
