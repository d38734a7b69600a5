"""flask train --face: a judge learnt from face crops finds faces first when it serves, and tells people apart."""

import tomllib

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from hantei.judges import open_judge
from hantei.training import train
from tests.photos import PEOPLE, rgb


def variants(image, count, seed):
    """The same person photographed again: framed, scaled, lit and mirrored differently."""
    rng = np.random.default_rng(seed)
    width, height = image.size
    for n in range(count):
        left, top = rng.integers(0, width // 8, 2)
        crop = image.crop((left, top, left + width * 7 // 8, top + height * 7 // 8))
        crop = crop.resize((int(crop.width * rng.uniform(0.8, 1.4)),) * 2, Image.Resampling.BICUBIC)
        crop = ImageEnhance.Brightness(crop).enhance(rng.uniform(0.8, 1.2))
        yield crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if n % 2 else crop


@pytest.fixture(scope="module")
def face_judge(tmp_path_factory):
    root = tmp_path_factory.mktemp("people")
    people = {"astronaut": rgb("astronaut"), "grace": Image.open(PEOPLE["grace_hopper"]).convert("RGB")}
    for split, count, seed in (("train", 12, 1), ("val", 4, 2), ("test", 4, 3)):
        for label, image in people.items():
            folder = root / split / label
            folder.mkdir(parents=True)
            for n, variant in enumerate(variants(image, count, seed)):
                variant.save(folder / f"{n}.jpg", quality=90)
    # A photo with no face at all: skipped, and said so on the card.
    rgb("coffee").save(root / "train" / "grace" / "no-face.jpg")
    out = tmp_path_factory.mktemp("models") / "people"
    summary, _, reports = train(root, out, "people", progress=False, faces=True)
    return out, summary, reports


def test_face_training_writes_a_face_judge(face_judge):
    out, summary, reports = face_judge
    manifest = tomllib.loads((out / "judge.toml").read_text(encoding="utf-8"))
    assert manifest["detect"] == {"detector": "face", "margin": 0.25}
    assert any(line.endswith("no-face.jpg: no face") for line in summary["skipped"])
    assert "Faces first: yes" in (out / "CARD.md").read_text(encoding="utf-8")
    assert reports["test"].accuracy >= 0.75


def test_the_face_judge_judges_each_face(face_judge):
    out, _, _ = face_judge
    judge = open_judge(out)
    judgement = judge.judge(rgb("astronaut"))
    assert len(judgement.regions) == 1
    assert judgement.regions[0].labels[0]["label"] == "astronaut"
    nobody = judge.judge(rgb("coffee"))
    assert nobody.regions == [] and nobody.verdict["en"] == "No face found"
