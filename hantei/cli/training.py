"""flask train and evaluate: a judge made from folders of photos, and any judge measured on them."""

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..cockpit import versions
from ..judges import UnknownJudge
from ..vision import runtime
from ..services import service


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
@click.option("--add", "added", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Also train on DIR/<label>/ photos (flask reports export); the test photos stay FOLDER's.")
@click.option("--candidate", is_flag=True,
              help="Write the next version of the judge --name as a candidate, for flask judges activate.")
@click.option("--tags", is_flag=True,
              help="Train a tags judge: a photo may carry several tags (the same file copied under several folders).")
@click.option("--tags-csv", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Train a tags judge from a photo,tags CSV (paths under FOLDER; tags split by spaces or ;).")
@with_appcontext
def train_command(folder, judge_id, title, title_ja, seed, augment, faces, force, added, candidate, tags, tags_csv):
    """Train a labels judge from FOLDER (one sub-folder of photos per label, optionally in train/ val/ test/);
    with --tags or --tags-csv, a tags judge that gives each photo every tag over that tag's threshold."""
    from .. import training  # numpy-heavy, and only this command needs it
    from ..training.dataset import DatasetError

    if not judge_id.replace("-", "").replace("_", "").isalnum() or not judge_id.isascii():
        raise click.UsageError("--name may hold only letters, digits, - and _")
    models_dir = Path(current_app.config["MODELS_DIR"])
    out = versions.candidate_folder(models_dir, judge_id) if candidate else models_dir / judge_id
    version = versions.next_version(models_dir, judge_id)
    if out.exists() and not (force or candidate):
        raise click.UsageError(f"{out} already exists; pick another --name or add --force")
    titles = {"en": title or judge_id, "ja": title_ja or title or judge_id}
    runtime.configure(os.cpu_count() or 1)  # training owns the machine: every core for the backbone
    try:
        summary, _, reports = training.train(folder, out, judge_id, title=titles, seed=seed, augmentation=augment,
                                             faces=faces, added=added, version=version, tags=tags, tags_csv=tags_csv)
    except DatasetError as problem:
        raise click.ClickException(str(problem)) from None
    shown = reports.get("test") or reports["val"]
    split = "test" if "test" in reports else "validation"
    if summary.get("kind") == "tags":  # a photo counts once however many tags it carries
        sizes = ", ".join(f"{count} {name}" for name, count in summary["photos"].items())
        measured = f"{split} exact match {shown.exact_match:.3f}, mean F1 {shown.macro['f1']:.3f}"
    else:
        sizes = ", ".join(f"{sum(c.values())} {name}" for name, c in summary["counts"].items())
        measured = f"{split} accuracy {shown.accuracy:.3f}, macro F1 {shown.macro['f1']:.3f}"
    click.echo(f"trained {judge_id!r} on {sizes} photos in {summary['seconds']:.0f} s; {measured}")
    click.echo("\n".join(["data doctor:", *training.doctor.lines(summary["doctor"])]))
    if summary["skipped"]:
        click.echo(f"skipped {len(summary['skipped'])} unreadable photos (listed in metrics.json)")
    if candidate:
        click.echo(f"wrote version {version} to {out}/ as a candidate: compare it in /admin/judges, then "
                   f"flask judges activate {judge_id}")
    else:
        click.echo(f"wrote {out}/ (judge.toml, model.onnx, CARD.md); reload the server to serve it")


@click.command("evaluate")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--judge", "judge_id", default=None, help="Judge id (default: HANTEI_DEFAULT_JUDGE).")
@click.option("--split", default="test", show_default=True,
              help="Measure FOLDER/<split>/ when FOLDER (or --tags-csv) has one.")
@click.option("--threshold", default=0.5, show_default=True, help="Score judges: a score at or above it means 1.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write confusion.png and roc.png (default: evaluation-<judge>/).")
@click.option("--tags-csv", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Tags judges: read the photos' tags from a photo,tags CSV (as flask train --tags-csv does).")
@with_appcontext
def evaluate_command(folder, judge_id, split, threshold, out, tags_csv):
    """Measure a judge on FOLDER/<label>/ photos (score judges: FOLDER/0/ and FOLDER/1/; tags judges: FOLDER/<tag>/
    copies or --tags-csv, as flask train --tags reads them), as a model card does."""
    from ..training import evaluation
    from ..training.dataset import DatasetError

    try:
        judge = service("judges").get(judge_id)
    except UnknownJudge:
        raise click.UsageError(f"no judge called {judge_id!r}") from None
    tags = judge.kind == "tags"
    if tags_csv and not tags:
        raise click.UsageError(f"--tags-csv is for tags judges; {judge.id!r} is a {judge.kind} judge")
    labels, classify, thresholds = evaluation.scorer(judge, threshold)
    try:
        pairs = (evaluation.tagged_photos_to_measure(folder, labels, split, tags_csv) if tags
                 else evaluation.photos_to_measure(folder, labels, split))
    except DatasetError as problem:
        raise click.ClickException(str(problem)) from None
    out = out or Path(f"evaluation-{judge.id}")
    measure = evaluation.evaluate_tags if tags else evaluation.evaluate
    report, skipped = measure(pairs, labels, classify, thresholds, out=out)
    click.echo(f"judge {judge.id!r} on {folder}")
    click.echo(evaluation.tag_text(report) if tags else evaluation.text(report))
    for problem in skipped:
        click.echo(f"skipped {problem}", err=True)
    if tags:
        click.echo(f"wrote {out}/roc.png (no confusion.png: a photo may carry several tags, each measured alone)")
    else:
        click.echo(f"wrote {out}/confusion.png and {out}/roc.png")
