"""Every face gets its own answer: number judges, a sticker beside each face, the stamp on no face, the card
keeping every face in view, and what a visitor is never shown."""

import io
import json
import math

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from hantei.share import layout
from hantei.vision.detectors import CenterFaceDetector
from tests.helpers import FACES, smile_judge
from tests.onnx_models import linear_classifier
from tests.photos import upload

TRUTH = json.loads((FACES / "faces.json").read_text())
AGE_JUDGE = """
id = "age"
title = { ja = "年齢判定", en = "How old" }
description = { ja = "何歳に見える？", en = "How old do you look?" }
kind = "number"
[model]
path = "model.onnx"
input = { size = 32 }
output = { labels = ["age"] }
[detect]
detector = "face"
[verdict]
unit = { ja = "歳", en = "years old" }
order = "lowest"
pick = { ja = "最年少", en = "The youngest" }
[[verdict.bands]]
below = 0
ja = "赤ちゃん"
en = "Baby"
color = "#1c7ed6"
comment = { ja = ["まだまだ若い", "生まれたて"], en = ["So young", "Newborn"] }
[[verdict.bands]]
ja = "大人"
en = "Grown-up"
color = "#c2255c"
comment = { ja = "貫禄あり", en = "Seasoned" }
"""


@pytest.fixture
def face_app(make_app, tmp_path):
    models = tmp_path / "models"
    smile_judge(models / "smile")
    (models / "age").mkdir()
    linear_classifier(models / "age" / "model.onnx", [1, 3, 32, 32], outputs=1, seed=7)
    (models / "age" / "judge.toml").write_text(AGE_JUDGE, encoding="utf-8")
    return make_app(MODELS_DIR=models, DEFAULT_JUDGE="age")


def photo(name):
    return (FACES / name).read_bytes()


def boxes_of(page, selector, attribute):
    """{number: (x, y, w, h)} of the SVG rects that carry the attribute, in photo pixels."""
    found = {}
    for node in page.select(selector):
        rect = node if node.name == "rect" else node.find("rect")
        found[int(node[attribute])] = tuple(float(rect[k]) for k in ("x", "y", "width", "height"))
    return found


def overlaps(a, b):
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_a_number_judge_answers_each_face_with_its_unit(face_app):
    client = face_app.test_client()
    answer = upload(client, photo("group_of_six.jpg"), path="/api/v1/judge").json
    assert answer["kind"] == "number" and len(answer["regions"]) == 6
    for region in answer["regions"]:
        assert region["unit"] == {"ja": "歳", "en": "years old"}
        shown = f"{region['value']:.0f}".replace("-0", "0")
        assert region["verdict"] == {"ja": f"{shown}歳", "en": f"{shown} years old"}
    youngest = min(region["value"] for region in answer["regions"])
    assert answer["value"] == pytest.approx(youngest, abs=0.01)  # order = "lowest": the youngest heads the group
    judges = {j["id"]: j for j in client.get("/api/v1/judges").json["judges"]}
    assert judges["age"]["per_face"] and judges["smile"]["per_face"]


@pytest.mark.parametrize("name", ["group_of_six.jpg", "group_of_three.jpg", "astronaut.jpg"])
@pytest.mark.parametrize("judge", ["age", "smile"])
def test_one_sticker_beside_each_face_and_the_stamp_on_none(face_app, name, judge):
    client = face_app.test_client()
    location = upload(client, photo(name), judge=judge).headers["Location"]
    page = BeautifulSoup(client.get(location).data, "html.parser")
    width, height = (int(v) for v in page.select_one("svg.regions")["viewbox"].split()[2:])
    faces = boxes_of(page, "[data-face-box]", "data-face-box")
    stickers = boxes_of(page, "g[data-face]", "data-face")
    assert len(faces) == len(TRUTH[name]) and sorted(stickers) == sorted(faces)
    for number, sticker in stickers.items():
        assert 0 <= sticker[0] and 0 <= sticker[1] and sticker[0] + sticker[2] <= width
        assert sticker[1] + sticker[3] <= height
        assert not any(overlaps(sticker, face) for face in faces.values())
        assert not any(overlaps(sticker, other) for n, other in stickers.items() if n != number)
    stamp = page.select_one(".stamp-layer svg")
    if stamp is not None:  # on a corner of the photo, its tilted square clear of every face and sticker
        x, y, side = (float(stamp[k]) for k in ("x", "y", "width"))
        reach = side * (math.cos(math.radians(12)) + math.sin(math.radians(12)))
        square = (x + side / 2 - reach / 2, y + side / 2 - reach / 2, reach, reach)
        assert not any(overlaps(square, box) for box in [*faces.values(), *stickers.values()])
    else:
        assert page.select_one(".stamp-beside [data-stamp]")
    items = page.select("[data-face-item]")
    assert [int(i["data-face-item"]) for i in items] == sorted(faces)


def test_a_group_is_headed_by_the_face_its_order_picks(face_app):
    client = face_app.test_client()
    location = upload(client, photo("group_of_six.jpg")).headers["Location"]
    page = BeautifulSoup(client.get(location, headers={"Accept-Language": "ja"}).data, "html.parser")
    head = page.select_one("[data-face-item].is-head")
    assert page.select_one(".pick").get_text() == f"最年少：{head['data-face-item']}番の人"
    assert page.find(id="verdict").get_text(strip=True) == head.select_one(".face-answer").get_text()
    assert page.find(id="verdict").get_text(strip=True).endswith("歳")


