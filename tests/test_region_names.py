"""What a judge shows of its regions: never NudeNet's guess of a face's gender; a manifest renames or hides labels."""

import pytest
from bs4 import BeautifulSoup

from hantei.judges import ManifestError, open_judge
from tests.photos import encoded, rgb, upload

FACES_WEIGH = """
id = "faces"
title = {{ ja = "顔判定", en = "Faces" }}
description = {{ ja = "顔を数えます", en = "Counts faces" }}
[detect]
detector = "nudenet"
{extra}
[score]
weights = {{ FACE_FEMALE = 0.05, FACE_MALE = 0.05 }}
[verdict]
bands = [{{ below = 0.5, ja = "少なめ", en = "Few" }}, {{ ja = "多め", en = "Many" }}]
"""


def faces_app(make_app, tmp_path, extra=""):
    folder = tmp_path / "models" / "faces"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "judge.toml").write_text(FACES_WEIGH.format(extra=extra), encoding="utf-8")
    return make_app(DATA_DIR=tmp_path / "data", MODELS_DIR=tmp_path / "models", DEFAULT_JUDGE="faces")


def result_page(app, lang):
    client = app.test_client()
    location = upload(client, encoded(rgb("astronaut"), "JPEG", quality=92)).headers["Location"]
    return client.get(location, headers={"Accept-Language": lang}).data.decode()


@pytest.mark.parametrize("lang, face", [("ja", "顔"), ("en", "Face")])
def test_a_face_is_a_face_whatever_nudenet_guessed(make_app, tmp_path, lang, face):
    html = result_page(faces_app(make_app, tmp_path), lang)
    page = BeautifulSoup(html, "html.parser")
    assert [n.get_text() for n in page.select(".region-name")] == [face]  # NudeNet said FACE_FEMALE
    assert face in page.select_one("svg.regions text").get_text()
    assert not any(word in html for word in ("FACE_FEMALE", "女性", "female", "Female"))


def test_a_manifest_renames_and_hides_detector_labels(make_app, tmp_path):
    renamed = faces_app(make_app, tmp_path / "a", 'names = { FACE_FEMALE = { ja = "ひと", en = "Person" } }')
    assert [n.get_text() for n in BeautifulSoup(result_page(renamed, "en"), "html.parser").select(".region-name")] == [
        "Person"]
    hidden = BeautifulSoup(result_page(faces_app(make_app, tmp_path / "b", 'hide = ["FACE_FEMALE"]'), "ja"),
                           "html.parser")
    assert not hidden.select(".region-name") and not hidden.select("svg.regions g")
    assert float(hidden.select_one("[data-score]")["data-score"]) > 0  # hidden from the page, still counted


@pytest.mark.parametrize("extra, complaint", [
    ('names = { FACE = { ja = "顔", en = "Face" } }', "names.*FACE"),
    ('hide = ["HAT"]', "hide.*HAT"),
    ('names = { FACE_MALE = { ja = "顔" } }', "both languages"),
    ('hide = "FACE_MALE"', "hide a list"),
])
def test_renaming_mistakes_are_named(tmp_path, extra, complaint):
    folder = tmp_path / "faces"
    folder.mkdir()
    (folder / "judge.toml").write_text(FACES_WEIGH.format(extra=extra), encoding="utf-8")
    with pytest.raises(ManifestError, match=complaint):
        open_judge(folder)
