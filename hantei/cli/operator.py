"""flask admin set-password, stats, reports export and judges activate: the operator's cockpit from the shell."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..cockpit import dashboard, versions
from ..i18n import shell_language, translate
from ..services import cockpit, judges
from .judge_folders import judges_group


@click.group("admin")
def admin_group():
    """The admin area at /admin (off until a password is set)."""


@admin_group.command("set-password")
@with_appcontext
def set_password():
    """Set the admin password (asked twice, never echoed); this opens /admin and ends every admin session."""
    password = click.prompt("admin password", hide_input=True, confirmation_prompt=True)
    try:
        cockpit().access.set_password(password)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo("password set: the admin area is at /admin")


@click.command("stats")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 400), help="How many days back.")
@click.option("--judge", "judge_id", default=None, help="Only this judge's numbers.")
@with_appcontext
def stats_command(days, judge_id):
    """Print the launch dashboard's tables: uploads, devices, verdicts, views, shares, cards, refusals, timing."""
    lang = shell_language()
    shown = dashboard.tables(cockpit().counters, days, judge_id)
    ids = [judge_id] if judge_id else sorted(judges().loaded)
    for judge in ids:
        for table in dashboard.accuracy(cockpit().counters, cockpit().reports, cockpit().review, judge, days):
            table.title = f"{translate(table.title, lang)}: {judge}"
            shown.append(table)
    click.echo(f"since {dashboard.since_label(days)}" + (f", judge {judge_id}" if judge_id else "") + "\n")
    click.echo(dashboard.text(shown, lambda title: translate(title, lang)))


@click.group("reports")
def reports_group():
    """Wrong-verdict reports and the photos accepted from them."""


@reports_group.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--judge", "judge_id", default=None, help="Only this judge's accepted photos.")
@with_appcontext
def export_command(folder, judge_id):
    """Write accepted photos as FOLDER/<label>/<result>.jpg (what flask train --add reads), and provenance.json."""
    count = cockpit().review.export(folder, judge_id)
    click.echo(f"wrote {count} photo{'s' if count != 1 else ''} to {folder}/ with provenance.json")


@judges_group.command("activate")
@click.argument("judge_id")
@with_appcontext
def activate_command(judge_id):
    """Serve JUDGE_ID's candidate version (MODELS_DIR/.candidates/JUDGE_ID/); the old one goes to .retired/."""
    try:
        old, new = versions.activate(current_app.config["MODELS_DIR"], judge_id)
    except versions.ActivateError as error:
        click.echo(f"not activated: {error}", err=True)
        sys.exit(1)
    was = f"version {old.version}" if old else "nothing"
    click.echo(f"{judge_id}: version {new.version} (sha256 {new.sha256[:12]}) replaces {was}; "
               "reload the server (gunicorn: kill -HUP) to serve it. Old results keep their verdicts.")
