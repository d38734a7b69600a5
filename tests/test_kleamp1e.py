"""The kleamp1e けしからん classifier: installed from its zip, and scoring exactly as its predict.py does."""

import hashlib
import io
import shutil
import zipfile

import numpy as np
import onnxruntime
import pytest
from PIL import Image, ImageOps

from hantei.cli import install as installer
from hantei.cli.install import InstallError, Published, install
from hantei.intake import Limits, read_photo
from hantei.judges import Judges, open_judge
from hantei.judges import judge_bytes
from tests.onnx_models import kleamp1e_like
from tests.photos import encoded, rgb

ZIP_NAME = "kleamp1e-classifier-pornography-20221113_164725.zip"
MEMBER = "kleamp1e-classifier-pornography-20221113_164725.onnx"


def reference_tensor(data):
    """The published predict.py's steps, literally, after turning the photo upright by its EXIF orientation."""
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    image = image.resize((384, 384), resample=Image.Resampling.BICUBIC)
    image = image.convert("RGB")
    image = np.array(image, dtype=np.float32) / 255
    return np.expand_dims(image, 0)


def reference_predict(data, model_path):
    session = onnxruntime.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    predictions = session.run([session.get_outputs()[0].name], {session.get_inputs()[0].name: reference_tensor(data)})
    return float(predictions[0][0][0])


