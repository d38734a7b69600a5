"""Look-alike judges: reference photos of real people (package photos, tests/gallery/README.md) built into
descriptors by `flask gallery build`, served after a reload, each face of an upload told whose photos it is nearest."""

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageOps

from hantei.cli.gallery import gallery_build
from hantei.intake import read_photo
from hantei.judges import gallery
from hantei.judges.manifest import ManifestError
from hantei.judges.registry import open_judge
from hantei.vision.descriptors import FaceDescriber, face_crop
from hantei.vision.detectors import CenterFaceDetector
from tests.helpers import FACES
from tests.photos import rgb, upload

GALLERY = FACES.parent / "gallery"
JUDGE = """
id = "lookalike"
title = { ja = "そっくりさん判定", en = "Who do you look like?" }
description = { ja = "誰に似ている？", en = "Whose face is yours nearest to?" }
kind = "gallery"

[gallery]
threshold = 0.57

[gallery.labels.obama]
ja = "バラク・オバマ"
en = "Barack Obama"
image = "gallery/obama/obama.jpg"
card = false

[gallery.labels.astronaut]
ja = "アイリーン・コリンズ"
en = "Eileen Collins"

[gallery.labels.hopper]
ja = "グレース・ホッパー"
en = "Grace Hopper"
"""
# A gallery of three people; the queries are other photos (Obama's third photo) and people not in it.
REFERENCES = {"obama": [GALLERY / "obama.jpg", GALLERY / "obama2.jpg"], "astronaut": [FACES / "astronaut.jpg"],
              "hopper": [FACES / "grace_hopper.jpg"]}


def judge_folder(root, references=REFERENCES):
    folder = root / "lookalike"
    (folder / "gallery").mkdir(parents=True)
    for label, paths in references.items():
        (folder / "gallery" / label).mkdir()
        for path in paths:
            shutil.copy(path, folder / "gallery" / label / path.name)
    picture = f"gallery/obama/{references['obama'][0].name}"  # the label's picture is one of its references
    (folder / "judge.toml").write_text(JUDGE.replace("gallery/obama/obama.jpg", picture), encoding="utf-8")
    return folder


