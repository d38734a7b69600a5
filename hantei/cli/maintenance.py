"""flask purge: expired results and orphaned files go, besides the sweep the app runs while it serves."""

import click
from flask.cli import with_appcontext

from ..services import service


@click.command("purge")
@click.option("--orphans/--no-orphans", default=True,
              help="Also remove files that no result owns, an hour old (lists the folder or bucket).")
@with_appcontext
def purge_command(orphans):
    """Delete expired results with their photos and cards (the app also sweeps them while it serves)."""
    count = service("store").purge(orphans=orphans)
    service("cockpit").counters.prune()  # launch counters are kept 400 days
    click.echo(f"deleted {count} expired result{'s' if count != 1 else ''}")
