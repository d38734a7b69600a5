"""/judges links to a trained judge's model card, which renders as a page with its figures."""

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from hantei import create_app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "training-example"


@pytest.fixture
def carded(tmp_path):
    models = tmp_path / "models"
    shutil.copytree(ROOT / "models" / "keshikaran", models / "keshikaran")
    for name in ("CARD.md", "confusion.png", "roc.png"):
        shutil.copy(EXAMPLE / name, models / "keshikaran" / name)
    (models / "keshikaran" / "secret.txt").write_text("not served")
    return create_app({"TESTING": True, "DATA_DIR": tmp_path / "data", "MODELS_DIR": models}).test_client()


def test_judges_page_links_the_card(carded, client):
    page = BeautifulSoup(carded.get("/judges").data, "html.parser")
    assert page.select_one("a.card-link")["href"] == "/judges/keshikaran/card"
    shipped = BeautifulSoup(client.get("/judges").data, "html.parser").select("a.card-link")
    assert [a["href"] for a in shipped] == ["/judges/kinds/card"]  # of the shipped judges, only kinds has a card


def test_card_renders_with_its_tables_and_figures(carded):
    response = carded.get("/judges/keshikaran/card")
    page = BeautifulSoup(response.data, "html.parser")
    assert response.status_code == 200 and page.select(".model-card table")
    for image in page.select(".model-card img"):
        figure = carded.get(f"/judges/keshikaran/{image['src']}")
        assert figure.status_code == 200 and figure.mimetype == "image/png" and figure.data[:4] == b"\x89PNG"


def test_only_the_figures_are_served(carded):
    assert carded.get("/judges/keshikaran/secret.png").status_code == 404
    assert carded.get("/judges/keshikaran/..%2Fjudge.png").status_code == 404
    assert carded.get("/judges/nobody/card").status_code == 404
