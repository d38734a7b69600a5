"""A look-alike judge made on a phone, in a real browser against gunicorn with two workers: log in to the cockpit,
create the judge, add two people with their photos, try one, publish, then judge another photo of one of them on the
public page, which the other worker serves too without a restart. Plus each cockpit page on a small phone."""

import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SHOTS, device_options, serious_violations
from tests.helpers import FACES, ROOT, build_app
from tests.servers import Gunicorn

GALLERY = FACES.parent / "gallery"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """gunicorn (two workers) over a models folder that holds keshikaran alone, with the admin password set."""
    root = tmp_path_factory.mktemp("galleries-browser")
    models, data = root / "models", root / "data"
    shutil.copytree(ROOT / "models" / "keshikaran", models / "keshikaran")
    app = build_app(DATA_DIR=data, MODELS_DIR=models)
    assert app.test_cli_runner().invoke(args=["admin", "set-password"],
                                        input=f"{PASSWORD}\n{PASSWORD}\n").exit_code == 0
    server = Gunicorn(data, workers=2, ratelimit="off", models_dir=models)
    yield server, models
    server.stop()


def log_in(page, url):
    page.goto(url + "/admin/login")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".admin-nav")).to_be_visible()


def add_label(page, key, ja, en, photos):
    page.fill("#label-key", key)
    page.fill("#name-ja", ja)
    page.fill("#name-en", en)
    page.click("form[action$='/labels'] button[type=submit]")
    section = page.locator(f"section[data-label='{key}']")
    expect(section).to_be_visible()
    started = time.perf_counter()
    section.locator("input[type=file]").set_input_files([str(path) for path in photos])  # sends them at once
    expect(page.locator(f"section[data-label='{key}'] [data-used='{len(photos)}']")).to_be_visible()
    return time.perf_counter() - started


def test_a_look_alike_judge_made_on_a_phone_judges_on_the_public_page(browser, playwright, instance):
    server, models = instance
    context = browser.new_context(**device_options(playwright, "iphone"))
    context.set_default_timeout(60_000)
    page = context.new_page()
    log_in(page, server.url)
    page.click("text=似てる判定")
    page.fill("#gallery-id", "lookalike")
    page.fill("#title-ja", "そっくりさん判定")
    page.fill("#title-en", "Who do you look like?")
    page.click("form.admin-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("そっくりさん判定")
    obamas = [GALLERY / "obama.jpg", GALLERY / "obama2.jpg"]
    seconds = add_label(page, "obama", "バラク・オバマ", "Barack Obama", obamas)
    add_label(page, "hopper", "グレース・ホッパー", "Grace Hopper", [FACES / "grace_hopper.jpg"])
    print(f"two reference photos added and built from the phone in {seconds:.1f} s")
    boxes = page.locator("section[data-label] figure .face-box")
    expect(boxes).to_have_count(3)  # each reference photo shows the face hantei found in it

    page.set_input_files("#try-image", str(GALLERY / "obama3.jpg"))  # judged at once
    expect(page.locator("[data-tried-face]")).to_contain_text("バラク・オバマ")
    assert not list((models / ".candidates" / "lookalike").rglob("obama3*"))

    name = page.locator("section[data-label='obama'] figure").first.get_attribute("data-photo")
    page.locator(f"figure[data-photo='{name}'] .admin-image-form button").click()  # its picture beside answers
    expect(page.locator("section[data-label='obama'] figcaption strong")).to_be_visible()
    page.click("#publish")
    expect(page.locator("[data-published='lookalike']")).to_be_visible()
    page.click("[data-published] a")  # "open it": the upload page with the new judge chosen
    expect(page.locator("#judge-lookalike")).to_be_checked()
    page.set_input_files("#image", str(GALLERY / "obama3.jpg"))  # picking it judges it at once
    expect(page.locator(".face-list")).to_contain_text("バラク・オバマ")
    expect(page.locator(".face-list img.face-picture")).to_be_visible()
    assert page.locator(".face-list img.face-picture").evaluate("img => img.naturalWidth") > 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=Path(SHOTS) / "galleries-result-ja-light.png", full_page=True)
    # both workers serve it: every answer of /api/v1/judges lists it
    for _ in range(6):
        judges = page.request.get(server.url + "/api/v1/judges").json()["judges"]
        assert "lookalike" in [judge["id"] for judge in judges]
    context.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_gallery_pages_fit_a_small_phone(browser, playwright, instance, lang, scheme):
    """Each cockpit page of a draft at 320 px: nothing wider than the screen, no serious axe finding; a screenshot of
    each under artifacts/screenshots/."""
    server, models = instance
    judge_id = f"shots-{lang}-{scheme}"
    context = browser.new_context(**device_options(playwright, "iphone", locale=f"{lang}-JP" if lang == "ja" else
                                                   "en-US", bypass_csp=True, color_scheme=scheme,
                                                   viewport={"width": 320, "height": 640}))
    context.set_default_timeout(60_000)
    page = context.new_page()
    log_in(page, server.url)
    page.goto(server.url + "/admin/galleries")
    page.fill("#gallery-id", judge_id)
    page.fill("#title-ja", "そっくりさん判定")
    page.fill("#title-en", "Who do you look like?")
    page.click("form.admin-form button[type=submit]")
    add_label(page, "hopper", "グレース・ホッパー", "Grace Hopper",
              [FACES / "grace_hopper.jpg", FACES / "group_of_three.jpg"])
    page.set_input_files("#try-image", str(FACES / "group_of_three.jpg"))
    expect(page.locator("[data-tried-face]").first).to_be_visible()
    check_and_shoot(page, f"galleries-draft-{lang}-{scheme}")
    for link in [a.get_attribute("href") for a in page.locator("section[data-label='hopper'] figure a").all()]:
        page.goto(server.url + link)
        if page.locator(".admin-pick button").count() == 3:  # the group photo
            break
    expect(page.locator(".admin-pick button")).to_have_count(3)
    check_and_shoot(page, f"galleries-faces-{lang}-{scheme}")
    page.goto(server.url + "/admin/galleries")
    check_and_shoot(page, f"galleries-list-{lang}-{scheme}")
    context.close()


def check_and_shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=Path(SHOTS) / f"{name}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, name
    assert serious_violations(page) == [], name
