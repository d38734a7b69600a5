"""The upload page's own work on a photo, in Chromium: shrink big photos (transparency on white), refuse SVG early."""

import io
import re

import pytest
import requests
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import device_options
from tests.photos import rgb


# Remembers what the page's script hands to XMLHttpRequest as the photo (name, type, size), across the
# navigation to the result page.
RECORD_UPLOAD = """
const send = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.send = function (body) {
  if (body instanceof FormData) {
    const file = body.get("image");
    sessionStorage.setItem("sentPhoto", JSON.stringify({name: file.name, type: file.type, size: file.size}));
  }
  return send.call(this, body);
};
"""


@pytest.fixture
def phone(browser, playwright):
    context = browser.new_context(**device_options(playwright, "iphone"))
    context.add_init_script(RECORD_UPLOAD)
    yield context.new_page()
    context.close()


def test_big_transparent_photo_is_shrunk_in_the_browser_on_white(phone, live_server):
    image = rgb("coffee").resize((3000, 2000)).convert("RGBA")
    image.paste((0, 0, 0, 0), (0, 0, 1500, 2000))  # the left half is transparent
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    phone.goto(live_server + "/")
    phone.set_input_files("#image", {"name": "big.png", "mimeType": "image/png", "buffer": buffer.getvalue()})
    phone.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]{22}$"), timeout=60_000)
    sent = phone.evaluate("JSON.parse(sessionStorage.getItem('sentPhoto'))")
    assert sent["name"] == "photo.jpg" and sent["type"] == "image/jpeg"  # re-encoded by the page
    assert sent["size"] < len(buffer.getvalue())

    stored = Image.open(io.BytesIO(requests.get(phone.url + "/photo.jpg", timeout=10).content))
    assert stored.size == (1024, 683)  # shrunk by the page to the stored copy's 1024 px
    assert min(stored.getpixel((300, 600))) >= 245  # white where the photo was transparent, not black


def test_svg_is_refused_before_upload(phone, live_server):
    phone.goto(live_server + "/")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"/>'
    phone.set_input_files("#image", {"name": "drawing.svg", "mimeType": "image/svg+xml", "buffer": svg})
    expect(phone.locator("#upload-error")).to_contain_text("読み込める写真ではありません")
