"""The operator's loop in a real browser on a phone: report a wrong verdict with consent; as the admin, log in,
review and accept it; export, train a new version, compare the two cards, activate it; old results keep verdicts."""

import os
import signal
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from playwright.sync_api import expect

from hantei.cockpit import versions
from tests import training_photos
from tests.browser.conftest import SHOTS, device_options, serious_violations
from tests.helpers import build_app
from tests.servers import Gunicorn

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """A trained judge (version 1) served by gunicorn, with the admin password set; plus the app for commands."""
    root = tmp_path_factory.mktemp("cockpit-browser")
    models, data = root / "models", root / "data"
    models.mkdir()
    app = build_app(DATA_DIR=data, MODELS_DIR=models, DEFAULT_JUDGE="kinds")
    runner = app.test_cli_runner()
    photos = training_photos.build(root / "kinds", {"train": 6, "val": 3, "test": 3})
    assert runner.invoke(args=["train", str(photos), "--name", "kinds"]).exit_code == 0
    assert runner.invoke(args=["admin", "set-password"], input=f"{PASSWORD}\n{PASSWORD}\n").exit_code == 0
    server = Gunicorn(data, workers=1, ratelimit="off", models_dir=models, default_judge="kinds")
    yield server, app, runner, photos, root
    server.stop()


def _reload(server):
    """kill -HUP, as the README says, then wait until a new worker answers."""
    os.kill(server.process.pid, signal.SIGHUP)
    time.sleep(3)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(server.url + "/healthz/ready", timeout=15).status_code == 200:
                return
        except requests.RequestException:
            pass  # the new worker is still loading its judges
        time.sleep(0.5)
    raise AssertionError("gunicorn did not come back after HUP")


def test_report_review_export_train_compare_activate(browser, playwright, instance):
    server, app, runner, photos, root = instance
    phone = browser.new_context(**device_options(playwright, "iphone"))
    page = phone.new_page()
    page.goto(server.url + "/")
    page.set_input_files("#image", str(photos / "test" / "illust" / "000.png"))  # picking it judges it at once
    expect(page.locator("h1.verdict")).to_be_visible()
    result_path = page.url.split(server.url, 1)[1].split("?")[0]
    result_id = result_path.rsplit("/", 1)[1]
    verdict_before = page.locator("h1.verdict").inner_text()
    judged = app.extensions["hantei.store"].get(result_id).judgement.labels[0]["label"]
    right = next(label for label in ("photo", "illust", "screenshot") if label != judged)
    page.click("#copy-link")  # share-count.js sends a beacon for the tap
    counters = app.extensions["hantei.cockpit"].counters
    for _ in range(40):
        if counters.totals(datetime.now(timezone.utc) - timedelta(hours=1)).get("share") == {"copy": 1}:
            break
        time.sleep(0.25)
    assert counters.totals(datetime.now(timezone.utc) - timedelta(hours=1))["share"] == {"copy": 1}
    page.click("text=判定が違う？")
    page.check(f'input[name="answer"][value="{right}"]')
    expect(page.locator("#consent")).not_to_be_checked()  # off by default
    page.check("#consent")
    page.click("button[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible()

    admin = browser.new_context(**device_options(playwright, "iphone")).new_page()
    admin.goto(server.url + "/admin/login")
    admin.fill("#password", PASSWORD)
    admin.click("button[type=submit]")
    admin.goto(server.url + "/admin/reports")
    report = admin.locator(f'article[data-result="{result_id}"]')
    expect(report).to_be_visible()
    assert report.locator("img.admin-photo").evaluate("img => img.naturalWidth") > 0
    report.locator("select").select_option(right)
    report.locator('button[value="accept"]').click()
    expect(admin.locator(f'tr[data-result="{result_id}"]')).to_be_visible()

    exported = root / "exported"
    assert "wrote 1 photo" in runner.invoke(args=["reports", "export", str(exported)]).output
    trained = runner.invoke(args=["train", str(photos), "--name", "kinds", "--add", str(exported), "--candidate"])
    assert trained.exit_code == 0, trained.output
    admin.goto(server.url + "/admin/judges")
    cards = admin.locator(".admin-card")
    expect(cards.nth(1)).to_have_attribute("data-version", "2")
    assert cards.nth(0).get_attribute("data-version") == "1" and cards.nth(1).locator("table").count() >= 1
    assert cards.nth(0).locator("table").count() >= 1

    assert runner.invoke(args=["judges", "activate", "kinds"]).exit_code == 0
    assert versions.describe(root / "models" / "kinds").version == "2"
    _reload(server)
    for _ in range(30):  # an old worker may still answer a moment after the HUP
        admin.goto(server.url + "/admin/judges")
        if admin.locator(".admin-card").nth(0).get_attribute("data-version") == "2":
            break
        time.sleep(1)
    expect(admin.locator(".admin-card").nth(0)).to_have_attribute("data-version", "2")
    page.goto(server.url + result_path)
    assert page.locator("h1.verdict").inner_text() == verdict_before
    assert app.extensions["hantei.store"].get(result_id).judgement.version == "1"
    phone.close()


def _fits_and_passes_axe(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, page.url
    serious = serious_violations(page)
    assert serious == [], page.url


def test_report_and_admin_pages_fit_a_small_phone(browser, playwright, instance):
    server, _, _, photos, _ = instance
    # bypass_csp: axe is injected as an inline script, which the app's own CSP rightly forbids.
    context = browser.new_context(**device_options(playwright, "iphone", bypass_csp=True,
                                                   viewport={"width": 320, "height": 640}))
    page = context.new_page()
    page.goto(server.url + "/")
    page.set_input_files("#image", str(photos / "test" / "photo" / "000.jpg"))  # picking it judges it at once
    expect(page.locator("h1.verdict")).to_be_visible()
    page.click("text=判定が違う？")
    _fits_and_passes_axe(page)
    page.goto(server.url + "/admin/login")
    _fits_and_passes_axe(page)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    for path in ("/admin?window=day", "/admin/reports", "/admin/judges"):
        page.goto(server.url + path)
        _fits_and_passes_axe(page)
    # A result id is random: a row of the widest eight letters must fit as well as the ones this run drew.
    page.goto(server.url + "/admin/reports")
    wide_row = "<tr>" + "<td>WWWWWWWW</td>" * 5
    page.evaluate("row => document.querySelector('tbody').insertAdjacentHTML('beforeend', row)", wide_row)
    _fits_and_passes_axe(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "cockpit-reports-320.png", full_page=True)
    context.close()
