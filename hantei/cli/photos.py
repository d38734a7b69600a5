"""flask judge, detect and evaluate-detector: photo files judged or searched from the shell, through intake."""

import dataclasses
import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..i18n import shell_language
from ..intake import read_photo
from ..judges import UnknownJudge, judge_bytes
from ..refusals import Refused
from ..vision.detector_scores import score_detector
from ..vision.detectors import DETECTORS, FACE_DETECTORS
from ..services import service


@click.command("judge")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--judge", "judge_id", default=None, help="Judge id (default: HANTEI_DEFAULT_JUDGE).")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as one JSON object per line.")
@with_appcontext
def judge_command(files, judge_id, as_json):
    """Print each photo's score (or, with --json, its whole result)."""
    try:
        judge = service("judges").get(judge_id)
    except UnknownJudge:
        raise click.UsageError(f"no judge called {judge_id!r}") from None
    failed = False
    for path in files:
        try:
            photo, judgement = judge_bytes(path.read_bytes(), judge, service("limits"), keep_photo=False)
        except (OSError, Refused) as problem:
            reason = problem.message(shell_language()) if isinstance(problem, Refused) else problem.strerror
            click.echo(f"{path}: {reason}", err=True)
            failed = True
            continue
        if as_json:
            width, height = photo.uploaded_size  # boxes in the file's own pixels, upright, as the API gives them
            line = {"file": str(path), **judgement.as_dict(scale=width / photo.size[0]),
                    "image": {"width": width, "height": height}}
            click.echo(json.dumps(line, ensure_ascii=False))
        else:
            click.echo(f"{judgement.score:.4f}")
    sys.exit(1 if failed else 0)


@click.command("detect")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--detector", "name", default="face", type=click.Choice(sorted(DETECTORS)),
              help="Detector (default: face).")
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
        score = score_detector(name, detector, photos, iou)
        click.echo(f"{name:<10} {f'{score.all_found}/{score.photos}':>16} {f'{score.found}/{score.faces}':>12} "
                   f"{score.false:>6} {score.mean_ms:>9.1f}")


def _photos(paths):
    """(path, upright RGB image) for each file, through intake as an upload would go; None and a message if unusable.

    Boxes are compared with hand-marked ones in the file's own pixels, so no stored-copy cap applies here."""
    whole = dataclasses.replace(service("limits"), long_side=service("limits").max_pixels)
    for path in paths:
        try:
            yield path, read_photo(path.read_bytes(), whole).image
        except (OSError, Refused) as problem:
            reason = problem.message(shell_language()) if isinstance(problem, Refused) else problem.strerror
            click.echo(f"{path}: {reason}", err=True)
            yield path, None
