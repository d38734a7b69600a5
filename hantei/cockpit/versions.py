"""Judge versions: a judge folder says its version in judge.toml and is known by its model's SHA-256; a candidate
version waits in MODELS_DIR/.candidates/<id>/ (hidden, so never served) until `flask judges activate` puts it live."""

import hashlib
import os
import tomllib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

CANDIDATES = ".candidates"
RETIRED = ".retired"


@dataclass
class Version:
    """One judge folder as a version: its id, version, model SHA-256 and the folder."""

    id: str
    version: str
    sha256: str
    folder: Path


def model_sha256(folder):
    """The SHA-256 of a judge folder's model.onnx, or "" when it runs a packaged or no model."""
    path = Path(folder) / "model.onnx"
    if not path.is_file():
        return ""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe(folder):
    """The Version of a judge folder, read from its judge.toml."""
    folder = Path(folder)
    manifest = tomllib.loads((folder / "judge.toml").read_text(encoding="utf-8"))
    return Version(manifest.get("id") or folder.name, str(manifest.get("version", "1")), model_sha256(folder), folder)


def candidate_folder(models_dir, judge_id):
    return Path(models_dir) / CANDIDATES / judge_id


def candidate(models_dir, judge_id):
    """The candidate version waiting for a judge, or None."""
    folder = candidate_folder(models_dir, judge_id)
    return describe(folder) if (folder / "judge.toml").is_file() else None


def next_version(models_dir, judge_id):
    """The version a new training of a judge gets: one more than the live folder's when that is a number."""
    live = Path(models_dir) / judge_id
    current = describe(live).version if (live / "judge.toml").is_file() else "0"
    return str(int(current) + 1) if current.isdigit() else f"{current}.1"


class ActivateError(Exception):
    """There is no candidate to activate, or it is not a version of that judge."""


def activate(models_dir, judge_id, now=None):
    """Put a judge's candidate live: the live folder moves to .retired/<id>-<version>-<time>/, the candidate takes
    its place (renames on one disk); return (old Version or None, new Version). Workers serve it after a reload."""
    models_dir = Path(models_dir)
    waiting = candidate(models_dir, judge_id)
    if waiting is None:
        raise ActivateError(f"no candidate for {judge_id!r} in {candidate_folder(models_dir, judge_id)}")
    if waiting.id != judge_id:
        raise ActivateError(f"the candidate's judge.toml says id = {waiting.id!r}, not {judge_id!r}")
    live = models_dir / judge_id
    old = describe(live) if (live / "judge.toml").is_file() else None
    if old is not None:
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%S")
        retired = models_dir / RETIRED / f"{judge_id}-{old.version}-{stamp}"
        retired.parent.mkdir(parents=True, exist_ok=True)
        os.replace(live, retired)
    os.replace(waiting.folder, live)
    return old, describe(live)
