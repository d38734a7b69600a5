"""Manifest-driven classifiers: preprocessing as declared, signatures checked against the real ONNX file."""

import shutil

import numpy as np
import pytest
from PIL import Image

from hantei.judges import Judges, ManifestError, open_judge
from hantei.vision.classifiers import Output, Preprocess, SignatureError
from tests.helpers import labels_judge, smile_judge
from tests.photos import rgb

def test_stretch_nchw_normalises_each_channel():
    pre = Preprocess.from_manifest({"size": [4, 2], "resample": "nearest", "mean": [0.5, 0.5, 0.5],
                                    "std": [0.5, 0.25, 1]})
    image = Image.new("RGB", (8, 4), (255, 0, 51))
    tensor = pre.tensor(image)
    assert tensor.shape == (1, 3, 2, 4) and tensor.dtype == np.float32
    assert tensor[0, :, 0, 0] == pytest.approx([1.0, -2.0, -0.3])


def test_nhwc_bgr_uint8_keeps_raw_pixels_in_blue_green_red_order():
    pre = Preprocess.from_manifest({"size": 3, "layout": "NHWC", "color": "BGR", "dtype": "uint8"})
    tensor = pre.tensor(Image.new("RGB", (5, 5), (10, 20, 30)))
    assert tensor.shape == (1, 3, 3, 3) and tensor.dtype == np.uint8
    assert tensor[0, 1, 1].tolist() == [30, 20, 10]


def test_letterbox_centres_the_photo_on_the_pad_colour():
    pre = Preprocess.from_manifest({"size": [100, 100], "fit": "letterbox", "pad": [114, 114, 114]})
    fitted = np.asarray(pre.fitted(Image.new("RGB", (200, 100), (255, 255, 255))))
    assert fitted[0, 50].tolist() == [114, 114, 114] and fitted[99, 50].tolist() == [114, 114, 114]
    assert fitted[25:75, :].min() == 255  # the 100x50 photo fills the middle rows, edge to edge


def test_center_crop_keeps_the_middle_at_the_target_aspect():
    wide = Image.new("RGB", (300, 100), (0, 0, 0))
    wide.paste((255, 255, 255), (100, 0, 200, 100))  # white middle third
    pre = Preprocess.from_manifest({"size": [50, 50], "fit": "center-crop", "resample": "nearest"})
    assert np.asarray(pre.fitted(wide)).min() == 255


@pytest.mark.parametrize("size", [(107, 131), (425, 623), (239, 532), (98, 115), (197, 229)])
def test_center_crop_of_any_size_stays_inside_the_image(size):
    """Face crops of these sizes once made Pillow refuse a crop box a hair outside the image (float rounding)."""
    pre = Preprocess.from_manifest({"size": [64, 64], "fit": "center-crop"})
    assert pre.tensor(Image.new("RGB", size, (9, 9, 9))).shape == (1, 3, 64, 64)


def test_shorter_side_resize_then_centre_crop_as_torchvision_does():
    photo = rgb("chelsea")  # 451 x 300
    pre = Preprocess.from_manifest({"size": [224, 224], "fit": "shorter-side", "resample": "bilinear"})
    assert pre.shorter_side == 256
    resized = photo.resize((round(451 * 256 / 300), 256), Image.Resampling.BILINEAR)
    left, top = (resized.width - 224) // 2, (resized.height - 224) // 2
    expected = np.asarray(resized.crop((left, top, left + 224, top + 224)))
    assert np.array_equal(np.asarray(pre.fitted(photo)), expected)


def test_activations():
    assert Output(("a", "b"), "softmax").scores([1.0, 1.0]).tolist() == [0.5, 0.5]
    assert Output(("a",), "sigmoid").scores([[0.0]]).tolist() == [0.5]
    assert Output(("a",), "none").scores([[0.25]]).tolist() == [0.25]


@pytest.mark.parametrize("section,field", [
    ({"size": [0, 10]}, "size"),
    ({"layout": "NCWH"}, "layout"),
    ({"fit": "cover"}, "fit"),
    ({"std": [1, 0, 1]}, "std"),
    ({"mean": [1, 2]}, "mean"),
    ({"resample": "cubic"}, "resample"),
    ({"resampel": "bicubic"}, r"\[model.input\] resampel: is not a setting"),
])
def test_bad_input_settings_name_their_field(section, field):
    with pytest.raises(SignatureError, match=field):
        Preprocess.from_manifest(section)


def test_sigmoid_label_judge_names_the_best_label_only_above_its_threshold(tmp_path):
    photo = rgb("astronaut")
    lenient = open_judge(labels_judge(tmp_path / "a", threshold=0.0))
    judgement = lenient.judge(photo)
    best = judgement.labels[0]
    assert judgement.kind == "labels" and len(judgement.labels) == 3
    assert judgement.score == pytest.approx(best["score"], abs=1e-4)
    assert judgement.verdict == lenient.names[best["label"]]
    strict = open_judge(labels_judge(tmp_path / "b", threshold=0.9999))
    assert strict.judge(photo).verdict == {"ja": "どのフレンズともマッチしない", "en": "No friend matches"}


def test_softmax_judge_scores_add_up_to_one(tmp_path):
    judge = open_judge(labels_judge(tmp_path / "s", activation="softmax", model_activation=None, threshold=0.0))
    judgement = judge.judge(rgb("coffee"))
    assert sum(item["score"] for item in judgement.labels) == pytest.approx(1, abs=1e-3)
    assert judgement.labels == sorted(judgement.labels, key=lambda item: -item["score"])


