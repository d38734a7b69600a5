"""flask train --tags: a tags judge learnt from photos that carry several tags at once (photo + face, illust + face),
given as one file copied under several tag folders or as a photo,tags CSV; each tag gets its own threshold."""

import csv
import json
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from hantei.judges import open_judge
from hantei.training import dataset, head
from tests import training_photos
from tests.helpers import build_app, labels_judge, tags_judge
from tests.photos import MATPLOTLIB, SKIMAGE

# What each kind of picture carries, and where its pictures come from.
KINDS = {
    ("photo",): ["coffee.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png", "coins.png", "brick.png"],
    ("face", "photo"): ["astronaut.png", "grace_hopper.jpg", "camera.png"],
    ("illust",): None,
    ("face", "illust"): None,
}
PER_KIND = {"train": 5, "val": 3, "test": 3}


def people_photo(rng, name):
    """A crop of a photo, mirrored at times, resized as a phone might; wide enough (80-100%) to keep any face."""
    original = Image.open((MATPLOTLIB if name == "grace_hopper.jpg" else SKIMAGE) / name).convert("RGB")
    width, height = original.size
    crop_w, crop_h = width * rng.uniform(0.8, 1), height * rng.uniform(0.8, 1)
    left, top = rng.uniform(0, width - crop_w), rng.uniform(0, height - crop_h)
    image = original.crop((int(left), int(top), int(left + crop_w), int(top + crop_h)))
    image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if rng.random() < 0.5 else image
    scale = rng.uniform(300, 420) / min(image.size)
    return image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.BICUBIC)


def drawn_face(rng):
    """A drawing of a big face (head, eyes, smile) among flat shapes without faces."""
    image = training_photos.illustration(rng, faces=False)
    draw = ImageDraw.Draw(image)
    x, y, r = image.width / 2 + rng.uniform(-30, 30), image.height / 2 + rng.uniform(-30, 30), min(image.size) / 3
    draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 224, 189), outline=(20, 20, 30), width=5)
    for side in (-1, 1):
        draw.ellipse((x + side * r / 2.5 - r / 8, y - r / 4 - r / 6, x + side * r / 2.5 + r / 8, y - r / 4 + r / 6),
                     fill=(20, 20, 30))
    draw.arc((x - r / 2, y - r / 3, x + r / 2, y + r / 2), 20, 160, fill=(20, 20, 30), width=5)
    return image


def pictures(seed=0):
    """(split, name, tags, image) for every picture of the set, the same for the same seed."""
    rng = np.random.default_rng(seed)
    out = []
    for split, count in PER_KIND.items():
        for tags, sources in KINDS.items():
            for i in range(count):
                if sources:
                    image = people_photo(rng, sources[i % len(sources)]) if "face" in tags else \
                        training_photos.photo(rng, training_photos.source(sources[i % len(sources)]))
                else:
                    image = drawn_face(rng) if "face" in tags else training_photos.illustration(rng, faces=False)
                out.append((split, f"{'-'.join(tags)}-{i}.{'jpg' if sources else 'png'}", tags, image))
    return out


def copied_under_each_tag(root, seed=0):
    """FOLDER/<tag>/ folders (no split folders): a picture with two tags is one file copied into both."""
    for split, name, tags, image in pictures(seed):
        first = root / tags[0] / f"{split}-{name}"
        first.parent.mkdir(parents=True, exist_ok=True)
        image.save(first)
        for tag in tags[1:]:
            (root / tag).mkdir(exist_ok=True)
            shutil.copy(first, root / tag / first.name)
    return root


