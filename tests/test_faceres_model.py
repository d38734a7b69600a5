"""The shipped FaceRes descriptor/age model (tools/make_faceres.py) on CenterFace crops of package portraits."""

from pathlib import Path

import numpy as np
import pytest
from PIL import ImageOps

from hantei.vision import runtime
from hantei.vision.classifiers import Preprocess
from hantei.vision.detectors import CenterFaceDetector
from hantei.vision.regions import widened
from tests.photos import rgb

MODEL = Path(__file__).resolve().parent.parent / "hantei" / "vision" / "weights" / "faceres.onnx"
PREPROCESS = Preprocess(size=(224, 224), layout="NHWC", fit="center-crop", resample="bilinear", scale=1.0)
MARGIN = 0.2
# human's own tfjs runtime (tools/faceres_tfjs.mjs, tfjs 4.22 CPU) on the same crops: the age softmax's
# expectation in years, the original photo and its mirror image.
TFJS_AGE = {"astronaut": (35.206, 33.268), "camera": (25.230, 26.261), "grace_hopper": (64.600, 64.239)}


@pytest.fixture(scope="module")
def outputs():
    """(age softmax, gender, descriptor) for each portrait's face and its mirror image's face."""
    detector, tensors = CenterFaceDetector(), []
    for name in TFJS_AGE:
        for image in (rgb(name), ImageOps.mirror(rgb(name))):
            face = max(detector.detect(image), key=lambda found: found.box[2] * found.box[3])
            tensors.append(PREPROCESS.tensor(image.crop(widened(face.box, MARGIN, image.size))))
    session = runtime.session(MODEL)
    return dict(zip(("age", "gender", "descriptor"), session.run(None, {"image": np.concatenate(tensors)})))


def test_the_signature_is_image_in_age_gender_descriptor_out():
    session = runtime.session(MODEL)
    assert [(i.name, i.shape, i.type) for i in session.get_inputs()] == [
        ("image", ["N", 224, 224, 3], "tensor(float)")]
    assert [(o.name, o.shape) for o in session.get_outputs()] == [
        ("age", ["N", 100]), ("gender", ["N", 1]), ("descriptor", ["N", 1024])]


def test_ages_are_what_humans_own_runtime_says(outputs):
    ages = outputs["age"] @ np.arange(100)
    assert ages == pytest.approx([age for pair in TFJS_AGE.values() for age in pair], abs=0.01)
    np.testing.assert_allclose(outputs["age"].sum(axis=1), 1, atol=1e-5)


def test_descriptors_tell_the_three_people_apart(outputs):
    unit = outputs["descriptor"] / np.linalg.norm(outputs["descriptor"], axis=1, keepdims=True)
    similarity = unit @ unit.T
    person = np.repeat(np.arange(3), 2)
    same = similarity[(person[:, None] == person[None, :]) & ~np.eye(6, dtype=bool)]
    different = similarity[person[:, None] != person[None, :]]
    assert same.min() > 0.85 and different.max() < 0.5  # measured: mirror images 0.90-0.97, others 0.32-0.46
