"""flask commands: judge photo files from the shell, as the original keshikaran.py did; manage and train judges."""

import json
import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .intake import Rejected, read_photo
from .install import InstallError, install, presets
from .judges import Judges, UnknownJudge
from .judging import judge_bytes
from .uploads import refused_for
from .vision.detectors import DETECTORS, FACE_DETECTORS
from .vision.evaluation import evaluate
from .vision import runtime


@click.command("judge")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--judge", "judge_id", default=None, help="Judge id (default: HANTEI_DEFAULT_JUDGE).")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as one JSON object per line.")
@with_appcontext
def judge_command(files, judge_id, as_json):
    """Print each photo's score (or, with --json, its whole result)."""
    try:
        judge = current_app.extensions["hantei.judges"].get(judge_id)
    except UnknownJudge:
        raise click.UsageError(f"no judge called {judge_id!r}") from None
    limits = current_app.extensions["hantei.limits"]
    failed = False
    for path in files:
        try:
            photo, judgement = judge_bytes(path.read_bytes(), judge, limits)
        except (OSError, Rejected) as problem:
            reason = refused_for(problem).message if isinstance(problem, Rejected) else problem.strerror
            click.echo(f"{path}: {reason}", err=True)
            failed = True
            continue
        if as_json:
            width, height = photo.size
            line = {"file": str(path), **judgement.as_dict(), "image": {"width": width, "height": height}}
            click.echo(json.dumps(line, ensure_ascii=False))
        else:
            click.echo(f"{judgement.score:.4f}")
    sys.exit(1 if failed else 0)


@click.command("purge")
@click.option("--orphans/--no-orphans", default=True, help="Also remove files that no result owns (walks the folder).")
@with_appcontext
def purge_command(orphans):
    """Delete expired results with their photos and cards (the app also sweeps them while it serves)."""
    count = current_app.extensions["hantei.store"].purge(orphans=orphans)
    click.echo(f"deleted {count} expired result{'s' if count != 1 else ''}")


@click.group("judges")
def judges_group():
    """Look at the judges in the models folder."""


@judges_group.command("check")
@with_appcontext
def judges_check():
    """Load every judge folder as a worker would and report the broken ones (exit 1 if any)."""
    loaded, problems = Judges.read(current_app.config["MODELS_DIR"])
    for judge in loaded.values():
        model = judge.classifier.path.name if judge.classifier else "-"
        detector = judge.detector.name if judge.detector else "-"
        click.echo(f"ok      {judge.id}  kind={judge.kind} detector={detector} model={model} labels={len(judge.labels)}")
    for folder, problem in problems.items():
        click.echo(f"BROKEN  {folder}  {problem}")
    default = current_app.config["DEFAULT_JUDGE"]
    if default not in loaded:
        click.echo(f"BROKEN  default judge {default!r} (HANTEI_DEFAULT_JUDGE) is not loaded")
    sys.exit(1 if problems or default not in loaded else 0)


@click.command("install-model")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--preset", type=click.Choice(presets()), help="Serve a model of a known signature with this shipped manifest.")
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), help="Serve any model with this judge.toml.")
@click.option("--replace", is_flag=True, help="Install over a judge folder of the same id.")
@with_appcontext
def install_model_command(file, preset, manifest, replace):
    """Install an ONNX model (or a zip holding one) as a judge folder in the models directory."""
    if preset and manifest:
        raise click.UsageError("give --preset or --manifest, not both")
    try:
        folder = install(file, current_app.config["MODELS_DIR"], preset=preset, manifest=manifest, replace=replace)
    except InstallError as error:
        click.echo(f"not installed: {error}", err=True)
        sys.exit(1)
    click.echo(f"installed {folder.name} into {folder}; reload the server (gunicorn: kill -HUP) to serve it")


@click.command("detect")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--detector", "name", default="face", type=click.Choice(sorted(DETECTORS)), help="Detector (default: face).")
@with_appcontext
def detect_command(files, name):
    """Print what a detector finds in each photo, one JSON object per line (boxes in upright photo pixels)."""
    detector = DETECTORS[name]()
    failed = False
    for path, image in _photos(files):
        if image is None:
            failed = True
            continue
        regions = [{"label": r.label, "score": round(r.score, 4), "box": r.box} for r in detector.detect(image)]
        click.echo(json.dumps({"file": str(path), "regions": regions}, ensure_ascii=False))
    sys.exit(1 if failed else 0)


@click.command("evaluate-detector")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--detector", "names", multiple=True, type=click.Choice(sorted(DETECTORS)),
              help="Detector to score (repeatable; default: every face detector and NudeNet's faces).")
