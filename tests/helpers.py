"""Helpers the test modules share: the base settings of a test app, judge folders written as an operator would, and
clients that connect from another loopback address."""

import re
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from hantei import create_app
from tests.onnx_models import linear_classifier

ROOT = Path(__file__).resolve().parent.parent
FACES = Path(__file__).parent / "faces"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # axe-core, injected into pages by the browser tests
# A test app: CSRF and rate limits are off because they have their own tests (test_security.py, test_throttle.py);
# keshikaran is its default judge, as most tests judge with it (a fresh install's default, age, has its own tests).
TEST_SETTINGS = {"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT": "", "DEFAULT_JUDGE": "keshikaran"}


def build_app(**settings):
    """A test app: TEST_SETTINGS and SQLite in its data folder, underneath the given settings. Tests take conftest's
    make_app, which gives each its own data folder and database; this is for fixtures that outlive one test."""
    return create_app({**TEST_SETTINGS, "DATABASE_URL": None, **settings})


LABELS_JUDGE = """
id = "{id}"
title = {{ ja = "フレンズ判定", en = "Which friend" }}
description = {{ ja = "どのフレンズに似ているか", en = "Which friend you look like" }}
kind = "labels"
license = "CC0 (tests)"
[model]
path = "model.onnx"
[model.input]
size = [64, 48]
layout = "NCHW"
color = "RGB"
resample = "bilinear"
fit = "{fit}"
scale = 0.00392156862745098
mean = [0.485, 0.456, 0.406]
std = [0.229, 0.224, 0.225]
[model.output]
activation = "{activation}"
labels = ["serval", "raccoon", "fennec"]
[names]
serval = {{ ja = "サーバル", en = "Serval" }}
raccoon = {{ ja = "アライさん", en = "Raccoon" }}
[verdict]
threshold = {threshold}
no_match = {{ ja = "どのフレンズともマッチしない", en = "No friend matches" }}
"""


def labels_judge(folder, id="friends", fit="stretch", activation="none", threshold=0.5, model_activation="sigmoid",
                 shape=(1, 3, 48, 64), outputs=3, dtype="float32"):
    """A labels judge folder with a tests-made model; its manifest is written as an operator would."""
    folder.mkdir(parents=True, exist_ok=True)
    linear_classifier(folder / "model.onnx", list(shape), outputs=outputs, activation=model_activation, dtype=dtype)
    (folder / "judge.toml").write_text(
        LABELS_JUDGE.format(id=id, fit=fit, activation=activation, threshold=threshold), encoding="utf-8"
    )
    return folder


FACE_JUDGE = """
id = "friends"
title = { ja = "フレンズ判定", en = "Which friend" }
description = { ja = "顔ごとにどのフレンズか判定します", en = "Tells which friend each face is" }
kind = "labels"
license = "CC0 (tests)"
[model]
path = "model.onnx"
output = { activation = "sigmoid", labels = ["serval", "raccoon", "fennec"] }
[model.input]
size = [64, 64]
layout = "NCHW"
resample = "bilinear"
fit = "stretch"
mean = [0.5, 0.5, 0.5]
std = [0.5, 0.5, 0.5]
[detect]
detector = "face"
margin = 0.25
min_score = 0.5
[names]
serval = { ja = "サーバル", en = "Serval" }
[verdict]
threshold = 0.5
no_match = { ja = "どのフレンズともマッチしない", en = "No friend matches" }
"""


def strict_models(tmp_path):
    """The shipped judge with sensitive_above lowered below 0, so that a photo of a face counts as sensitive."""
    folder = tmp_path / "models" / "keshikaran"
    folder.mkdir(parents=True)
    manifest = (ROOT / "models" / "keshikaran" / "judge.toml").read_text(encoding="utf-8")
    manifest = re.sub(r"^sensitive_above = .*$", "sensitive_above = -1.0", manifest, flags=re.M)
    (folder / "judge.toml").write_text(manifest, encoding="utf-8")
    return tmp_path / "models"


def smile_judge(folder):
    """A score judge of faces: each face found gets a band ("真顔" or "笑顔") from a tests-made model."""
    folder.mkdir(parents=True)
    linear_classifier(folder / "model.onnx", [1, 3, 32, 32], outputs=1, activation="sigmoid")
    (folder / "judge.toml").write_text("""
id = "smile"
title = { ja = "笑顔判定", en = "Smile judge" }
description = { ja = "顔ごとの笑顔度", en = "How much each face smiles" }
[model]
path = "model.onnx"
input = { size = 32 }
output = { labels = ["smile"] }
[detect]
detector = "face"
[verdict]
bands = [ { below = 0.5, ja = "真顔", en = "Straight face" }, { ja = "笑顔", en = "Smiling" } ]
""", encoding="utf-8")
    return folder


TAGS = ["photo", "illust", "face", "megane", "nsfw"]
TAGS_JUDGE = """
id = "tagger"
title = {{ ja = "タグ判定", en = "Tagger" }}
description = {{ ja = "写真にタグを付けます", en = "Tags a photo" }}
kind = "tags"
[model]
path = "model.onnx"
input = {{ size = [32, 32] }}
output = {{ activation = "sigmoid", labels = {tags} }}
[names]
megane = {{ ja = "メガネ", en = "Glasses" }}
[verdict]
threshold = 0.5
thresholds = {thresholds}
sensitive = ["nsfw"]
no_match = {{ ja = "タグなし", en = "No tags" }}
"""


def tags_judge(folder, thresholds="{}"):
    """A tags judge (a seeded linear model over 32 px) tagging photo, illust, face, megane and nsfw."""
    folder.mkdir(parents=True, exist_ok=True)
    linear_classifier(folder / "model.onnx", [1, 3, 32, 32], outputs=len(TAGS), seed=3)
    tags = "[" + ", ".join(f'"{t}"' for t in TAGS) + "]"
    (folder / "judge.toml").write_text(TAGS_JUDGE.format(tags=tags, thresholds=thresholds), encoding="utf-8")
    return folder


class FromAddress(HTTPAdapter):
    """Connects from a given loopback address, as another client on the same machine would."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_from(address):
    """A requests session whose connections come from `address`."""
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session
RED_JUDGE = """
id = "red"
title = { ja = "赤判定", en = "Redness" }
description = { ja = "どれだけ赤いか", en = "How red the photo is" }
kind = "score"
[model]
path = "model.onnx"
input = { size = 32, resample = "box" }
output = { labels = ["red"] }
[verdict]
bands = [ { below = 0.5, ja = "赤くない", en = "Not red" }, { ja = "赤い", en = "Red" } ]
"""


def redness_model(path):
    """A real ONNX model whose score is the mean red value of the photo (0..1) minus its mean blue."""
    weights = np.zeros((3, 32, 32, 1), dtype=np.float32)
    weights[0] = 1 / (32 * 32)
    weights[2] = -1 / (32 * 32)
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["image"], ["flat"], axis=1),
         helper.make_node("MatMul", ["flat", "weights"], ["raw"]),
         helper.make_node("Relu", ["raw"], ["scores"])],
        "redness", [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, 32, 32])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["N", 1])],
        initializer=[numpy_helper.from_array(weights.reshape(-1, 1), "weights")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=10), path)
