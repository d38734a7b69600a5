"""A spike that loses no one, in Chromium on phones: a full server's 503 keeps the photo, says so and sends it again by
itself until it lands on its result; past the cap one tap sends it; a visitor over their limit is told when."""

import json
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import SHOTS, device_options, serious_violations
from tests.photos import phone_jpeg
from tests.servers import Gunicorn

RESULT = re.compile(r"/r/([A-Za-z0-9_-]{22})$")
ALBUM = re.compile(r"/a/[A-Za-z0-9_-]{22}$")
PAGES = 6
PHOTOS = ["astronaut", "coffee", "chelsea", "camera", "astronaut", "coffee"]
SPIKE_SHOTS = Path("/tmp/spike-shots")

# Remembers, across the navigation to the result, each thing the page's status region said and when each upload
# was sent (by the page's clock, which a test may install).
RECORD = """
sessionStorage.setItem("said", sessionStorage.getItem("said") || "[]");
sessionStorage.setItem("sends", sessionStorage.getItem("sends") || "[]");
function remember(key, value) {
  sessionStorage.setItem(key, JSON.stringify(JSON.parse(sessionStorage.getItem(key)).concat([value])));
}
const send = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.send = function (body) { remember("sends", Date.now()); return send.call(this, body); };
addEventListener("DOMContentLoaded", () => {
  const said = document.querySelector('[data-role="line-said"]');
  if (said) new MutationObserver(() => said.textContent && remember("said", said.textContent))
    .observe(said, {childList: true, characterData: true, subtree: true});
});
"""


@pytest.fixture(scope="module")
def full_server(tmp_path_factory):
    """One worker with one judging slot and a 0.05-s queue, kept busy by another client: six phones at once
    are more than it takes."""
    app = Gunicorn(tmp_path_factory.mktemp("spike-data"), workers=1, ratelimit="off", max_judging=1,
                   queue_seconds=0.05)
    yield app
    app.stop()


def phone(browser, playwright, locale="ja-JP", **extra):
    context = browser.new_context(**device_options(playwright, "iphone", locale=locale, **extra))
    context.set_default_timeout(30_000)
    context.add_init_script(RECORD)
    return context


def recorded(page, key):
    return json.loads(page.evaluate(f"sessionStorage.getItem('{key}')"))


def photo(name, size=(3024, 4032)):
    return {"name": "IMG_0001.JPG", "mimeType": "image/jpeg", "buffer": phone_jpeg(name, size=size)}


def keep_busy(url, seconds):
    """Send 12 MP photos one after another for a while, each holding the judging slot while it is decoded and
    judged; what they are answered does not matter."""
    heavy = phone_jpeg("chelsea")
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        requests.post(url + "/api/v1/judge", files={"image": ("crowd.jpg", heavy)}, data={"judge": "age"},
                      timeout=30)


def test_six_phones_at_once_on_one_slot_all_land_on_their_results(browser, playwright, full_server):
    contexts = [phone(browser, playwright) for _ in range(PAGES)]
    try:
        pages = [context.new_page() for context in contexts]
        answers = {n: [] for n in range(PAGES)}
        for n, page in enumerate(pages):
            page.on("response", lambda response, n=n: response.url.endswith("/judge") and
                    answers[n].append(response.status))
            page.goto(full_server.url + "/?judge=age")  # the age judge (a face detector first) takes the slot longest
        # Already the stored copy's size, as a phone's page sends them: nothing to shrink, all sent at once.
        pictures = [photo(name, size=(768, 1024)) for name in PHOTOS]
        started = time.monotonic()
        # Six phones alone could squeeze through one after another (a kept phone JPEG is judged quickly and the
        # sends are some milliseconds apart): another client keeps the slot busy with camera-sized photos while
        # they arrive, as the rest of a launch would.
        crowd = threading.Thread(target=keep_busy, args=(full_server.url, 1.5))
        crowd.start()
        for page, picture in zip(pages, pictures):
            page.set_input_files("#image", picture)  # picking sends: six uploads at once
        crowd.join()
        ids = []
        for page in pages:
            page.wait_for_url(RESULT, timeout=120_000)
            expect(page.locator("#verdict")).not_to_be_empty()
            ids.append(RESULT.search(page.url).group(1))
        assert len(set(ids)) == PAGES  # each on its own result
        busy = [n for n in range(PAGES) if 503 in answers[n]]
        assert busy, answers  # else the server was never full and this test proved nothing
        for n in busy:
            said = recorded(pages[n], "said")
            assert any("順番待ち中" in line and "あと約" in line for line in said), said
            assert answers[n][-1] == 201 and set(answers[n][:-1]) == {503}, answers[n]
            sends = recorded(pages[n], "sends")
            gaps = [(b - a) / 1000 for a, b in zip(sends, sends[1:])]
            assert all(gap >= 1 for gap in gaps), gaps  # Retry-After (1 s here) honoured between tries
        print(f"answers per page: {answers}; all landed in {time.monotonic() - started:.1f} s")
    finally:
        for context in contexts:
            context.close()


