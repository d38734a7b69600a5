"""Install a judge from a model file: a published zip (checked by size and SHA-1), a preset, or any manifest."""

import hashlib
import os
import re
import secrets
import shutil
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..judges import ManifestError, open_judge

PRESETS = Path(__file__).resolve().parent.parent / "presets"
CHUNK = 1 << 20
# What a zip may unpack: its model (one member) and all its members together, checked before anything is written.
MAX_MEMBER_BYTES = 2 << 30  # ONNX keeps a model in one protobuf, which cannot pass 2 GiB
MAX_TOTAL_BYTES = 4 << 30
# A model's weights hardly compress (float32 ONNX about 1.1:1, quantised ones a few to one): a member that unpacks
# to 100 times its packed size is no model, and is refused before it is unpacked (or as soon as it passes that).
MAX_RATIO = 100
JUDGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # a folder name and a URL segment alike


@dataclass(frozen=True)
class Published:
    """A model file as its author published it, and the preset that serves it."""

    size: int
    sha1: str
    member: str
    preset: str


# Downloads that install-model recognises by their file name.
PUBLISHED = {
    "kleamp1e-classifier-pornography-20221113_164725.zip": Published(
        size=74_974_610,
        sha1="6ccf0c61b44af5673cecd1140093f6296c734576",
        member="kleamp1e-classifier-pornography-20221113_164725.onnx",
        preset="kleamp1e-nsfw",
    ),
}


class InstallError(Exception):
    """Why a model was not installed, in words an operator can act on."""


def presets():
    """The names of the manifests shipped in hantei/presets."""
    return sorted(path.stem for path in PRESETS.glob("*.toml"))


def verify(path, published):
    """Refuse a download whose size or SHA-1 differs from what its author published."""
    size = path.stat().st_size
    if size != published.size:
        raise InstallError(
            f"{path.name} is {size:,} bytes but the published file is {published.size:,} bytes: "
            "the download is incomplete or damaged. Download it again."
        )
    digest = hashlib.sha1()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != published.sha1:
        raise InstallError(
            f"{path.name} has SHA-1 {digest.hexdigest()} but the published file has {published.sha1}: "
            "the download is damaged. Download it again."
        )


def install(file, models_dir, preset=None, manifest=None, replace=False):
    """Install a model file as a judge folder under models_dir; return the folder.

    The folder is assembled and checked (the ONNX signature against the manifest) under a
    hidden name first, so that a failed install never leaves a half-made judge behind.
    """
    file, models_dir = _usable(file, "the model file"), _usable(models_dir, "the models folder")
    if manifest is not None:
        manifest = _usable(manifest, "the manifest")
    if not file.is_file():
        raise InstallError(f"{file}: no such file")
    published = PUBLISHED.get(file.name) if preset is None and manifest is None else None
    member = None
    if published:
        verify(file, published)
        preset, member = published.preset, published.member
    elif preset is None and manifest is None:
        raise InstallError(
            f"{file.name} is not a published model hantei knows ({', '.join(PUBLISHED)}). "
            f"Name its manifest with --preset ({', '.join(presets())}) or --manifest judge.toml."
        )
    manifest_text = _manifest_text(preset, manifest)
    judge_id, model_name = _id_and_model(manifest_text, manifest or f"preset {preset}")
    models_dir.mkdir(parents=True, exist_ok=True)
    staging = models_dir / f".install-{judge_id}-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        (staging / "judge.toml").write_text(manifest_text, encoding="utf-8")
        _copy_model(file, member, staging / model_name)
        try:
            open_judge(staging)
        except ManifestError as error:
            raise InstallError(str(error).replace(str(staging), str(models_dir / judge_id))) from None
        target = models_dir / judge_id
        if target.exists():
            if not replace:
                raise InstallError(f"{target} already exists; add --replace to install over it")
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target


def _manifest_text(preset, manifest):
    if manifest is not None:
        try:
            return Path(manifest).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InstallError(f"{manifest}: cannot be read: {error}") from None
    if preset not in presets():
        raise InstallError(f"there is no preset {preset!r}; presets: {', '.join(presets())}")
    return (PRESETS / f"{preset}.toml").read_text(encoding="utf-8")


