"""Take the README's phone screenshots: run the app under gunicorn, upload a sample photo in Chromium.

Usage: .venv/bin/python tools/screenshots.py   (needs Debian's chromium and the playwright package)
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))
from tests.photos import PEOPLE  # noqa: E402


def main():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tempfile.mkdtemp(prefix="hantei-shots-")
    env = {**os.environ, "HANTEI_DATA_DIR": data, "HANTEI_BIND": f"127.0.0.1:{port}", "HANTEI_WORKERS": "1"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                               "app:app"], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--disable-gpu", "--no-first-run", "--disable-background-networking"])
            device = {k: v for k, v in p.devices["iPhone 13"].items() if k != "default_browser_type"}
            page = browser.new_context(**device, locale="ja-JP").new_page()
            page.goto(url)
            page.set_input_files("#image", str(PEOPLE["astronaut"]))
            page.wait_for_selector("#preview:not(.d-none)")
            page.screenshot(path=OUT / "upload-phone.png", full_page=True)
            page.click("#submit")
            page.wait_for_url("**/r/*")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=OUT / "result-phone.png", full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