def shot(page, name):
    """The phone's first screen, kept with the other screenshots (artifacts/screenshots) and in /tmp/spike-shots."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"spike-{name}")
    SPIKE_SHOTS.mkdir(exist_ok=True)
    shutil.copy(SHOTS / f"spike-{name}", SPIKE_SHOTS / name)


def always_busy(route):
    route.fulfill(status=503, headers={"Retry-After": "1", "Content-Type": "application/json"},
                  body=json.dumps({"error": {"code": "busy", "message": "busy"}}))


def test_past_the_cap_one_tap_sends_the_kept_photo(browser, playwright, full_server):
    """A server that stays full (its answer stood in for, for two minutes of the page's clock): the page backs off,
    stops at its cap, keeps the photo, and one tap later lands on the result from the real server."""
    context = phone(browser, playwright, locale="en-US")
    try:
        page = context.new_page()
        page.clock.install()
        page.route("**/judge", always_busy)
        page.goto(full_server.url + "/")
        page.set_input_files("#image", photo("coffee"))
        again = page.locator('[data-role="line"] [data-role="retry"]')
        for _ in range(200):
            page.clock.run_for(1000)
            if again.is_visible():
                break
        expect(again).to_be_visible()
        expect(page.locator('[role="status"][data-role="line-said"]')).to_have_text(re.compile("still busy"))
        expect(page.locator("#preview")).to_be_visible()  # the photo is kept
        shot(page, "gave-up-en-light.png")
        sends = recorded(page, "sends")
        gaps = [(b - a) / 1000 for a, b in zip(sends, sends[1:])]
        assert 4 <= len(sends) <= 15, gaps
        assert all(1 <= gap <= 31 for gap in gaps), gaps  # the floor, and the ceiling of one wait
        # The cap on the whole wait: two minutes from the first busy answer (a countdown ticks each 250 ms).
        assert (sends[-1] - sends[0]) / 1000 <= 121, gaps
        assert sum(gaps[len(gaps) // 2:]) / len(gaps[len(gaps) // 2:]) > sum(gaps[:2]) / 2  # it backs off
        page.clock.run_for(60_000)
        assert len(recorded(page, "sends")) == len(sends)  # past the cap, nothing is sent without the tap

        page.unroute("**/judge")
        again.click()
        page.wait_for_url(RESULT, timeout=60_000)
        expect(page.locator("#verdict")).not_to_be_empty()
    finally:
        context.close()


def test_an_album_turned_away_is_sent_again_whole(browser, playwright, full_server):
    """A busy answer to an album (a server turns one away whole: tests/test_throttle.py) waits as one photo does,
    then the same photos go to the real server and land on their album."""
    context = phone(browser, playwright)
    try:
        page = context.new_page()
        answers = []

        def busy_once(route):
            answers.append(route.request.post_data_buffer.count(b'name="image"'))
            if len(answers) == 1:
                always_busy(route)
            else:
                route.continue_()

        page.route("**/judge", busy_once)
        page.goto(full_server.url + "/")
        page.set_input_files("#image", [{**photo(name, size=(768, 1024)), "name": f"IMG_000{n}.JPG"}
                                        for n, name in enumerate(["astronaut", "coffee", "chelsea"])])
        expect(page.locator('[data-role="line-text"]')).to_contain_text("順番待ち中")
        page.wait_for_url(ALBUM, timeout=60_000)
        expect(page.locator(".album-item")).to_have_count(3)
        assert answers == [3, 3]  # all three photos, both times
    finally:
        context.close()


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory):
    app = Gunicorn(tmp_path_factory.mktemp("limited-data"), workers=1, ratelimit="1/minute")
    yield app
    app.stop()


def test_over_the_limit_the_page_says_when_and_sends_nothing_by_itself(browser, playwright, limited_server):
    context = phone(browser, playwright)
    try:
        page = context.new_page()
        page.goto(limited_server.url + "/")
        page.set_input_files("#image", photo("astronaut"))
        page.wait_for_url(RESULT, timeout=60_000)
        page.goto(limited_server.url + "/")
        page.evaluate("sessionStorage.setItem('sends', '[]')")  # the first upload's is not this one's
        with page.expect_response(lambda response: response.url.endswith("/judge")) as answer:
            page.set_input_files("#image", photo("coffee"))
        assert answer.value.status == 429
        status = page.locator('[role="status"][data-role="line-said"]')
        expect(status).to_have_text(re.compile(r"短い時間にたくさん.*約\d+秒後にこの写真を送れます"))
        expect(page.locator('[data-role="line-text"]')).to_be_visible()
        expect(page.locator("#preview")).to_be_visible()
        expect(page.locator('[data-role="line"] [data-role="retry"]')).to_be_hidden()  # not before it may
        page.wait_for_timeout(3000)
        assert len(recorded(page, "sends")) == 1  # no resend of its own
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_the_busy_state_on_a_phone(browser, playwright, full_server, locale, scheme):
    """The busy state as a visitor sees it, for the eye (screenshots) and for axe."""
    context = phone(browser, playwright, locale=locale, color_scheme=scheme, bypass_csp=True)
    try:
        page = context.new_page()
        page.route("**/judge", lambda route: route.fulfill(
            status=503, headers={"Retry-After": "9", "Content-Type": "application/json"},
            body=json.dumps({"error": {"code": "busy", "message": "busy"}})))
        page.goto(full_server.url + "/")
        page.set_input_files("#image", photo("chelsea"))
        text = page.locator('[data-role="line-text"]')
        expect(text).to_have_text(re.compile(r"順番待ち中.*あと約\d+秒で再送します" if locale == "ja-JP"
                                             else r"you are in line\. Sending your photo again in about \d+ seconds"))
        expect(page.locator("#preview")).to_be_visible()
        expect(page.locator("#upload-form [data-role=cancel]")).to_be_visible()
        box = text.bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= page.viewport_size["height"]  # on the first screen
        first = text.text_content()
        page.wait_for_timeout(2100)
        assert text.text_content() != first  # the countdown ticks
        assert serious_violations(page) == []
        shot(page, f"busy-{locale[:2]}-{scheme}.png")
    finally:
        context.close()
