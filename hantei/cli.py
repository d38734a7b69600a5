"""flask commands: judge photo files from the shell, as the original keshikaran.py did."""

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .i18n import refusal
from .intake import Rejected
from .judges import UnknownJudge
from .judging import judge_bytes


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
            reason = refusal(problem.reason) if isinstance(problem, Rejected) else problem.strerror
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


def register(app):
    app.cli.add_command(judge_command)
    app.cli.add_command(purge_command)
