"""One answer per photo, whatever way it came: the page (which shrinks it in Chromium first), the API (the file) and
`flask judge` (the file, decoded only as large as the detector needs) give the same band and the same blur."""

import io
import json
import os
import re
import subprocess
import sys

import pytest
import requests
from PIL import Image

from tests.browser.conftest import ROOT
from tests.people import BUILT, people_photos

AGREEING = 0.97  # of the photos, at least this share get the same band every way; the blur is the same on all


def phone_copy(path, long_side=4032):
    """A photo enlarged to a 12 MP phone camera's size and saved as a phone saves it."""
    image = Image.open(path).convert("RGB")
    scale = long_side / max(image.size)
    buffer = io.BytesIO()
    image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.BICUBIC).save(
        buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """Photos of people the page shrinks (long side over 1024 px), and 12 MP copies of the two closest to a line."""
    folder = tmp_path_factory.mktemp("same-answer")
    chosen = {}
    for _row, path in people_photos("heldout"):
        with Image.open(path) as image:
            if max(image.size) > 1024:
                chosen[path.name] = path.read_bytes()
    for name in ("@vladmandic+face-api--package_demo_sample2.jpg", "@vladmandic+face-api--package_demo_sample6.jpg"):
        chosen[f"12mp-{name}"] = phone_copy(BUILT / "heldout" / name)
    files = {}
    for name, data in chosen.items():
        files[name] = folder / name
        files[name].write_bytes(data)
    return files


def through_page(page, live_server, path):
    """The verdict, score and blur of a photo picked on the upload page (shrunk by the page, then judged)."""
    page.goto(live_server + "/")
    page.set_input_files("#image", {"name": path.name, "mimeType": "image/jpeg" if path.suffix == ".jpg"
                                    else "image/png", "buffer": path.read_bytes()})
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]{22}$"), timeout=60_000)
    score = float(page.locator("[data-score]").get_attribute("data-score"))
    sensitive = "is-sensitive" in (page.locator(".result").get_attribute("class") or "")
    return page.locator("#verdict").inner_text().strip(), score, sensitive


def through_api(live_server, path):
    answer = requests.post(live_server + "/api/v1/judge", files={"image": (path.name, path.read_bytes())},
                           timeout=60).json()
    return answer["verdict"]["ja"], answer["score"], answer["sensitive"]


def through_cli(paths, tmp_path):
    environment = {**os.environ, "HANTEI_DATA_DIR": str(tmp_path), "HANTEI_DEFAULT_JUDGE": "keshikaran"}
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "judge", "--json", *map(str, paths)],
                         cwd=ROOT, env=environment, capture_output=True, text=True, check=True).stdout
    return {line["file"]: (line["verdict"]["ja"], line["score"], line["sensitive"])
            for line in map(json.loads, out.splitlines())}


def test_page_api_and_cli_give_one_answer(browser, playwright, live_server, photos, tmp_path):
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    cli = through_cli(photos.values(), tmp_path)
    answers = {}
    for name, path in photos.items():
        answers[name] = {"page": through_page(page, live_server, path), "api": through_api(live_server, path),
                         "cli": cli[str(path)]}
    context.close()
    assert len(answers) >= 12
    same_band = [name for name, ways in answers.items() if len({verdict for verdict, _, _ in ways.values()}) == 1]
    assert len(same_band) >= AGREEING * len(answers), answers
    assert all(len({blurred for _, _, blurred in ways.values()}) == 1 for ways in answers.values()), answers
    # the page really sent a shrunk copy: its scores are near the file's, not equal to them
    assert any(ways["page"][1] != ways["api"][1] for ways in answers.values())