def build(folder):
    result = CliRunner().invoke(gallery_build, [str(folder)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = judge_folder(tmp_path_factory.mktemp("models"))
    shutil.copy(FACES / "brick.jpg", folder / "gallery" / "hopper")  # no face: reported, not used
    twins = Image.new("RGB", (1024, 512))  # the astronaut and her mirror image: two faces of one size
    twins.paste(rgb("astronaut"), (0, 0))
    twins.paste(ImageOps.mirror(rgb("astronaut")), (512, 0))
    twins.save(folder / "gallery" / "astronaut" / "twins.png")
    (folder / "gallery" / "obama" / "notes.txt").write_text("not a photo")
    output = build(folder)
    return folder, output


def test_build_describes_one_face_a_photo_and_names_the_photos_it_leaves_out(built):
    folder, output = built
    assert "left out  gallery/hopper/brick.jpg: no face found" in output
    assert "left out  gallery/astronaut/twins.png: 2 faces, none clearly the largest" in output
    assert "left out  gallery/obama/notes.txt: not a photo hantei reads" in output
    assert "obama: 2 reference photos" in output and "4 described" in output
    index = json.loads((folder / gallery.INDEX).read_text())
    assert [entry["label"] for entry in index["references"]] == ["obama", "obama", "astronaut", "hopper"]
    with np.load(folder / gallery.DESCRIPTORS) as stored:
        vectors = stored["descriptors"]
    assert vectors.shape == (4, 1024) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    # the same as describing the photo's largest face directly
    image = read_photo((FACES / "astronaut.jpg").read_bytes()).image
    face = max(CenterFaceDetector().detect(image), key=lambda r: r.box[2] * r.box[3])
    assert float(vectors[2] @ FaceDescriber().describe_many([face_crop(image, face.box)])[0]) > 0.999


def test_a_rebuild_describes_only_new_and_changed_photos_and_drops_removed_ones(tmp_path):
    folder = judge_folder(tmp_path)
    assert "4 described, 0 kept" in build(folder)
    assert "0 described, 4 kept, 0 dropped" in build(folder)
    (folder / "gallery" / "obama" / "obama2.jpg").unlink()
    shutil.copy(GALLERY / "obama3.jpg", folder / "gallery" / "obama" / "obama3.jpg")
    assert "1 described, 3 kept, 1 dropped" in build(folder)
    index = json.loads((folder / gallery.INDEX).read_text())
    assert [entry["path"] for entry in index["references"]][:2] == ["gallery/obama/obama.jpg",
                                                                     "gallery/obama/obama3.jpg"]


def test_a_gallery_whose_photos_changed_is_reported_until_rebuilt(tmp_path):
    folder = judge_folder(tmp_path)
    with pytest.raises(ManifestError, match="gallery.npz or gallery.json is missing"):
        open_judge(folder)
    build(folder)
    open_judge(folder)
    shutil.copy(GALLERY / "obama3.jpg", folder / "gallery" / "obama")
    with pytest.raises(ManifestError, match=r"reference photos changed.*gallery/obama/obama3.jpg.*flask gallery build"):
        open_judge(folder)


@pytest.mark.parametrize("toml, message", [
    ('[gallery]\nthreshold = 0.57\n', "names at least one label"),
    ('[gallery.labels.a]\nja = "A"\n', "needs both languages"),
    ('[gallery.labels.a]\nja = "A"\nen = "A"\nimage = "../judge.toml"\n', "not a file inside"),
    ('[gallery]\nthreshold = 0.9\n[gallery.labels.a]\nja = "A"\nen = "A"\n', "threshold"),
    ('[detect]\ndetector = "nudenet"\n[gallery.labels.a]\nja = "A"\nen = "A"\n', "CenterFace"),
    ('[model]\npath = "m.onnx"\n[gallery.labels.a]\nja = "A"\nen = "A"\n', "takes no"),
])
def test_a_broken_gallery_manifest_is_named(tmp_path, toml, message):
    (tmp_path / "judge.toml").write_text('kind = "gallery"\ntitle = { ja = "t", en = "t" }\n'
                                         'description = { ja = "d", en = "d" }\n' + toml, encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        open_judge(tmp_path)


def test_the_readable_likeness_is_half_at_the_threshold_and_rises_with_the_cosine():
    values = [gallery.readable(c, 0.57) for c in (0.1, 0.25, 0.4, 0.569, 0.57, 0.65, 0.75, 0.9)]
    assert values[:2] == [0.0, 0.0] and values[4] == 0.5 and values[-2:] == [1.0, 1.0]
    assert values == sorted(values) and values[3] < 0.5


def test_each_face_is_told_whose_photos_it_is_nearest_or_nobodys(built):
    folder, _ = built
    judge = open_judge(folder)
    assert judge.describe()["per_face"] and judge.describe()["references"] == 4
    obama = judge.judge(Image.open(GALLERY / "obama3.jpg").convert("RGB"))
    (face,) = obama.regions
    assert face.verdict == {"ja": "バラク・オバマ", "en": "Barack Obama"} and face.labels[0]["label"] == "obama"
    assert face.look["value"] > 0.5 and face.look["reading"] == {"ja": "似てる度", "en": "Likeness"}
    assert [label["label"] for label in face.labels][1:] and face.labels[1]["score"] < 0.5  # the runner-up
    for name in ("camera.jpg",):
        (stranger,) = judge.judge(Image.open(FACES / name).convert("RGB")).regions
        assert stranger.verdict == {"ja": "似ている人はいません", "en": "Looks like nobody here"}
        assert stranger.look["value"] < 0.5
    assert judge.judge(Image.open(FACES / "brick.jpg").convert("RGB")).verdict["en"] == "No face found"


def test_the_worked_example_of_the_docs(tmp_path):
    """docs/judges.md's numbers: each Obama photo left out of the gallery in turn and judged against the rest,
    and the faces of people not in it (the cameraman, Joe Biden)."""
    obamas = [GALLERY / name for name in ("obama.jpg", "obama2.jpg", "obama3.jpg")]
    right, strangers = 0, []
    for left_out in obamas:
        folder = judge_folder(tmp_path / left_out.stem, {**REFERENCES, "obama": [p for p in obamas if p != left_out]})
        build(folder)
        judge = open_judge(folder)
        (face,) = judge.judge(Image.open(left_out).convert("RGB")).regions
        right += face.labels[0]["label"] == "obama" and face.verdict["en"] == "Barack Obama"
        for query in (FACES / "camera.jpg", GALLERY / "biden.jpg"):
            (face,) = judge.judge(Image.open(query).convert("RGB")).regions
            strangers.append(face.verdict["en"] == "Looks like nobody here")
    assert right == 3 and sum(strangers) == len(strangers) == 6


def test_the_api_page_and_judges_check_serve_a_gallery_judge(built, make_app, tmp_path):
    folder, _ = built
    models = tmp_path / "models"
    shutil.copytree(folder, models / "lookalike")
    app = make_app(MODELS_DIR=models, DEFAULT_JUDGE="lookalike")
    client = app.test_client()
    judges = {j["id"]: j for j in client.get("/api/v1/judges").json["judges"]}
    assert judges["lookalike"]["per_face"] and judges["lookalike"]["kind"] == "gallery"
    assert judges["lookalike"]["references"] == 4
    answer = upload(client, (GALLERY / "obama3.jpg").read_bytes(), path="/api/v1/judge").json
    (region,) = answer["regions"]
    assert region["verdict"]["en"] == "Barack Obama" and region["labels"][0]["label"] == "obama"
    assert [label["label"] for label in region["labels"]] == ["obama", "hopper", "astronaut"]  # runner-up second
    # only the answer is kept: no descriptor (1,024 numbers) in the stored result
    assert "descriptor" not in json.dumps(answer) and len(json.dumps(answer)) < 4000
    page = client.get(answer["url"].replace("http://localhost", ""), headers={"Accept-Language": "en"}).text
    assert "Barack Obama 80%" in page and "Likeness" in page
    stranger = upload(client, (FACES / "camera.jpg").read_bytes(), path="/api/v1/judge").json
    page = client.get(stranger["url"].replace("http://localhost", ""), headers={"Accept-Language": "ja"}).text
    assert "似ている人はいません" in page and "似ている人はいません 3" not in page  # no likeness after no-match

    shutil.copy(GALLERY / "biden.jpg", models / "lookalike" / "gallery" / "obama")
    report = app.test_cli_runner().invoke(args=["judges", "check"])
    assert report.exit_code == 1
    assert "BROKEN  lookalike" in report.output and "flask gallery build" in report.output