def listed_in_a_csv(root, seed=0):
    """FOLDER/train|val|test/<file> and a tags.csv naming every file's tags (split by spaces or by ;)."""
    rows = []
    for n, (split, name, tags, image) in enumerate(pictures(seed)):
        (root / split).mkdir(parents=True, exist_ok=True)
        image.save(root / split / name)
        rows.append({"photo": f"{split}/{name}", "tags": (";" if n % 2 else " ").join(tags)})
    with (root / "tags.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["photo", "tags"])
        writer.writeheader()
        writer.writerows(rows)
    return root, rows


def app_for(tmp_path):
    models = tmp_path / "models"
    models.mkdir(exist_ok=True)
    return build_app(DATA_DIR=tmp_path, MODELS_DIR=models), models


@pytest.fixture(scope="module")
def from_folders(tmp_path_factory):
    """A tags judge trained by `flask train --tags` from FOLDER/<tag>/ copies (split at random by photo)."""
    tmp_path = tmp_path_factory.mktemp("folders")
    root = copied_under_each_tag(tmp_path / "tagged")
    app, models = app_for(tmp_path)
    result = app.test_cli_runner().invoke(args=["train", str(root), "--name", "tagger", "--tags", "--augment", "off"])
    return root, models / "tagger", result


@pytest.fixture(scope="module")
def from_csv(tmp_path_factory):
    """A tags judge trained by `flask train --tags-csv` from train/ val/ test/ files and a photo,tags CSV."""
    tmp_path = tmp_path_factory.mktemp("csv")
    root, rows = listed_in_a_csv(tmp_path / "listed")
    app, models = app_for(tmp_path)
    result = app.test_cli_runner().invoke(args=["train", str(root), "--name", "csv-tagger", "--augment", "off",
                                                "--tags-csv", str(root / "tags.csv")])
    return root, rows, models / "csv-tagger", result


def manifest_and_metrics(folder):
    manifest = tomllib.loads((folder / "judge.toml").read_text(encoding="utf-8"))
    return manifest, json.loads((folder / "metrics.json").read_text(encoding="utf-8"))


def test_a_photo_copied_under_two_tag_folders_is_one_photo_with_both_tags(tmp_path):
    root = copied_under_each_tag(tmp_path / "tagged")
    data = dataset.read_tags(root, seed=0)
    assert data.labels == ["face", "illust", "photo"] and data.tags and data.given_splits == ()
    items = [item for split in data.splits.values() for item in split]
    assert len(items) == len(pictures()) == 44  # 66 files, 22 of them second copies
    assert sorted(p.name for p, _ in items) == sorted(f"{s}-{n}" for s, n, _, _ in pictures())
    two = [(p, k) for p, k in items if sum(k) == 2]
    assert len(two) == 22 and all(k[0] == 1 for _, k in two)  # every two-tag photo is a face
    assert dataset.read_tags(root, seed=0).splits == data.splits != dataset.read_tags(root, seed=1).splits
    assert {len(split) for split in data.splits.values()} == {30, 7}


def test_flask_train_tags_writes_a_tags_judge_with_each_tags_threshold(from_folders):
    root, out, result = from_folders
    assert result.exit_code == 0, result.output
    assert "trained 'tagger' on 30 train, 7 val, 7 test photos" in result.output
    assert "test exact match" in result.output and "mean F1" in result.output
    assert "not checked for tags" in result.output
    judge = open_judge(out)
    manifest, metrics = manifest_and_metrics(out)
    assert judge.kind == "tags" and manifest["kind"] == "tags" and metrics["kind"] == "tags"
    assert judge.spec.thresholds == dict(zip(metrics["labels"], metrics["thresholds"]))
    assert manifest["verdict"]["threshold"] == 0.5 and judge.spec.no_match["en"] == "No tag fits"
    assert {tag: v["threshold"] for tag, v in metrics["test"]["tags"].items()} == judge.spec.thresholds
    assert sorted(p.name for p in out.iterdir()) == ["CARD.md", "judge.toml", "metrics.json", "model.onnx", "roc.png"]
    card = (out / "CARD.md").read_text(encoding="utf-8")
    assert f"Exact match **{metrics['test']['exact_match']:.3f}**" in card and "mean Jaccard" in card
    assert "| **photos** | 30 | 7 | 7 |" in card and "not checked for tags" in card


def test_the_served_judge_gives_both_tags_and_the_cards_exact_match(from_folders):
    root, out, _ = from_folders
    judge = open_judge(out)
    for name in ("train-face-photo-0.jpg", "train-face-illust-1.png"):  # training photos that carry two tags
        tags = name.split("-")[1:3]
        assert sorted(judge.judge(dataset.load(root / tags[0] / name)).tags) == tags
    _, metrics = manifest_and_metrics(out)
    right = [sorted(judge.judge(dataset.load(root / photo)).tags) == sorted(truth)
             for photo, truth in zip(metrics["test_photos"], metrics["test_tags"])]
    assert len(right) == 7 and np.mean(right) == pytest.approx(metrics["test"]["exact_match"])
    assert metrics["test"]["exact_match"] >= 0.7 and metrics["test"]["macro"]["f1"] >= 0.8


def test_flask_train_tags_csv_honours_the_split_folders(from_csv):
    root, rows, out, result = from_csv
    assert result.exit_code == 0, result.output
    assert "trained 'csv-tagger' on 20 train, 12 val, 12 test photos" in result.output
    judge = open_judge(out)
    _, metrics = manifest_and_metrics(out)
    assert judge.kind == "tags" and judge.spec.thresholds == dict(zip(metrics["labels"], metrics["thresholds"]))
    assert metrics["given_splits"] == ["train", "val", "test"] and metrics["tags_csv"].endswith("tags.csv")
    assert metrics["test_photos"] == sorted(row["photo"] for row in rows if row["photo"].startswith("test/"))
    assert sorted(judge.judge(dataset.load(root / "train" / "face-photo-1.jpg")).tags) == ["face", "photo"]
    assert metrics["test"]["exact_match"] >= 0.7


@pytest.mark.parametrize("change, complaint", [
    (lambda rows: rows.append("nowhere/missing.jpg,photo"), "line 46: no photo 'nowhere/missing.jpg'"),
    (lambda rows: rows.append("../escape.jpg,photo"), "line 46: no photo '../escape.jpg'"),
    (lambda rows: rows.__setitem__(3, rows[3].split(",")[0] + ", ; "), "line 4: photo 'train/photo-2.jpg' has no tags"),
    (lambda rows: rows.__setitem__(0, "photo,labels"), "lacks the column tags"),
])
def test_a_bad_csv_is_refused_naming_the_problem(tmp_path, change, complaint):
    root, _ = listed_in_a_csv(tmp_path / "listed")
    (tmp_path / "escape.jpg").write_bytes((root / "train" / "photo-0.jpg").read_bytes())
    lines = (root / "tags.csv").read_text(encoding="utf-8").splitlines()
    change(lines)
    (root / "tags.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    app, models = app_for(tmp_path)
    result = app.test_cli_runner().invoke(args=["train", str(root), "--name", "bad", "--tags-csv",
                                                str(root / "tags.csv")])
    assert result.exit_code == 1 and complaint in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit) and not (models / "bad").exists()


def test_each_tag_with_a_few_validation_photos_gets_its_own_threshold():
    rng = np.random.default_rng(0)
    train_y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]] * 6)
    val_y = np.array([[1, 0], [1, 0], [1, 1], [0, 0], [0, 0], [0, 1], [0, 0], [1, 0]])  # tag 1: only 2 there
    x = lambda y: y @ np.array([[1.0, 0, 0], [0, 1.0, 0]]) + rng.normal(0, 0.8, (len(y), 3))  # noqa: E731
    val_x = x(val_y)
    fitted = head.train(["a", "b"], x(train_y), train_y, val_x, val_y)
    scores = fitted.scores(val_x)
    assert fitted.thresholds[0] == head.best_threshold(val_y[:, 0] == 1, scores[:, 0])
    assert fitted.thresholds[1] == 0.5  # too few validation photos of tag b to tune it on
    assert head.tuned(val_y, 2) == [True, False] and head.tuned(np.array([0, 1] * 30), 2) == [True, True]


