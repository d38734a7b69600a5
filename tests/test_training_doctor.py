"""The data doctor on a small real folder with planted faults: a mislabelled photo, a photo leaked from train
into test, a label with too few photos; and the learning curve."""

import shutil

import pytest
from PIL import Image

from hantei.training import dataset, doctor, train
from tests import training_photos
from tests.photos import rgb


@pytest.fixture(scope="module")
def examined(tmp_path_factory):
    root = training_photos.build(tmp_path_factory.mktemp("doctor"), {"train": 16, "val": 6, "test": 8})
    shutil.copy(root / "train" / "photo" / "003.jpg", root / "train" / "illust" / "zz-mislabelled.jpg")
    shutil.copy(root / "train" / "screenshot" / "001.png", root / "test" / "screenshot" / "zz-leaked.png")
    summary, _, _ = train(root, tmp_path_factory.mktemp("out") / "kinds", "kinds", progress=False)
    return root, summary


def test_a_photo_in_the_wrong_folder_is_named_with_the_label_it_looks_like(examined):
    _, summary = examined
    flagged = {s["photo"]: s for s in summary["doctor"]["suspicious"]}
    assert "train/illust/zz-mislabelled.jpg" in flagged
    assert flagged["train/illust/zz-mislabelled.jpg"]["looks_like"] == "photo"
    assert len(flagged) <= 3  # the rest of the folder is labelled right


def test_a_photo_copied_from_train_into_test_is_a_near_duplicate_across_splits(examined):
    _, summary = examined
    pairs = {(d["a"], d["b"]) for d in summary["doctor"]["duplicates"]}
    assert ("train/screenshot/001.png", "test/screenshot/zz-leaked.png") in pairs
    assert all(d["splits"][0] != d["splits"][1] for d in summary["doctor"]["duplicates"])


def test_the_learning_curve_has_four_points_and_says_what_it_means(examined):
    _, summary = examined
    curve = summary["doctor"]["learning_curve"]
    assert [c["share"] for c in curve] == [0.25, 0.5, 0.75, 1.0]
    assert [c["photos"] for c in curve] == sorted(c["photos"] for c in curve) and curve[-1]["photos"] == 49
    assert summary["doctor"]["curve_says"].startswith(("still rising", "flat"))


def test_the_doctor_speaks_in_lines_for_the_card_and_the_terminal(examined):
    _, summary = examined
    lines = "\n".join(doctor.lines(summary["doctor"]))
    assert "zz-mislabelled.jpg" in lines and "zz-leaked.png" in lines and "Learning curve" in lines
    assert summary["doctor"]["too_few"] == []


def test_labels_with_too_few_photos_are_named():
    data = dataset.Dataset(root=None, labels=["a", "b"])
    assert doctor.too_few(data, {"train": {"a": 3, "b": 40}}) == [{"label": "a", "train": 3}]


def test_the_hash_sees_a_resized_recompressed_copy_and_not_another_photo():
    cat = rgb("chelsea")
    smaller = cat.resize((cat.width // 2, cat.height // 2), Image.Resampling.BILINEAR)
    assert bin(doctor.dhash(cat) ^ doctor.dhash(smaller)).count("1") <= doctor.NEAR
    assert bin(doctor.dhash(cat) ^ doctor.dhash(rgb("coffee"))).count("1") > doctor.NEAR
