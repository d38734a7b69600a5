"""Beyond one photo, in Chromium: albums from the picker, installing hantei, the share target, pasting."""

import io
import re
import shutil
import tempfile

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM_ARGS, Screenshots, device_options
from tests.photos import encoded, phone_jpeg, rgb

ALBUM = re.compile(r"/a/[A-Za-z0-9_-]{22}$")
RESULT = re.compile(r"/r/[A-Za-z0-9_-]{22}$")


def picked(name, data, mime="image/jpeg"):
    return {"name": name, "mimeType": mime, "buffer": data}


@pytest.mark.parametrize("device", ["iphone", "android"])
def test_four_photos_at_once_make_an_album_and_a_broken_one_gets_its_message(page, live_server):
    page.goto(live_server + "/")
    photos = [picked("IMG_0001.JPG", phone_jpeg("astronaut", size=(3024, 4032))),
              picked("IMG_0002.JPG", encoded(rgb("coffee"), "JPEG")),
              picked("IMG_0003.PNG", encoded(rgb("camera"), "PNG"), "image/png"),
              picked("IMG_0004.JPG", encoded(rgb("chelsea"), "JPEG")),
              picked("IMG_0005.PNG", b"\x89PNG\r\n\x1a\n" + bytes(300), "image/png")]
    page.set_input_files("#image", photos)
    expect(page.locator("#upload-list li")).to_have_count(5)
    page.shot("five-picked")  # picking them sends them at once, as picking one photo does
    page.wait_for_url(ALBUM, timeout=90_000)
    items = page.locator(".album-item")
    expect(items).to_have_count(4)
    for n in range(4):
        expect(items.nth(n).locator(".album-verdict")).not_to_be_empty()
        expect(items.nth(n).locator("[data-score]")).to_have_attribute("data-score", re.compile(r"^\d\.\d{4}$"))
    failure = page.locator("#album-failures li")
    expect(failure).to_have_count(1)
    expect(failure).to_contain_text("IMG_0005.PNG")
    expect(failure).to_contain_text("壊れている")
    page.shot("album")

    card_url = page.locator('meta[property="og:image"]').get_attribute("content")
    card = page.request.get(card_url)
    assert card.status == 200 and card.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(card.body())).size == (1200, 630)
    expect(page.locator("#album-card")).to_have_js_property("naturalWidth", 1200)

    items.first.locator("a.album-link").click()
    page.wait_for_url(RESULT)
    expect(page.locator("#verdict")).not_to_be_empty()


@pytest.fixture
def installed_page(playwright):
    """A Pixel page in a real (not off-the-record) profile: Chromium never offers to install from an incognito one."""
    profile = tempfile.mkdtemp(prefix="hantei-pwa-", dir="/tmp")
    context = playwright.chromium.launch_persistent_context(
        profile, executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, **device_options(playwright, "android"))
    context.set_default_timeout(30_000)
    page = context.pages[0] if context.pages else context.new_page()
    page.shot = Screenshots(page, "installable")
    yield page
    context.close()
    shutil.rmtree(profile, ignore_errors=True)


def test_hantei_is_installable_and_shows_a_friendly_page_offline(installed_page, live_server):
    page = installed_page
    page.goto(live_server + "/")
    manifest = page.request.get(live_server + page.locator('link[rel="manifest"]').get_attribute("href"))
    assert manifest.status == 200 and "manifest+json" in manifest.headers["content-type"]
    body = manifest.json()
    assert body["share_target"]["method"] == "POST" and body["share_target"]["enctype"] == "multipart/form-data"
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    cdp = page.context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == [], errors
    parsed = cdp.send("Page.getAppManifest")
    assert not parsed.get("errors"), parsed.get("errors")

    page.reload()  # now controlled by the service worker
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.goto(live_server + "/judges")
    expect(page.locator("#offline")).to_contain_text("インターネットにつながっていません")
    expect(page.locator("#offline")).to_contain_text("You are offline")
    page.shot("offline")
    page.context.set_offline(False)


@pytest.mark.parametrize("device", ["android"])
def test_a_share_target_post_lands_on_the_result_page(page, live_server):
    """What Android does for "Share → hantei": a multipart POST to the manifest's action, without our form."""
    page.goto(live_server + "/offline")
    data = list(encoded(rgb("astronaut"), "JPEG"))
    page.evaluate("""([action, bytes]) => {
        const form = document.createElement("form");
        form.method = "post"; form.enctype = "multipart/form-data"; form.action = action;
        const input = document.createElement("input");
        input.type = "file"; input.name = "image";
        const files = new DataTransfer();
        files.items.add(new File([new Uint8Array(bytes)], "PXL_0001.jpg", {type: "image/jpeg"}));
        input.files = files.files;
        form.appendChild(input); document.body.appendChild(form); form.submit();
    }""", ["/share", data])
    page.wait_for_url(RESULT, timeout=60_000)
    expect(page.locator("#verdict")).to_have_text("健全")
    page.shot("shared")


@pytest.mark.parametrize("device", ["desktop"])
def test_pasting_an_image_selects_it(page, live_server):
    page.goto(live_server + "/")
    data = list(encoded(rgb("camera").convert("RGB"), "PNG"))
    page.evaluate("""(bytes) => {
        const clip = new DataTransfer();
        clip.items.add(new File([new Uint8Array(bytes)], "screenshot.png", {type: "image/png"}));
        document.body.dispatchEvent(new ClipboardEvent("paste", {clipboardData: clip, bubbles: true}));
    }""", data)
    # The pasted image is selected and, as a picked one is, judged at once: the page lands on its result.
    page.wait_for_url(RESULT, timeout=60_000)
