"""The shipped age model (models/age, from tools/make_age.py) reads CenterFace's faces as face-api's own tfjs does."""

from pathlib import Path

import numpy as np
import pytest
from PIL import ImageOps

from hantei.vision import runtime
from hantei.vision.classifiers import Classifier, Output, Preprocess, SignatureError
from hantei.vision.detectors import CenterFaceDetector
from hantei.vision.regions import widened
from tests.photos import rgb

MODEL = Path(__file__).resolve().parent.parent / "models" / "age" / "model.onnx"
# The [model] section recommended for models/age/judge.toml, and its [detect] margin.
INPUT = {"size": [112, 112], "layout": "NHWC", "color": "RGB", "resample": "bilinear", "fit": "letterbox",
         "pad": [0, 0, 0], "scale": 1.0, "mean": [122.782, 117.001, 104.298], "std": [255.0, 255.0, 255.0],
         "dtype": "float32"}
OUTPUT = {"labels": ["age"], "activation": "none"}
MARGIN = 0.2
# The package's own AgeGenderNet (@vladmandic/face-api 1.7.15, its bundled tfjs 4.22 on the CPU backend
# in node) on these very crops, recorded by `python tools/make_age.py <tarball> --parity --margins 0.2`.
TFJS_AGES = {"astronaut": 36.7355, "grace_hopper": 74.6817}
TOLERANCE = 0.5  # years: a colour swap, a stretched crop or a different margin moves an age further (see below)


@pytest.fixture(scope="module")
def classifier():
    model = Classifier(MODEL, Preprocess.from_manifest(INPUT), Output.from_manifest(OUTPUT))
    model.check()
    return model


@pytest.fixture(scope="module")
def faces():
    """{photo: (the photo, its one CenterFace box)} for the two portraits."""
    detector, found = CenterFaceDetector(), {}
    for name in TFJS_AGES:
        image = rgb(name)
        (region,) = detector.detect(image)
        found[name] = (image, region.box)
    return found


def crop(face, margin=MARGIN):
    image, box = face
    return image.crop(widened(box, margin, image.size))


def test_ages_match_the_packages_own_runtime(classifier, faces):
    for name, expected in TFJS_AGES.items():
        assert classifier.classify(crop(faces[name]))["age"] == pytest.approx(expected, abs=TOLERANCE), name


def test_the_tolerance_catches_wrong_preprocessing(classifier, faces):
    """Each mistake a manifest could make moves some age by more than the tolerance, so the test above can fail."""
    wrong = {
        "BGR": {**INPUT, "color": "BGR"},
        "stretch": {**INPUT, "fit": "stretch"},
        "std 128": {**INPUT, "std": [128.0, 128.0, 128.0]},
        "grey pad": {**INPUT, "pad": [128, 128, 128]},
        "bicubic": {**INPUT, "resample": "bicubic"},
    }
    for mistake, section in wrong.items():
        model = Classifier(MODEL, Preprocess.from_manifest(section), classifier.output)
        errors = [abs(model.classify(crop(faces[name]))["age"] - age) for name, age in TFJS_AGES.items()]
        assert max(errors) > TOLERANCE, mistake
    for name, age in TFJS_AGES.items():
        assert abs(classifier.classify(crop(faces[name], margin=0.1))["age"] - age) > TOLERANCE, name


def test_a_batch_gives_what_each_face_gives_alone(classifier, faces):
    crops = [crop(face, margin) for face in faces.values() for margin in (0.0, 0.2, 0.25)]
    crops[1::2] = [ImageOps.mirror(c) for c in crops[1::2]]
    session = runtime.session(MODEL)
    batch = session.run(None, {"input": np.concatenate([classifier.preprocess.tensor(c) for c in crops])})[0]
    singles = [classifier.classify(c)["age"] for c in crops]
    assert batch.shape == (6, 1)
    assert batch[:, 0] == pytest.approx(singles, abs=1e-3)
    assert len({round(v, 1) for v in singles}) == 6  # six different faces, not one answer six times


def test_signature_is_what_the_manifest_says(classifier):
    session = runtime.session(MODEL)
    (model_input,), (model_output,) = session.get_inputs(), session.get_outputs()
    assert (model_input.name, model_input.shape, model_input.type) == ("input", ["N", 112, 112, 3], "tensor(float)")
    assert (model_output.name, model_output.shape, model_output.type) == ("age", ["N", 1], "tensor(float)")
    assert classifier.labels == ("age",)
    for field, value in (("layout", "NCHW"), ("size", [224, 224])):
        with pytest.raises(SignatureError):
            Classifier(MODEL, Preprocess.from_manifest({**INPUT, field: value}), classifier.output).check()
    with pytest.raises(SignatureError):
        Classifier(MODEL, classifier.preprocess, Output.from_manifest({"labels": ["age", "gender"]})).check()
