"""The path a visitor takes, in Chromium emulating an iPhone, an Android phone and a desktop."""

import re

from playwright.sync_api import expect

from tests.photos import PEOPLE, phone_jpeg


def choose(page, tmp_path, data=None, name="IMG_0001.JPG", mime="image/jpeg"):
    """Pick a file through the real file input, as the photo picker would hand it over."""
    if data is None:
        page.set_input_files("#image", str(PEOPLE["astronaut"]))
    else:
        page.set_input_files("#image", {"name": name, "mimeType": mime, "buffer": data})


def slow_upload(page):
    """Throttle the upload so that the progress bar can be seen (Chromium's network emulation)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20,
                                                  "downloadThroughput": 2_000_000, "uploadThroughput": 150_000})


def test_upload_judge_share_and_delete(page, live_server, tmp_path):
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.shot("upload")
    expect(page.locator("#submit")).to_be_hidden()  # with JavaScript, picking a photo is enough
    slow_upload(page)
    page.set_input_files("#image", {"name": "IMG_0001.JPG", "mimeType": "image/jpeg",
                                    "buffer": phone_jpeg(size=(3024, 4032))})
    expect(page.locator("#preview")).to_be_visible()
    expect(page.locator("#upload-form [data-role=progress]")).to_be_visible()
    page.shot("progress", full_page=False)
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]{22}$"), timeout=60_000)
    expect(page.locator("#verdict")).to_have_text("健全")
    page.shot("result")

    photo = page.locator(".photo-wrap img").bounding_box()
    expect(page.locator("svg.regions rect.region-box")).to_have_count(0)  # a face weighs 0: not labelled
    page.wait_for_timeout(500)  # the stamp's press animation
    stamp = page.locator("[data-stamp]").bounding_box()
    centre = (stamp["x"] + stamp["width"] / 2, stamp["y"] + stamp["height"] / 2)
    assert photo["x"] + photo["width"] / 2 < centre[0] < photo["x"] + photo["width"] + 8
    assert photo["y"] + photo["height"] / 2 < centre[1] < photo["y"] + photo["height"] + 8

    expect(page.locator("#share-url")).to_have_value(page.url)
    if not page.locator(".delete-start").is_visible():
        page.click(".owner-tools summary")
    page.click(".delete-start")
    expect(page.locator(".delete-confirm button")).to_be_visible()  # asked first
    page.shot("delete-confirm")
    page.click(".delete-confirm button")
    expect(page.locator(".message")).to_be_visible()
    page.shot("deleted")
    assert page.goto(re.sub(r"/delete$", "", page.url)).status in (404, 410)


def test_not_an_image_is_refused_before_upload(page, live_server, tmp_path):
    page.goto(live_server + "/")
    choose(page, tmp_path, b"just some notes", name="notes.txt", mime="text/plain")
    expect(page.locator("#upload-error")).to_contain_text("読み込める写真ではありません")
    page.shot("not-an-image")


def test_damaged_photo_gets_the_servers_message(page, live_server, tmp_path):
    page.goto(live_server + "/")
    choose(page, tmp_path, b"\x89PNG\r\n\x1a\n" + bytes(200), name="broken.png", mime="image/png")
    expect(page.locator("#upload-error")).to_contain_text("壊れている")
    expect(page.locator("label[for=image]")).to_be_visible()
    page.shot("damaged")


def test_too_big_file_is_refused_before_upload(page, live_server, tmp_path):
    page.goto(live_server + "/")
    choose(page, tmp_path, b"\xff\xd8\xff" + bytes(21 * 1024 * 1024), name="huge.jpg")
    expect(page.locator("#upload-error")).to_contain_text("大きすぎます")
    page.shot("too-big")


def test_language_switch_sticks(page, live_server):
    page.goto(live_server + "/")
    page.click("text=English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("label[for=image]")).to_contain_text("Take or choose a photo")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.shot("english")
    page.click("text=日本語")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
