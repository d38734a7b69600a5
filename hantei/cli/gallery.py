"""flask gallery build: describe a look-alike judge's reference photos once, so that serving it only compares."""

import sys
import time

import click

from ..judges import gallery, manifest


@click.group("gallery")
def gallery_group():
    """Look-alike judges: their reference photos."""


@gallery_group.command("build")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
def gallery_build(folder):
    """Describe the new and changed photos under FOLDER/gallery/<label>/ and drop the removed ones (FOLDER is
    MODELS_DIR/ID); reload the server afterwards to serve them."""
    try:
        spec = manifest.read(folder)
    except manifest.ManifestError as error:
        click.echo(f"not built: {error}", err=True)
        sys.exit(1)
    if spec.kind != "gallery":
        click.echo(f"not built: {folder}/judge.toml is kind = {spec.kind!r}, not \"gallery\"", err=True)
        sys.exit(1)
    started = time.perf_counter()
    built = gallery.build(spec)
    for path, entry in built.skipped:
        click.echo(f"left out  {path}: {gallery.left_out(entry)}")
    for name in built.strays:
        click.echo(f"left out  {gallery.PHOTOS}/{name}/: no label {name!r} in [gallery.labels]")
    index, _ = gallery.read_index(spec.folder)
    counts = {label: 0 for label in spec.labels}
    for entry in index["references"]:
        counts[entry["label"]] += 1
    for label, count in counts.items():
        click.echo(f"{label}: {count} reference photo{'s' if count != 1 else ''}"
                   + ("  (none: this label can never match)" if not count else ""))
    click.echo(f"built {spec.id} in {time.perf_counter() - started:.1f} s: {built.described} described, "
               f"{built.kept} kept, {built.dropped} dropped, {len(built.skipped)} left out; reload the server "
               f"(gunicorn: kill -HUP) to serve it")
