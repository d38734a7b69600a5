"""Training a judge from folders of real photos: it beats chance by far on held-out photos, and its folder serves."""

import json
import shutil
import tomllib

import numpy as np
import onnx
import pytest
from PIL import Image

from hantei.training import dataset, evaluation, served_scores, train
from hantei.vision import embedder, features, runtime
from tests import training_photos


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One 3-label judge (photo / illust / screenshot), 30 + 10 + 20 photos per label, trained once for the module."""
    root = training_photos.build(tmp_path_factory.mktemp("kinds"))
    out = tmp_path_factory.mktemp("models") / "kinds"
    title = {"ja": "写真・イラスト・スクショ", "en": "Photo, drawing or screen"}
    summary, fitted, reports = train(root, out, "kinds", title=title, progress=False)
    return root, out, summary, fitted, reports


def test_the_judge_beats_chance_by_far_on_held_out_photos(trained):
    _, _, summary, _, reports = trained
    test = reports["test"]
    assert summary["counts"]["test"] == {"illust": 20, "photo": 20, "screenshot": 20}
    assert test.accuracy >= 0.85  # chance is 1/3; the photos come from source photos training never saw
    assert test.macro["f1"] >= 0.85 and test.macro["auc"] >= 0.95
    assert min(test.recall) >= 0.7


def test_the_folder_holds_a_manifest_a_model_and_an_honest_card(trained):
    _, out, summary, _, reports = trained
    assert sorted(p.name for p in out.iterdir()) == [
        "CARD.md", "confusion.png", "judge.toml", "metrics.json", "model.onnx", "roc.png"]
    manifest = tomllib.loads((out / "judge.toml").read_text(encoding="utf-8"))
    assert manifest["kind"] == "labels" and manifest["model"]["path"] == "model.onnx"
    assert manifest["model"]["output"]["labels"] == ["illust", "photo", "screenshot"]
    assert manifest["model"]["input"] == embedder.MANIFEST_INPUT and manifest["verdict"]["threshold"] == 0.5
    assert manifest["title"] == {"ja": "写真・イラスト・スクショ", "en": "Photo, drawing or screen"}
    card = (out / "CARD.md").read_text(encoding="utf-8")
    assert f"Accuracy **{reports['test'].accuracy:.3f}**" in card and summary["fingerprint"] in card
    assert "| screenshot | 30 | 10 | 20 |" in card
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["test"]["accuracy"] == reports["test"].accuracy and len(metrics["test_photos"]) == 60
    for name in ("confusion.png", "roc.png"):
        with Image.open(out / name) as figure:
            assert figure.format == "PNG" and min(figure.size) >= 400


def test_the_served_model_gives_the_cards_scores_on_the_test_photos(trained):
    root, out, summary, fitted, _ = trained
    model = onnx.load(str(out / "model.onnx"))
    assert [i.name for i in model.graph.input] == ["image"] and [o.name for o in model.graph.output] == ["scores"]
    paths = [root / name for name in summary["test_photos"][::7]]
    images = [dataset.load(path) for path in paths]
    session = runtime.session(out / "model.onnx")
    served = session.run(None, {"image": embedder.preprocess(images)})[0]
    expected = served_scores(fitted, embedder.Embedder(features.path()).embed(images))
    assert served.shape == (len(paths), 3) and np.abs(served - expected).max() < 1e-5


def test_the_same_folder_gives_the_same_fingerprint_and_another_photo_changes_it(trained, tmp_path):
    root, _, summary, _, _ = trained
    assert dataset.fingerprint(dataset.read(root)) == summary["fingerprint"]
    copy = training_photos.build(tmp_path / "copy")  # the same photos, byte for byte, in another folder
    assert dataset.fingerprint(dataset.read(copy)) == summary["fingerprint"]
    Image.new("RGB", (300, 300), "red").save(copy / "train" / "illust" / "extra.png")
    assert dataset.fingerprint(dataset.read(copy)) != summary["fingerprint"]


def test_a_folder_without_splits_is_split_per_label_with_a_fixed_seed(tmp_path):
    for label, count in (("cat", 20), ("dog", 7)):
        (tmp_path / label).mkdir()
        for i in range(count):
            Image.new("RGB", (40, 40), (i * 10, 0, 0)).save(tmp_path / label / f"{i:02d}.png")
    (tmp_path / ".hidden").mkdir()
    first, again = dataset.read(tmp_path), dataset.read(tmp_path)
    assert first.labels == ["cat", "dog"] and first.given_splits == ()
    assert first.counts() == {"train": {"cat": 14, "dog": 5}, "val": {"cat": 3, "dog": 1}, "test": {"cat": 3, "dog": 1}}
    assert first.splits == again.splits
    assert dataset.read(tmp_path, seed=1).splits != first.splits
    everything = sorted(path for items in first.splits.values() for path, _ in items)
    assert everything == sorted(dataset.photos_in(tmp_path))  # every photo once, in one split


def test_a_folder_with_one_label_is_refused_with_what_to_do(tmp_path):
    (tmp_path / "cat").mkdir()
    Image.new("RGB", (40, 40)).save(tmp_path / "cat" / "a.png")
    with pytest.raises(dataset.DatasetError, match="at least two label folders"):
        dataset.read(tmp_path)


def test_flask_train_writes_a_judge_folder_under_the_models_dir(make_app, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    app = make_app(MODELS_DIR=models)
    root = training_photos.build(tmp_path / "kinds", {"train": 6, "val": 3, "test": 3})
    (root / "train" / "photo" / "broken.jpg").write_bytes(b"\xff\xd8\xff not a photo")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["train", str(root), "--name", "kinds", "--title", "Kinds", "--title-ja", "種類"])
    assert result.exit_code == 0, result.output
    assert "trained 'kinds' on 18 train, 9 val, 9 test photos" in result.output and "test accuracy" in result.output
    assert "skipped 1 unreadable photos" in result.output
    assert json.loads((models / "kinds" / "metrics.json").read_text())["skipped"][0].endswith("broken.jpg: corrupt")
    manifest = tomllib.loads((models / "kinds" / "judge.toml").read_text(encoding="utf-8"))
    assert manifest["title"] == {"ja": "種類", "en": "Kinds"}
    again = runner.invoke(args=["train", str(root), "--name", "kinds"])
    assert again.exit_code != 0 and "already exists" in again.output
    forced = runner.invoke(args=["train", str(root), "--name", "kinds", "--force"])
    assert forced.exit_code == 0, forced.output
    assert sorted(p.name for p in models.iterdir()) == ["kinds"]  # replaced whole; nothing half-written left
    assert tomllib.loads((models / "kinds" / "judge.toml").read_text(encoding="utf-8"))["title"]["en"] == "kinds"
    bad = runner.invoke(args=["train", str(root), "--name", "../escape"])
    assert bad.exit_code != 0 and not (tmp_path / "escape").exists()


def served(model_path):
    """The trained judge as served: its model.onnx on the manifest's preprocessing, {label: score} per photo."""
    session = runtime.session(model_path)

    def classify(image):
        scores = session.run(None, {"image": embedder.preprocess([image])})[0][0]
        return dict(zip(["illust", "photo", "screenshot"], (float(v) for v in scores)))
    return classify


