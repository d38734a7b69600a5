"""Command line: flask commands (and the `hantei` script) to judge, train, install and purge; never imports web."""

import click
from flask.cli import FlaskGroup


def register(app):
    """Add every hantei command to the app's `flask` command line."""
    from . import gallery, judge_folders, maintenance, operator, photos, storage, training

    for command in (photos.judge_command, photos.detect_command, photos.evaluate_detector_command,
                    maintenance.purge_command, judge_folders.judges_group, judge_folders.install_model_command,
                    training.train_command, training.evaluate_command, storage.storage_group, operator.admin_group,
                    operator.stats_command, operator.reports_group, gallery.gallery_group):
        app.cli.add_command(command)


def _app():
    from .. import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_app, add_default_commands=False, add_version_option=False)
def main():
    """hantei: judge photos from the shell (`hantei judge dog.jpg` prints its score), train and manage judges."""
