"""/judges links to a trained judge's model card, which renders as a page with its figures."""

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "training-example"


@pytest.fixture
def carded(make_app, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(ROOT / "models" / "keshikaran", models / "keshikaran")
    for name in ("CARD.md", "confusion.png", "roc.png"):
        shutil.copy(EXAMPLE / name, models / "keshikaran" / name)
    (models / "keshikaran" / "secret.txt").write_text("not served")
    return make_app(DATA_DIR=tmp_path / "data", MODELS_DIR=models).test_client()


def test_judges_page_links_the_card(carded, client):
    page = BeautifulSoup(carded.get("/judges").data, "html.parser")
    assert page.select_one("a.card-link")["href"] == "/judges/keshikaran/card"
    shipped = BeautifulSoup(client.get("/judges").data, "html.parser").select("a.card-link")
    assert sorted(a["href"] for a in shipped) == ["/judges/age/card", "/judges/kinds/card", "/judges/smile/card"]


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


def test_card_shows_no_server_path_and_prefers_the_visitors_language(carded, tmp_path):
    folder = tmp_path / "models" / "keshikaran"
    card = (folder / "CARD.md").read_text(encoding="utf-8")
    (folder / "CARD.md").write_text(card + "\n- Folder: `/srv/hantei/photos/friends`\n", encoding="utf-8")
    english = carded.get("/judges/keshikaran/card", headers={"Accept-Language": "en"}).data.decode()
    assert "/srv/hantei" not in english and "<code>friends/</code>" in english
    japanese = carded.get("/judges/keshikaran/card", headers={"Accept-Language": "ja"}).data.decode()
    assert "英語" in japanese  # says the card is in English
    japanese_card = "# モデルカード\n\n| 指標 | 値 |\n|---|---|\n| 正解率 | 0.9 |\n"
    (folder / "CARD.ja.md").write_text(japanese_card, encoding="utf-8")
    japanese = BeautifulSoup(carded.get("/judges/keshikaran/card", headers={"Accept-Language": "ja"}).data,
                             "html.parser")
    assert page_text(japanese).count("正解率") == 1 and "英語" not in page_text(japanese)


def page_text(page):
    return page.select_one("main").get_text()
