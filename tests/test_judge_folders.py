"""Judges are data: a folder with a manifest and an ONNX file becomes a judge, listed on /judges, no code."""

import shutil
import signal
import time
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup

from tests.servers import Gunicorn
from tests.helpers import labels_judge

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def two_judges(make_app, tmp_path):
    shutil.copytree(ROOT / "models" / "keshikaran", tmp_path / "models" / "keshikaran")
    labels_judge(tmp_path / "models" / "friends")
    return make_app(DATA_DIR=tmp_path / "data", MODELS_DIR=tmp_path / "models")


def test_judges_are_not_loaded_until_first_used(two_judges):
    registry = two_judges.extensions["hantei.judges"]
    assert not registry.read_here
    assert sorted(registry.loaded) == ["friends", "keshikaran"] and registry.read_here


def test_judges_page_lists_description_labels_and_license(two_judges):
    client = two_judges.test_client()
    page = BeautifulSoup(client.get("/judges?lang=ja").data, "html.parser")
    cards = {card["id"]: card.text for card in page.select(".judge-card")}
    assert set(cards) == {"judge-friends", "judge-keshikaran"}
    assert "サーバル" in cards["judge-friends"] and "アライさん" in cards["judge-friends"]
    assert "fennec" in cards["judge-friends"] and "CC0 (tests)" in cards["judge-friends"]
    assert "AGPL-3.0" in cards["judge-keshikaran"]
    upload = BeautifulSoup(client.get("/").data, "html.parser")
    assert [o["value"] for o in upload.select("input[name=judge]")] == ["keshikaran", "friends"]  # the default first
    assert upload.select_one("input[name=judge][checked]")["value"] == "keshikaran" and not upload.select("select")
    assert upload.select_one("a.judges-link")["href"] == "/judges"


def test_api_lists_label_names(two_judges):
    listed = {j["id"]: j for j in two_judges.test_client().get("/api/v1/judges").json["judges"]}
    assert listed["friends"]["labels"] == ["serval", "raccoon", "fennec"]
    assert listed["friends"]["names"]["serval"] == {"ja": "サーバル", "en": "Serval"}


def wait_for(url, check, seconds=120):
    """Poll until the server's answer passes check (a readiness wait, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            answer = requests.get(url, timeout=10)
            if check(answer):
                return answer
        except requests.RequestException:
            pass  # a worker being replaced after the HUP answers late or not at all
        time.sleep(0.2)
    raise AssertionError(f"{url} never answered as expected")


def test_a_new_judge_folder_is_served_after_gunicorn_reloads(tmp_path):
    models = tmp_path / "models"
    shutil.copytree(ROOT / "models" / "keshikaran", models / "keshikaran")
    server = Gunicorn(tmp_path / "data", workers=1, ratelimit="off", models_dir=models)
    try:
        url = server.url + "/api/v1/judges"
        ids = lambda answer: sorted(j["id"] for j in answer.json()["judges"])  # noqa: E731
        assert ids(requests.get(url, timeout=60)) == ["keshikaran"]
        labels_judge(models / "friends")
        assert ids(requests.get(url, timeout=60)) == ["keshikaran"]  # a running worker keeps what it loaded
        server.process.send_signal(signal.SIGHUP)
        wait_for(url, lambda a: a.ok and "friends" in ids(a))
    finally:
        server.stop()