def test_evaluate_on_the_test_split_gives_the_cards_numbers(trained, tmp_path):
    root, out, summary, _, reports = trained
    pairs = evaluation.listed_photos(root, out, summary["labels"])
    assert pairs == evaluation.photos_to_measure(root, summary["labels"])  # the given test/ folder, in order
    report, skipped = evaluation.evaluate(pairs, summary["labels"], served(out / "model.onnx"), out=tmp_path,
                                          progress=False)
    card = reports["test"]
    assert not skipped and np.array_equal(report.confusion, card.confusion)
    assert report.accuracy == card.accuracy and report.f1 == pytest.approx(card.f1)
    assert report.auc == pytest.approx(card.auc)
    assert (tmp_path / "roc.png").is_file() and (tmp_path / "confusion.png").is_file()
    printed = evaluation.text(report)
    assert f"accuracy {card.accuracy:.4f}" in printed and "screenshot" in printed


def test_a_score_judge_is_measured_on_folders_0_and_1(trained, tmp_path):
    root, out, _, _, _ = trained
    for name, label in (("0", "illust"), ("1", "photo")):
        (tmp_path / name).symlink_to(root / "test" / label)
    classify = served(out / "model.onnx")
    photo_score = evaluation.score_judge_labels(lambda image: {"photo": classify(image)["photo"]})
    pairs = evaluation.photos_to_measure(tmp_path, ["0", "1"])
    report, _ = evaluation.evaluate(pairs, ["0", "1"], photo_score, progress=False)
    assert report.support == [20, 20] and report.confusion[:, 2].sum() == 0  # a score always decides
    assert report.accuracy >= 0.85 and report.auc[1] >= 0.95 and report.auc[0] == pytest.approx(report.auc[1])


def test_a_tree_with_only_train_gets_validation_photos_drawn_from_it(tmp_path):
    for label in ("cat", "dog"):
        (tmp_path / "train" / label).mkdir(parents=True)
        for i in range(10):
            Image.new("RGB", (40, 40), (i * 20, 0, 0)).save(tmp_path / "train" / label / f"{i}.png")
    data = dataset.read(tmp_path)
    assert data.given_splits == ("train",) and sorted(data.splits) == ["train", "val"]
    assert data.counts() == {"train": {"cat": 8, "dog": 8}, "val": {"cat": 2, "dog": 2}}


def test_a_trained_judge_serves_at_once_through_the_api(make_app, trained, tmp_path):
    root, out, summary, _, _ = trained
    models = tmp_path / "models"
    shutil.copytree(out, models / "kinds")
    app = make_app(MODELS_DIR=models, DEFAULT_JUDGE="kinds")
    client = app.test_client()
    for relative in summary["test_photos"][::20]:  # one photo of each label
        truth = relative.split("/")[1]
        with open(root / relative, "rb") as photo:
            response = client.post("/api/v1/judge", data={"image": (photo, relative.split("/")[-1]), "judge": "kinds"})
        assert response.status_code == 201, response.json
        scores = {entry["label"]: entry["score"] for entry in response.json["labels"]}
        assert max(scores, key=scores.get) == truth and scores[truth] >= 0.5