def _id_and_model(text, where):
    """The judge id and the model's file name inside its folder, as the manifest gives them."""
    try:
        manifest = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InstallError(f"{where}: cannot be read as TOML: {error}") from None
    judge_id = manifest.get("id")
    if not isinstance(judge_id, str) or not JUDGE_ID.fullmatch(judge_id):
        shown = repr(judge_id)[:80]
        raise InstallError(f"{where}: id = {shown} cannot name a judge folder; use up to 64 letters, digits, "
                           "'-', '_' or '.', starting with a letter or digit")
    model_path = manifest.get("model", {}).get("path")
    if not isinstance(model_path, str) or model_path.startswith("pkg:"):
        raise InstallError(f"{where}: [model] path must name the model file inside the judge folder")
    name = PurePosixPath(model_path)
    if name.is_absolute() or len(name.parts) != 1 or not JUDGE_ID.fullmatch(model_path):
        raise InstallError(f"{where}: [model] path = {model_path!r} must be a plain file name such as \"model.onnx\"")
    return judge_id, model_path


def _copy_model(file, member, target):
    """Copy the ONNX file, or unpack it from a zip (the named member, else the zip's only .onnx file)."""
    if not zipfile.is_zipfile(file):
        shutil.copyfile(file, target)
        return
    try:
        with zipfile.ZipFile(file) as archive:
            if member is None:
                found = [name for name in archive.namelist() if name.lower().endswith(".onnx")]
                if len(found) != 1:
                    raise InstallError(f"{file.name} holds {len(found)} .onnx files; expected exactly one")
                member = found[0]
            info = archive.getinfo(member)
            _within_bounds(file, archive, info)
            with archive.open(member) as stream, target.open("wb") as out:
                _copy_at_most(stream, out, min(MAX_MEMBER_BYTES, MAX_RATIO * max(info.compress_size, 1)), file.name)
    except KeyError:
        raise InstallError(f"{file.name} does not hold {member}: is it the published zip?") from None
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise InstallError(f"{file.name} is a damaged zip file: {error}. Download it again.") from None


def _usable(path, what):
    """A path an operator gave, or InstallError when it cannot name a file at all (NUL, too long, only spaces)."""
    text = os.fspath(path)
    if not text.strip() or "\0" in text:
        raise InstallError(f"{what} {text[:80]!r} is not a usable path")
    if len(os.fsencode(text)) > 4096 or any(len(os.fsencode(part)) > 255 for part in Path(text).parts):
        raise InstallError(f"{what} {text[:80]!r}… is longer than a path may be")
    return Path(text)


def _within_bounds(file, archive, member):
    """Refuse a zip that says it unpacks to more than hantei writes, before writing any of it."""
    total = sum(info.file_size for info in archive.infolist())
    if member.file_size > MAX_MEMBER_BYTES:
        raise InstallError(f"{file.name}: {member.filename} would unpack to {member.file_size:,} bytes; "
                           f"a model may be at most {MAX_MEMBER_BYTES:,}")
    if total > MAX_TOTAL_BYTES:
        raise InstallError(f"{file.name} would unpack to {total:,} bytes in all; at most {MAX_TOTAL_BYTES:,} is read")
    if member.file_size > MAX_RATIO * max(member.compress_size, 1):
        ratio = member.file_size // max(member.compress_size, 1)
        raise InstallError(f"{file.name}: {member.filename} would unpack to {ratio:,} times its packed size; a "
                           f"model's weights hardly compress (at most {MAX_RATIO}:1 is taken)")


def _copy_at_most(stream, out, limit, name):
    """Copy a zip member, stopping with InstallError past limit bytes (whatever its header claimed)."""
    written = 0
    while chunk := stream.read(CHUNK):
        written += len(chunk)
        if written > limit:
            raise InstallError(f"{name}: the model unpacks to more than {limit:,} bytes")
        out.write(chunk)
