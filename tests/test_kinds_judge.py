"""The kinds judge hantei ships: served out of the box beside keshikaran, right on real images it never saw,
and its card's figures are the ones its metrics.json holds."""

import csv
import json
import re
from pathlib import Path

import pytest

from tests.photos import SKIMAGE

ROOT = Path(__file__).resolve().parent.parent
KINDS = ROOT / "models" / "kinds"


@pytest.fixture
def client(make_app):
    return make_app(MODELS_DIR=ROOT / "models").test_client()


def test_a_fresh_install_offers_kinds_beside_keshikaran(client):
    page = client.get("/").get_data(as_text=True)
    assert 'value="kinds"' in page and 'value="keshikaran"' in page
    page = client.get("/judges", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "写真・イラスト・スクショ判定" in page


@pytest.mark.parametrize("path, truth", [
    (SKIMAGE / "chelsea.png", "photo"),  # in its training photos
    (SKIMAGE / "color.png", "illust"),  # outside its data set: scikit-image's drawn colour wheel
    (ROOT / "docs" / "screenshots" / "result-phone.png", "screenshot"),  # outside it: hantei's page in Chromium
])
def test_kinds_names_what_a_real_image_is(client, path, truth):
    with open(path, "rb") as image:
        response = client.post("/api/v1/judge", data={"image": (image, path.name), "judge": "kinds"})
    assert response.status_code == 201, response.json
    scores = {entry["label"]: entry["score"] for entry in response.json["labels"]}
    assert max(scores, key=scores.get) == truth and scores[truth] >= 0.5


def test_the_card_states_the_accuracy_its_metrics_hold_on_photos_from_unseen_projects():
    metrics = json.loads((KINDS / "metrics.json").read_text(encoding="utf-8"))
    card = (KINDS / "CARD.md").read_text(encoding="utf-8")
    claimed = float(re.search(r"Accuracy \*\*([0-9.]+)\*\*", card).group(1))
    assert claimed == round(metrics["test"]["accuracy"], 3) and claimed >= 0.95
    assert all(entry["recall"] >= 0.95 for entry in metrics["test"]["labels"].values())  # every label, issue #26
    assert "projects whose packages training never used" in card
    with open(ROOT / "tools" / "kinds_photos.csv", newline="", encoding="utf-8") as handle:  # what it learned
        listed = list(csv.DictReader(handle))
    families = {row["family"] for row in listed if row["split"] == "train"}
    packages = {row["package"] for row in listed if row["split"] == "train"}
    tested = [Path(p) for p in metrics["test_photos"]]
    assert len(tested) == sum(row["split"] == "test" for row in listed)
    assert not {p.parts[2] for p in tested} & families  # split by project (family folder)
    assert not {p.name.split("--")[0] for p in tested} & packages