def rotated():
    """The astronaut stored sideways, with EXIF saying how to turn it upright (as phones save photos)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return encoded(rgb("astronaut").transpose(Image.Transpose.ROTATE_90), "JPEG", quality=90, exif=exif)


def with_transparency():
    image = rgb("coffee").convert("RGBA")
    alpha = Image.new("L", image.size, 255)
    alpha.paste(0, (0, 0, image.width // 3, image.height // 3))
    image.putalpha(alpha)
    return encoded(image, "PNG")


PHOTOS = {
    "jpeg": lambda: encoded(rgb("astronaut"), "JPEG", quality=90),
    "large jpeg": lambda: encoded(rgb("chelsea").resize((3000, 2000), Image.Resampling.BICUBIC), "JPEG", quality=90),
    "rotated": rotated,
    "palette": lambda: encoded(rgb("coffee").quantize(64), "PNG"),
    "gif": lambda: encoded(rgb("camera").quantize(32), "GIF"),
    "rgba": with_transparency,
    "cmyk": lambda: encoded(rgb("grace_hopper").convert("CMYK"), "JPEG", quality=90),
    "grey": lambda: encoded(rgb("camera").convert("L"), "PNG"),
}


@pytest.fixture(scope="module")
def published_zip(tmp_path_factory):
    """A zip laid out as the published one, holding a model of the same signature (not its weights)."""
    folder = tmp_path_factory.mktemp("download")
    model = kleamp1e_like(folder / "model.onnx", seed=3)
    path = folder / ZIP_NAME
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(model, MEMBER)
    return path


@pytest.fixture
def as_published(published_zip, monkeypatch):
    """Make install-model accept the test zip as the published download (its own size and SHA-1)."""
    digest = hashlib.sha1(published_zip.read_bytes()).hexdigest()
    entry = Published(published_zip.stat().st_size, digest, MEMBER, "kleamp1e-nsfw")
    monkeypatch.setitem(installer.PUBLISHED, ZIP_NAME, entry)


@pytest.fixture(scope="module")
def kleamp1e(tmp_path_factory, published_zip):
    models = tmp_path_factory.mktemp("models")
    install(published_zip, models, preset="kleamp1e-nsfw")
    return open_judge(models / "kleamp1e-nsfw")


@pytest.fixture(scope="module")
def kleamp1e_fast(tmp_path_factory, kleamp1e):
    """The same judge with the default fast decode (reduced-scale JPEG decode, RGB first)."""
    folder = tmp_path_factory.mktemp("fast") / "kleamp1e-fast"
    shutil.copytree(kleamp1e.folder, folder)
    manifest = folder / "judge.toml"
    manifest.write_text(manifest.read_text().replace("exact = true", "exact = false").replace(
        'id = "kleamp1e-nsfw"', 'id = "kleamp1e-fast"'))
    return open_judge(folder)


def test_the_published_zip_is_recognised_verified_and_unpacked(tmp_path, published_zip, as_published, runner, app):
    app.config["MODELS_DIR"] = tmp_path / "models"
    result = runner.invoke(args=["install-model", str(published_zip)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "models" / "kleamp1e-nsfw"
    assert sorted(p.name for p in folder.iterdir()) == ["judge.toml", "model.onnx"]
    assert open_judge(folder).exact and open_judge(folder).classifier.preprocess.size == (384, 384)
    assert [p.name for p in folder.parent.iterdir()] == ["kleamp1e-nsfw"]  # nothing half-made left behind


@pytest.mark.parametrize("damage,complaint", [
    (lambda data: data[:-1000], "incomplete or damaged"),
    (lambda data: data[:500] + bytes([data[500] ^ 1]) + data[501:], "SHA-1"),
])
def test_a_damaged_download_is_refused(tmp_path, published_zip, as_published, runner, app, damage, complaint):
    app.config["MODELS_DIR"] = tmp_path / "models"
    damaged = tmp_path / ZIP_NAME
    damaged.write_bytes(damage(published_zip.read_bytes()))
    if complaint == "SHA-1":
        assert damaged.stat().st_size == published_zip.stat().st_size
    result = runner.invoke(args=["install-model", str(damaged)])
    assert result.exit_code == 1 and complaint in result.stderr and "Download it again" in result.stderr
    assert not (tmp_path / "models" / "kleamp1e-nsfw").exists()


def test_the_real_published_size_and_digest_are_checked(tmp_path):
    fake = tmp_path / ZIP_NAME
    fake.write_bytes(b"PK not the model")
    with pytest.raises(InstallError, match="74,974,610 bytes"):
        install(fake, tmp_path / "models")


def test_preset_installs_a_retrained_onnx_file_and_refuses_a_wrong_signature(tmp_path):
    retrained = kleamp1e_like(tmp_path / "retrained.onnx", seed=9)
    folder = install(retrained, tmp_path / "models", preset="kleamp1e-nsfw")
    assert open_judge(folder).id == "kleamp1e-nsfw"
    with pytest.raises(InstallError, match="already exists"):
        install(retrained, tmp_path / "models", preset="kleamp1e-nsfw")
    from tests.onnx_models import linear_classifier

    other = linear_classifier(tmp_path / "other.onnx", [1, 224, 224, 3])
    with pytest.raises(InstallError, match=r"\[model.input\].*224, 224, 3\]"):
        install(other, tmp_path / "models", preset="kleamp1e-nsfw", replace=True)
    assert open_judge(folder).classifier.preprocess.size == (384, 384)  # the installed judge is untouched
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["kleamp1e-nsfw"]


def test_a_file_that_is_not_a_model_is_refused(tmp_path, runner, app):
    app.config["MODELS_DIR"] = tmp_path / "models"
    junk = tmp_path / "model.zip"
    junk.write_bytes(b"this is not a zip nor an onnx file" * 10)
    result = runner.invoke(args=["install-model", str(junk), "--preset", "kleamp1e-nsfw"])
    assert result.exit_code == 1 and "not an ONNX model" in result.stderr
    assert not any((tmp_path / "models").iterdir())


def test_manifest_installs_any_model(tmp_path, runner, app):
    from tests.helpers import LABELS_JUDGE
    from tests.onnx_models import linear_classifier

    app.config["MODELS_DIR"] = tmp_path / "models"
    model = linear_classifier(tmp_path / "friends.onnx", [1, 3, 48, 64], outputs=3, activation="sigmoid")
    manifest = tmp_path / "judge.toml"
    manifest.write_text(LABELS_JUDGE.format(id="friends", fit="letterbox", activation="none", threshold=0.5))
    result = runner.invoke(args=["install-model", str(model), "--manifest", str(manifest)])
    assert result.exit_code == 0, result.output
    judges = Judges(tmp_path / "models", "friends")
    assert judges.get().kind == "labels" and not judges.problems


@pytest.mark.parametrize("name", PHOTOS)
def test_exact_judge_equals_the_reference_predict(kleamp1e, name):
    data = PHOTOS[name]()
    _, judgement = judge_bytes(data, kleamp1e, Limits())
    expected = reference_predict(data, kleamp1e.classifier.path)
    assert 0.02 < expected < 0.98  # the test model is not saturated, so pixels matter
    assert judgement.score == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("name", PHOTOS)
def test_exact_judge_feeds_the_model_the_very_same_tensor(kleamp1e, name):
    data = PHOTOS[name]()
    photo = read_photo(data, Limits(), keep_source=True)
    assert np.array_equal(kleamp1e.classifier.preprocess.tensor(photo.source), reference_tensor(data))


@pytest.mark.parametrize("name", ["jpeg", "large jpeg", "rotated", "palette", "gif", "cmyk", "grey"])
def test_fast_decode_stays_within_a_hundredth(kleamp1e_fast, name):
    """Not for transparent photos: intake lays them on white, predict.py keeps the hidden colours (docs/judges.md)."""
    data = PHOTOS[name]()
    _, judgement = judge_bytes(data, kleamp1e_fast, Limits())
    assert judgement.score == pytest.approx(reference_predict(data, kleamp1e_fast.classifier.path), abs=0.01)


@pytest.mark.parametrize("name", ["palette", "rgba"])
def test_the_order_of_resize_and_rgb_conversion_matters(kleamp1e, name):
    """Why exact = true exists: converting to RGB first (as intake does) moves these photos' scores."""
    data = PHOTOS[name]()
    converted_first = encoded(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"), "PNG")
    assert abs(reference_predict(data, kleamp1e.classifier.path)
               - reference_predict(converted_first, kleamp1e.classifier.path)) > 1e-4


def test_orientation_is_applied_before_judging(kleamp1e):
    sideways = rgb("astronaut").transpose(Image.Transpose.ROTATE_90)
    _, upright = judge_bytes(rotated(), kleamp1e, Limits())
    _, ignored = judge_bytes(encoded(sideways, "JPEG", quality=90), kleamp1e, Limits())
    assert abs(upright.score - ignored.score) > 1e-4