def evaluated(models, *args):
    """`flask evaluate` in a fresh app serving the judges under `models` (as after a restart)."""
    app, _ = app_for(models.parent)
    return app.test_cli_runner().invoke(args=["evaluate", *map(str, args), "--out", str(models.parent / "figures")])


def printed_rows(output, labels):
    """The printed table's rows of those labels: {label: [the numbers]}."""
    return {line.split()[0]: line.split()[1:] for line in output.splitlines()
            if line.split() and line.split()[0] in labels}


def test_flask_evaluate_gives_a_tags_judges_card_numbers_on_its_test_photos(from_folders, tmp_path):
    root, out, _ = from_folders
    _, metrics = manifest_and_metrics(out)
    for photo, tags in zip(metrics["test_photos"], metrics["test_tags"]):  # the drawn test split as tag folders
        for tag in tags:
            (tmp_path / "test-photos" / tag).mkdir(parents=True, exist_ok=True)
            shutil.copy(root / photo, tmp_path / "test-photos" / tag / Path(photo).name)
    result = evaluated(out.parent, tmp_path / "test-photos", "--judge", "tagger")
    assert result.exit_code == 0, result.output
    test = metrics["test"]
    whole = f"photos 7   exact match {test['exact_match']:.4f}   mean Jaccard {test['mean_jaccard']:.4f}"
    assert whole in result.output
    rows = printed_rows(result.output, [*metrics["labels"], "macro"])
    for tag, numbers in test["tags"].items():  # threshold, precision, recall, F1, AUC, photos
        assert rows[tag][:4] == [f"{numbers[key]:.4f}" for key in ("threshold", "precision", "recall", "f1")]
        assert int(rows[tag][5]) == numbers["support"]
    assert rows["macro"][2] == f"{test['macro']['f1']:.4f}"
    figures = out.parent.parent / "figures"
    assert (figures / "roc.png").is_file() and not (figures / "confusion.png").exists()
    assert "no confusion.png" in result.output


