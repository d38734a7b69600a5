"""flask judges check and install-model: the judge folders an operator looks after."""

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ..judges import Judges
from .install import InstallError, install, presets


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
        click.echo(f"ok      {judge.id}  kind={judge.kind} detector={detector} model={model} "
                   f"labels={len(judge.labels)}")
    for folder, problem in problems.items():
        click.echo(f"BROKEN  {folder}  {problem}")
    default = current_app.config["DEFAULT_JUDGE"]
    if default not in loaded:
        click.echo(f"BROKEN  default judge {default!r} (HANTEI_DEFAULT_JUDGE) is not loaded")
    sys.exit(1 if problems or default not in loaded else 0)


@click.command("install-model")
@click.argument("file")  # plain text: install() itself refuses a path with NUL, too long or only spaces
@click.option("--preset", type=click.Choice(presets()),
              help="Serve a model of a known signature with this shipped manifest.")
@click.option("--manifest", help="Serve any model with this judge.toml.")
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