@pytest.mark.parametrize("change,complaint", [
    (dict(shape=(1, 3, 64, 64)), r"\[model.input\].*3, 64, 64\] but size = \[64, 48\].*\[1, 3, 48, 64\]"),
    (dict(shape=(1, 48, 64, 3)), r"layout = 'NCHW'"),
    (dict(outputs=4), r"\[model.output\] labels.*3 labels.*gives 4"),
    (dict(dtype="uint8"), r"\[model.input\] dtype.*'uint8'"),
])
def test_a_manifest_that_contradicts_its_model_is_refused_with_file_field_and_expectation(tmp_path, change, complaint):
    folder = labels_judge(tmp_path / "x", **change)
    with pytest.raises(ManifestError, match=complaint) as raised:
        open_judge(folder)
    assert str(folder / "judge.toml") in str(raised.value)


def test_a_corrupt_onnx_file_breaks_only_its_own_judge(tmp_path, runner):
    shutil.copytree("models/keshikaran", tmp_path / "keshikaran")
    labels_judge(tmp_path / "friends")
    broken = labels_judge(tmp_path / "corrupt", id="corrupt")
    broken.joinpath("model.onnx").write_bytes(broken.joinpath("model.onnx").read_bytes()[:5000])
    missing = labels_judge(tmp_path / "missing", id="missing")
    missing.joinpath("model.onnx").unlink()
    judges = Judges(tmp_path, "keshikaran")
    assert sorted(judges.loaded) == ["friends", "keshikaran"]
    assert "not an ONNX model" in judges.problems["corrupt"]
    assert "does not exist" in judges.problems["missing"]
    assert judges.get("friends").judge(rgb("camera")).labels


def test_judges_check_prints_the_same_report(make_app, tmp_path):
    shutil.copytree("models/keshikaran", tmp_path / "models" / "keshikaran")
    labels_judge(tmp_path / "models" / "friends")
    labels_judge(tmp_path / "models" / "wrong", id="wrong", outputs=5)
    app = make_app(DATA_DIR=tmp_path / "data", MODELS_DIR=tmp_path / "models")
    result = app.test_cli_runner().invoke(args=["judges", "check"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("ok") and "friends" in line and "labels=3" in line for line in lines)
    assert any(line.startswith("ok") and "keshikaran" in line for line in lines)
    (wrong,) = [line for line in lines if line.startswith("BROKEN")]
    assert "wrong/judge.toml" in wrong and "[model.output] labels" in wrong
    shutil.rmtree(tmp_path / "models" / "wrong")
    assert app.test_cli_runner().invoke(args=["judges", "check"]).exit_code == 0
    app.config["DEFAULT_JUDGE"] = "kleamp1e-nsfw"
    result = app.test_cli_runner().invoke(args=["judges", "check"])
    assert result.exit_code == 1 and "default judge 'kleamp1e-nsfw'" in result.output


def test_labels_named_in_verdict_sensitive_mark_the_result(tmp_path):
    folder = labels_judge(tmp_path / "s", threshold=0.0)
    manifest = folder / "judge.toml"
    manifest.write_text(manifest.read_text() + "sensitive = { serval = 0.0 }\n", encoding="utf-8")
    assert open_judge(folder).judge(rgb("coffee")).sensitive
    assert not open_judge(labels_judge(tmp_path / "t", threshold=0.0)).judge(rgb("coffee")).sensitive
    manifest.write_text(manifest.read_text().replace("serval = 0.0", "nsfw = 0.7"), encoding="utf-8")
    with pytest.raises(ManifestError, match="sensitive: names labels the model lacks: nsfw"):
        open_judge(folder)


def test_a_score_judge_of_faces_gives_each_face_a_band(tmp_path):
    folder = smile_judge(tmp_path / "faces")
    judge = open_judge(folder)
    judgement = judge.judge(rgb("astronaut"))
    (face,) = judgement.regions
    assert face.label == "face" and face.labels[0]["label"] == "smile"
    assert judgement.score == pytest.approx(face.labels[0]["score"], abs=1e-4)
    assert face.verdict == judgement.verdict


def test_a_misspelt_setting_is_named_instead_of_silently_ignored(tmp_path):
    folder = labels_judge(tmp_path / "typo")
    manifest = folder / "judge.toml"
    manifest.write_text(manifest.read_text().replace("threshold =", "treshold ="), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"judge.toml: \[verdict\] treshold: is not a setting"):
        open_judge(folder)


@pytest.mark.parametrize("change", [
    ("threshold = 0.5", 'threshold = "high"'),
    ("threshold = 0.5", "threshold = [0.5]"),
    ('path = "model.onnx"', "path = 7"),
    ("[verdict]\n", "verdict = 3\n[other]\n"),
])
def test_a_value_of_the_wrong_type_breaks_only_its_judge(tmp_path, change):
    shutil.copytree("models/keshikaran", tmp_path / "keshikaran")
    folder = labels_judge(tmp_path / "friends")
    manifest = folder / "judge.toml"
    assert change[0] in manifest.read_text()
    manifest.write_text(manifest.read_text().replace(*change), encoding="utf-8")
    judges = Judges(tmp_path, "keshikaran")
    assert list(judges.loaded) == ["keshikaran"] and "friends/judge.toml" in judges.problems["friends"]