def test_flask_evaluate_reads_a_tags_csv_and_its_test_split(from_csv):
    root, rows, out, _ = from_csv
    _, metrics = manifest_and_metrics(out)
    result = evaluated(out.parent, root, "--judge", "csv-tagger", "--tags-csv", root / "tags.csv")
    assert result.exit_code == 0, result.output
    assert f"photos 12   exact match {metrics['test']['exact_match']:.4f}" in result.output
    everything = evaluated(out.parent, root, "--judge", "csv-tagger", "--tags-csv", root / "tags.csv",
                           "--split", "train")
    assert everything.exit_code == 0 and "photos 20   exact match" in everything.output


@pytest.fixture
def served_judges(tmp_path):
    """A made-up tags judge (photo 0.3, the rest 0.5) and a labels judge, and a folder of a few tagged photos."""
    models = tmp_path / "models"
    tags_judge(models / "tagger", thresholds="{ photo = 0.3 }")
    labels_judge(models / "friends")
    for split, name, tags, image in pictures()[:4]:
        for tag in tags:
            (tmp_path / "few" / tag).mkdir(parents=True, exist_ok=True)
            image.save(tmp_path / "few" / tag / f"{split}-{name}")
    return models, tmp_path / "few"


def test_flask_evaluate_uses_the_tags_judges_own_thresholds(served_judges):
    models, few = served_judges
    result = evaluated(models, few, "--judge", "tagger")
    assert result.exit_code == 0, result.output
    assert "photos 4   exact match" in result.output
    rows = printed_rows(result.output, ["photo", "illust", "face", "megane", "nsfw"])
    assert rows["photo"][0] == "0.3000" and rows["nsfw"][0] == "0.5000" and rows["photo"][5] == "4"


@pytest.mark.parametrize("folder, csv_file, complaint", [
    ("loose", None, "has no photos in tag folders"),  # a photo, but in no tag folder
    ("few", "bad.csv", "bad.csv line 2: no photo 'nowhere.jpg'"),
    ("unheard", None, "has tags the judge lacks: unheard (it gives photo, illust, face, megane, nsfw)"),
    ("split", None, "has no test photos (its splits: train); pick one with --split"),
])
def test_flask_evaluate_refuses_a_tags_folder_it_cannot_read(served_judges, folder, csv_file, complaint):
    models, few = served_judges
    a_photo = next((few / "photo").iterdir())
    (few.parent / "loose").mkdir()
    shutil.copy(a_photo, few.parent / "loose")
    shutil.copytree(few, few.parent / "unheard")
    (few.parent / "unheard" / "unheard").mkdir()
    shutil.copy(a_photo, few.parent / "unheard" / "unheard")
    shutil.copytree(few, few.parent / "split" / "train")
    (few.parent / "bad.csv").write_text("photo,tags\nnowhere.jpg,photo\n", encoding="utf-8")
    csv_args = ["--tags-csv", few.parent / csv_file] if csv_file else []
    result = evaluated(models, few.parent / folder, "--judge", "tagger", *csv_args)
    assert result.exit_code == 1 and complaint in result.output and "Traceback" not in result.output


def test_tags_csv_is_for_tags_judges_only(served_judges):
    models, few = served_judges
    (few.parent / "tags.csv").write_text("photo,tags\n", encoding="utf-8")
    result = evaluated(models, few, "--judge", "friends", "--tags-csv", few.parent / "tags.csv")
    assert result.exit_code == 2 and "--tags-csv is for tags judges; 'friends' is a labels judge" in result.output
