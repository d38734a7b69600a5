"""`flask train` on a small, varied folder of real images (about 30 a label from several packages, listed in
tools/kinds_photos.csv) is right on at least 95% of the images of projects it never saw."""

import importlib.util
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("HANTEI_TEST_CACHE", "/var/cache/hantei-tests")) / "kinds"
PER_LABEL = 30
# Small packages (a few MB each, downloaded once into CACHE), several per label, from families on each side of the
# manifest's split: the test images come from projects that no training image comes from.
TRAIN = {"photo": ["scikit-image", "kphotoalbum", "mate-backgrounds", "gwenview", "imgaug", "scikit-learn",
                   "matplotlib", "lomiri-wallpapers-20.04"],
         "illust": ["slimevolley-data", "imagemagick-6-doc", "lxde-common", "sway-backgrounds",
                    "kdegames-card-data-kf5", "frozen-bubble-data", "btanks-data", "ukui-wallpapers",
                    "lomiri-wallpapers", "matplotlib", "mate-backgrounds"],
         "screenshot": ["geany-common", "iagno", "five-or-more", "kontact", "kwalletmanager", "libgtk-3-doc"]}
TEST = {"photo": ["gramps", "tuxpaint-data", "lxqt-themes", "ultralytics"],
        "illust": ["ceferino-data", "crawl-tiles-data", "hex-a-hop-data", "lxqt-themes"],
        "screenshot": ["doublecmd-help-en", "accerciser", "gnote", "gthumb-data", "pioneers-data", "cantor", "kiten",
                       "krdc"]}


def builder():
    spec = importlib.util.spec_from_file_location("make_kinds_photos", ROOT / "tools" / "make_kinds_photos.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def chosen(rows, split, packages, cap=None):
    """The manifest's rows of `split` from the given packages per label, taken in turn from each package (so that
    a capped label still has several sources)."""
    out = []
    for label, names in packages.items():
        queues = [[row for row in rows if row["split"] == split and row["label"] == label and row["package"] == name]
                  for name in names]
        mine = []
        while any(queues) and (cap is None or len(mine) < cap):
            for queue in queues:
                if queue and (cap is None or len(mine) < cap):
                    mine.append(queue.pop(0))
        out += mine
    return out


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory):
    tool = builder()
    rows = tool.rows()
    picked = chosen(rows, "train", TRAIN, PER_LABEL) + chosen(rows, "test", TEST)
    CACHE.mkdir(parents=True, exist_ok=True)
    root = tmp_path_factory.mktemp("small-kinds")
    for row in picked:
        path = tool.target(root, row)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(tool.content(row, CACHE))
    return root, picked


def test_a_small_varied_folder_is_split_by_project(small_folder):
    _, picked = small_folder
    for label in TRAIN:
        train = [row for row in picked if row["split"] == "train" and row["label"] == label]
        assert len(train) == PER_LABEL and len({row["package"] for row in train}) >= 4
    families = {split: {row["family"] for row in picked if row["split"] == split} for split in ("train", "test")}
    assert families["test"] and not families["train"] & families["test"]


def test_flask_train_on_it_is_right_on_95_percent_of_projects_it_never_saw(small_folder, make_app, tmp_path):
    root, picked = small_folder
    models = tmp_path / "models"
    models.mkdir()
    runner = make_app(MODELS_DIR=models).test_cli_runner()
    result = runner.invoke(args=["train", str(root), "--name", "kinds"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((models / "kinds" / "metrics.json").read_text(encoding="utf-8"))
    test = metrics["test"]
    recalls = {label: round(entry["recall"], 3) for label, entry in test["labels"].items()}
    print(f"held-out accuracy {test['accuracy']:.3f} on {len(metrics['test_photos'])} images; per label {recalls}")
    assert len(metrics["test_photos"]) == sum(row["split"] == "test" for row in picked)
    assert test["accuracy"] >= 0.95 and min(recalls.values()) >= 0.9, (test["accuracy"], recalls)
    assert metrics["sources"]["train"] >= 10 and metrics["sources"]["test"] >= 5
    assert metrics["doctor"]["shared_sources"] == []  # split by project: the card's figures are held-out figures
    assert "sources" in metrics["doctor"]["learning_curve"][0]
    card = (models / "kinds" / "CARD.md").read_text(encoding="utf-8")
    assert "by share of the training sources" in card and "Held-out sources with wrong answers" in card
