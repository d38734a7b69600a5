"""Tags judges: a photo is `photo` + `face` + `megane` at once; each tag passes its own threshold."""

import io

import pytest

from hantei import create_app
from hantei.judges import ManifestError, open_judge
from tests.helpers import TEST_SETTINGS
from tests.onnx_models import linear_classifier
from tests.photos import encoded, rgb

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
    folder.mkdir(parents=True, exist_ok=True)
    linear_classifier(folder / "model.onnx", [1, 3, 32, 32], outputs=len(TAGS), seed=3)
    tags = "[" + ", ".join(f'"{t}"' for t in TAGS) + "]"
    (folder / "judge.toml").write_text(TAGS_JUDGE.format(tags=tags, thresholds=thresholds), encoding="utf-8")
    return folder


def test_every_tag_over_its_own_threshold_is_given(tmp_path):
    photo = rgb("astronaut")
    scores = {e["label"]: e["score"] for e in open_judge(tags_judge(tmp_path / "a")).judge(photo).labels}
    lowest = min(scores, key=scores.get)
    strict = {tag: 0.999 for tag in TAGS if tag != lowest}
    judge = open_judge(tags_judge(tmp_path / "b", "{ " + ", ".join(f"{t} = {v}" for t, v in strict.items())
                                  + f", {lowest} = 0.0 }}"))
    judgement = judge.judge(photo)
    assert judgement.kind == "tags" and judgement.tags == [lowest]
    assert judgement.verdict["en"] == judge.names[lowest]["en"]
    assert judgement.as_dict()["tags"] == [lowest]
    nothing = open_judge(tags_judge(tmp_path / "c", "{ " + ", ".join(f"{t} = 1.0" for t in TAGS) + " }"))
    assert nothing.judge(photo).tags == [] and nothing.judge(photo).verdict["en"] == "No tags"
    assert not nothing.judge(photo).sensitive  # nsfw, never given, blurs nothing


def test_several_tags_at_once_through_the_api_kept_as_judged(tmp_path):
    tags_judge(tmp_path / "models" / "tagger", "{ nsfw = 0.0, megane = 0.0 }")
    settings = {**TEST_SETTINGS, "DATA_DIR": tmp_path / "data", "MODELS_DIR": tmp_path / "models",
                "DEFAULT_JUDGE": "tagger"}
    client = create_app(settings).test_client()
    data = encoded(rgb("astronaut"), "JPEG")
    answer = client.post("/api/v1/judge", data={"image": (io.BytesIO(data), "a.jpg")}).json
    assert {"nsfw", "megane"} <= set(answer["tags"]) and answer["sensitive"] is True  # nsfw is given: blurred
    assert "メガネ" in answer["verdict"]["ja"] and "Glasses" in answer["verdict"]["en"]
    tags_judge(tmp_path / "models" / "tagger", "{ nsfw = 1.0, megane = 1.0 }")
    later = create_app(settings)
    with later.app_context():
        record = later.extensions["hantei.store"].get(answer["id"])
    assert record.judgement.tags == answer["tags"]


@pytest.mark.parametrize("change, complaint", [
    ('thresholds = {}', "thresholds = { hat = 0.5 }"),
    ('activation = "sigmoid"', 'activation = "softmax"'),
    ('thresholds = {}', "thresholds = { face = nan }"),
])
def test_tags_manifest_mistakes_are_named(tmp_path, change, complaint):
    folder = tags_judge(tmp_path / "t")
    text = (folder / "judge.toml").read_text(encoding="utf-8")
    (folder / "judge.toml").write_text(text.replace(*((change, complaint))), encoding="utf-8")
    with pytest.raises(ManifestError, match="thresholds|activation"):
        open_judge(folder)