def test_the_card_keeps_every_face_of_a_group_in_view(face_app):
    client = face_app.test_client()
    location = upload(client, photo("group_of_six.jpg")).headers["Location"]
    page = BeautifulSoup(client.get(location).data, "html.parser")
    card = client.get(page.find("meta", property="og:image")["content"].split("localhost", 1)[1])
    image = Image.open(io.BytesIO(card.data)).convert("RGB")
    assert image.size == (1200, 630)
    found = CenterFaceDetector().detect(image.crop((0, 0, 540, 630)))
    assert len(found) == len(TRUTH["group_of_six.jpg"])


def test_each_result_picks_its_own_comment_and_keeps_it(face_app):
    client = face_app.test_client()
    comments = {}
    for _ in range(6):
        location = upload(client, photo("astronaut.jpg"), judge="age").headers["Location"]
        seen = {BeautifulSoup(client.get(location, headers={"Accept-Language": "ja"}).data, "html.parser")
                .select_one(".face-comment").get_text() for _ in range(2)}
        assert len(seen) == 1  # the same result always says the same line
        comments[location] = seen.pop()
    assert set(comments.values()) <= {"まだまだ若い", "生まれたて", "貫禄あり"}


def test_stickers_fit_beside_faces_without_covering_any():
    size, font = (800, 600), 30
    faces = [(50, 50, 120, 140), (300, 60, 110, 130), (560, 40, 130, 150), (80, 330, 120, 140), (340, 320, 110, 130)]
    stickers = layout.place(size, faces, ["27歳", "31歳", "8歳", "102歳", "45歳"], font)
    assert all(stickers)
    for sticker in stickers:
        x, y, w, h = sticker.box
        assert 0 <= x and 0 <= y and x + w <= size[0] and y + h <= size[1]
        assert not any(overlaps(sticker.box, face) for face in faces)
    assert not any(overlaps(a.box, b.box) for i, a in enumerate(stickers) for b in stickers[i + 1:])
    crowded = [(x, y, 90, 90) for x in range(0, 800, 100) for y in range(0, 600, 100)]
    assert layout.stamp_place(size, crowded, []) is None  # no corner free: the stamp goes beside the photo
    assert layout.stamp_place(size, faces[:2], stickers[:2])[:2] > (400, 300)  # bottom right when it is free


def test_a_visitor_never_sees_what_a_judge_keeps_for_the_uploader(make_app, tmp_path):
    """keshikaran's body parts are the uploader's to see: shown to them, never to a visitor or on the card."""
    import tomllib

    from tests.helpers import ROOT
    assert tomllib.loads((ROOT / "models" / "keshikaran" / "judge.toml").read_text())["detect"]["public"] is False
    folder = tmp_path / "models" / "faces"
    folder.mkdir(parents=True)
    (folder / "judge.toml").write_text("""
id = "faces"
title = { ja = "顔判定", en = "Faces" }
description = { ja = "顔を数えます", en = "Counts faces" }
[detect]
detector = "nudenet"
public = false
[score]
weights = { FACE_FEMALE = 0.05, FACE_MALE = 0.05 }
[verdict]
bands = [{ below = 0.5, ja = "少なめ", en = "Few" }, { ja = "多め", en = "Many" }]
""", encoding="utf-8")
    app = make_app(MODELS_DIR=tmp_path / "models", DEFAULT_JUDGE="faces")
    owner, visitor = app.test_client(), app.test_client()
    location = upload(owner, photo("astronaut.jpg")).headers["Location"]
    mine = BeautifulSoup(owner.get(location).data, "html.parser")
    theirs = BeautifulSoup(visitor.get(location).data, "html.parser")
    assert mine.select(".region-name") and mine.select("svg.regions g")
    assert not theirs.select(".region-name") and not theirs.select("svg.regions g")
    assert "投稿した本人にだけ" in theirs.select_one(".nothing").get_text()
    assert float(theirs.select_one("[data-score]")["data-score"]) > 0  # the verdict itself stays public
    assert not owner.get("/api/v1/judges").json["judges"][0]["per_face"]  # a detector alone answers no face


def test_api_boxes_are_in_the_uploaded_photos_pixels(face_app):
    """The API answers in the photo the client sent (upright), not in the 1024 px copy hantei keeps."""
    big = Image.open(FACES / "astronaut.jpg").resize((2048, 2048))
    buffer = io.BytesIO()
    big.save(buffer, "JPEG", quality=90)
    answer = upload(face_app.test_client(), buffer.getvalue(), path="/api/v1/judge").json
    assert answer["image"] == {"width": 2048, "height": 2048, "kept": True}
    x, y, w, h = answer["regions"][0]["box"]
    tx, ty, tw, th = (v * 4 for v in TRUTH["astronaut.jpg"][0])  # the truth is marked on the 512 px photo
    overlap = max(0, min(x + w, tx + tw) - max(x, tx)) * max(0, min(y + h, ty + th) - max(y, ty))
    assert overlap / (w * h + tw * th - overlap) > 0.5