@click.option("--iou", default=0.4, show_default=True, help="Overlap a detection needs with a true face to count.")
@with_appcontext
def evaluate_detector_command(folder, names, iou):
    """Score face detectors on FOLDER's photos against FOLDER/faces.json ({"photo.jpg": [[x, y, w, h], ...]})."""
    try:
        truth = json.loads((folder / "faces.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise click.UsageError(f"{folder / 'faces.json'}: {error}") from None
    photos = [(image, truth[path.name]) for path, image in _photos(folder / name for name in sorted(truth)) if image]
    click.echo(f"{len(photos)} photos, {sum(len(t) for _, t in photos)} faces (a find needs IoU >= {iou})")
    click.echo(f"{'detector':<10} {'all faces found':>16} {'faces found':>12} {'false':>6} {'ms/photo':>9}")
    for name in names or (*FACE_DETECTORS, "nudenet"):
        detector = DETECTORS[name]()
        detector.detect(photos[0][0])  # the first run opens the model; do not count it
        score = evaluate(name, detector, photos, iou)
        click.echo(f"{name:<10} {f'{score.all_found}/{score.photos}':>16} {f'{score.found}/{score.faces}':>12} "
                   f"{score.false:>6} {score.mean_ms:>9.1f}")


def _photos(paths):
    """(path, upright RGB image) for each file, through intake as an upload would go; None and a message if unusable."""
    limits = current_app.extensions["hantei.limits"]
    for path in paths:
        try:
            yield path, read_photo(path.read_bytes(), limits).image
        except (OSError, Rejected) as problem:
            reason = refused_for(problem).message if isinstance(problem, Rejected) else problem.strerror
            click.echo(f"{path}: {reason}", err=True)
            yield path, None


@click.command("train")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--name", "judge_id", required=True, help="Id of the new judge: its folder under HANTEI_MODELS_DIR.")
@click.option("--title", default=None, help="Title shown to people (default: the id).")
@click.option("--title-ja", default=None, help="Japanese title (default: --title).")
@click.option("--seed", default=0, show_default=True,
              help="Seed of the split (when FOLDER has no train/) and of augmentation.")
@click.option("--augment", type=click.Choice(["auto", "on", "off"]), default="auto", show_default=True,
              help="Add random crops of training photos: auto = for labels with fewer than 100.")
@click.option("--face", "faces", is_flag=True,
              help="Learn from each photo's largest face; the judge then finds faces first and judges each one.")
@click.option("--force", is_flag=True, help="Replace an existing judge folder of that name.")
@with_appcontext
def train_command(folder, judge_id, title, title_ja, seed, augment, faces, force):
    """Train a labels judge from FOLDER (one sub-folder of photos per label, optionally in train/ val/ test/)."""
    from . import training  # numpy-heavy, and only this command needs it
    from .training.dataset import DatasetError

    if not judge_id.replace("-", "").replace("_", "").isalnum() or not judge_id.isascii():
        raise click.UsageError("--name may hold only letters, digits, - and _")
    out = Path(current_app.config["MODELS_DIR"]) / judge_id
    if out.exists() and not force:
        raise click.UsageError(f"{out} already exists; pick another --name or add --force")
    titles = {"en": title or judge_id, "ja": title_ja or title or judge_id}
    runtime.configure(os.cpu_count() or 1)  # training owns the machine: every core for the backbone
    try:
        summary, _, reports = training.train(folder, out, judge_id, title=titles, seed=seed, augmentation=augment,
                                             faces=faces)
    except DatasetError as problem:
        raise click.ClickException(str(problem)) from None
    shown = reports.get("test") or reports["val"]
    split = "test" if "test" in reports else "validation"
    sizes = ", ".join(f"{sum(c.values())} {name}" for name, c in summary["counts"].items())
    click.echo(f"trained {judge_id!r} on {sizes} photos in {summary['seconds']:.0f} s; "
               f"{split} accuracy {shown.accuracy:.3f}, macro F1 {shown.macro['f1']:.3f}")
    click.echo("\n".join(["data doctor:", *training.doctor.lines(summary["doctor"])]))
    if summary["skipped"]:
        click.echo(f"skipped {len(summary['skipped'])} unreadable photos (listed in metrics.json)")
    click.echo(f"wrote {out}/ (judge.toml, model.onnx, CARD.md); reload the server to serve it")


@click.command("evaluate")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--judge", "judge_id", default=None, help="Judge id (default: HANTEI_DEFAULT_JUDGE).")
@click.option("--split", default="test", show_default=True, help="Measure FOLDER/<split>/ when FOLDER has one.")
@click.option("--threshold", default=0.5, show_default=True, help="Score judges: a score at or above it means 1.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write confusion.png and roc.png (default: evaluation-<judge>/).")
@with_appcontext
def evaluate_command(folder, judge_id, split, threshold, out):
    """Measure a judge on FOLDER/<label>/ photos (score judges: FOLDER/0/ and FOLDER/1/), as a model card does."""
    from .training import evaluation
    from .training.dataset import DatasetError

    try:
        judge = current_app.extensions["hantei.judges"].get(judge_id)
    except UnknownJudge:
        raise click.UsageError(f"no judge called {judge_id!r}") from None
    labels, classify, thresholds = evaluation.scorer(judge, threshold)
    try:
        pairs = evaluation.photos_to_measure(folder, labels, split)
    except DatasetError as problem:
        raise click.ClickException(str(problem)) from None
    out = out or Path(f"evaluation-{judge.id}")
    report, skipped = evaluation.evaluate(pairs, labels, classify, thresholds, out=out)
    click.echo(f"judge {judge.id!r} on {folder}")
    click.echo(evaluation.text(report))
    for problem in skipped:
        click.echo(f"skipped {problem}", err=True)
    click.echo(f"wrote {out}/confusion.png and {out}/roc.png")


def register(app):
    app.cli.add_command(detect_command)
    app.cli.add_command(evaluate_detector_command)
    app.cli.add_command(judge_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(judges_group)
    app.cli.add_command(install_model_command)
    app.cli.add_command(train_command)
    app.cli.add_command(evaluate_command)
