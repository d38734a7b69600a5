"""The shipped smile model (tools/make_smile.py) through hantei's Preprocess, on CenterFace crops of package photos."""

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hantei.judges import open_judge
from hantei.vision import runtime
from hantei.vision.classifiers import Classifier, Output, Preprocess
from hantei.vision.detectors import CenterFaceDetector
from hantei.vision.regions import widened
from tests.photos import rgb

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "smile" / "model.onnx"
FACES = ROOT / "tests" / "faces"
LABELS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
# The [model] section and margin the smile judge uses (see models/smile/CARD.md).
INPUT = {"size": [64, 64], "layout": "NHWC", "color": "RGB", "resample": "bilinear", "fit": "center-crop",
         "scale": 1 / 255, "mean": [0, 0, 0], "std": [1, 1, 1]}
MARGIN = 0.15
# Keras' own happy probability (fer's emotion_model.hdf5 on fer's grey of the same fitted crop), per CenterFace
# box (left to right), recorded with TensorFlow 2.21 / Keras 3.15: the laughs near 1, the straight faces near 0.
KERAS_HAPPY = {
    "astronaut": [([181, 58, 88, 120], 0.9980)],
    "camera": [([202, 118, 55, 78], 0.0005)],
    "grace_hopper": [([173, 127, 185, 206], 0.0314)],
    "group_of_three": [([136, 44, 77, 93], 0.9994), ([556, 93, 46, 58], 0.0001), ([917, 81, 123, 143], 0.0187)],
    "group_of_six": [([58, 265, 66, 77], 0.0125), ([76, 26, 40, 52], 0.9983), ([290, 248, 40, 47], 0.9997),
                     ([305, 51, 24, 34], 0.0002), ([504, 41, 64, 78], 0.0094), ([515, 272, 27, 33], 0.0003)],
}


def photo(name):
    return Image.open(FACES / f"{name}.jpg").convert("RGB") if name.startswith("group") else rgb(name)


def classifier(**changes):
    return Classifier(MODEL, Preprocess.from_manifest({**INPUT, **changes}),
                      Output.from_manifest({"labels": LABELS, "activation": "none"}))


@pytest.fixture(scope="module")
def crops():
    """Each package photo's faces as CenterFace finds them (left to right), cropped with the judge's margin."""
    detector = CenterFaceDetector()
    found = {}
    for name in KERAS_HAPPY:
        image = photo(name)
        faces = sorted(detector.detect(image), key=lambda face: (face.box[0], face.box[1]))
        found[name] = [(face.box, image.crop(widened(face.box, MARGIN, image.size))) for face in faces]
    return found


def happies(crops, model):
    return {name: [model.classify(crop)["happy"] for _, crop in faces] for name, faces in crops.items()}


def test_the_signature_is_the_recommended_one():
    model = classifier()
    model.check()
    session = runtime.session(MODEL)
    (image,), (probabilities,) = session.get_inputs(), session.get_outputs()
    assert (image.name, image.shape, image.type) == ("image", ["N", 64, 64, 3], "tensor(float)")
    assert (probabilities.name, probabilities.shape) == ("probabilities", ["N", 7])


def test_centerface_finds_the_recorded_faces(crops):
    assert {name: [box for box, _ in faces] for name, faces in crops.items()} == {
        name: [box for box, _ in faces] for name, faces in KERAS_HAPPY.items()}


def test_happy_probabilities_are_keras_own_on_the_same_crops(crops):
    expected = {name: [happy for _, happy in faces] for name, faces in KERAS_HAPPY.items()}
    actual = happies(crops, classifier())
    for name in expected:
        assert actual[name] == pytest.approx(expected[name], abs=2e-4), name


@pytest.mark.parametrize("wrong", [{"fit": "stretch"}, {"fit": "letterbox"}, {"resample": "bicubic"},
                                   {"color": "BGR"}, {"scale": 1.0}])
def test_other_preprocessing_misses_the_recorded_probabilities(crops, wrong):
    """The recorded figures pin the preprocessing down: each plausible slip moves some face by far more."""
    expected = np.array([happy for faces in KERAS_HAPPY.values() for _, happy in faces])
    actual = np.array([happy for faces in happies(crops, classifier(**wrong)).values() for happy in faces])
    assert np.abs(actual - expected).max() > 2e-3  # BGR moves one face by 5e-3, the right settings by 5e-5


def test_a_batch_gives_what_each_face_gives_alone(crops):
    model = classifier()
    session = runtime.session(MODEL)
    tensors = [model.preprocess.tensor(crop) for _, crop in crops["group_of_six"]]
    batch = session.run(None, {"image": np.concatenate(tensors)})[0]
    singles = np.concatenate([session.run(None, {"image": tensor})[0] for tensor in tensors])
    assert batch.shape == (6, 7)
    np.testing.assert_allclose(batch, singles, atol=1e-6)
    np.testing.assert_allclose(batch.sum(axis=1), 1, atol=1e-5)


def test_the_recommended_manifest_makes_a_face_judge_that_gives_the_same_figures(tmp_path):
    """A score judge per face with the card's [model] and margin: hantei's own judge path, end to end."""
    folder = tmp_path / "smile"
    folder.mkdir()
    shutil.copy(MODEL, folder / "model.onnx")
    (folder / "judge.toml").write_text(f"""
id = "smile"
title = {{ ja = "笑顔判定", en = "Smile meter" }}
description = {{ ja = "顔ごとの笑顔度", en = "How much each face smiles" }}
[model]
path = "model.onnx"
output = {{ labels = {LABELS!r}, activation = "none" }}
[model.input]
size = [64, 64]
layout = "NHWC"
color = "RGB"
resample = "bilinear"
fit = "center-crop"
scale = {1 / 255!r}
mean = [0, 0, 0]
std = [1, 1, 1]
[detect]
detector = "face"
margin = {MARGIN}
[verdict]
score_label = "happy"
bands = [ {{ below = 0.5, ja = "真顔", en = "Straight face" }}, {{ ja = "笑顔", en = "Smiling" }} ]
""".replace("'", '"'), encoding="utf-8")
    judgement = open_judge(folder).judge(photo("group_of_three"))
    expected = [happy for _, happy in KERAS_HAPPY["group_of_three"]]
    happy = [next(s["score"] for s in region.labels if s["label"] == "happy") for region in judgement.regions]
    assert [region.box for region in judgement.regions] == [box for box, _ in KERAS_HAPPY["group_of_three"]]
    assert happy == pytest.approx(expected, abs=2e-4)
    assert judgement.score == pytest.approx(max(expected), abs=2e-4)
