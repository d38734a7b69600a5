"""The README is the user's manual: these tests keep it true to the code."""

import io
import json
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    code = (ROOT / "hantei" / "config.py").read_text() + (ROOT / "deploy" / "gunicorn.conf.py").read_text()
    names = set(re.findall(r'_env\("([A-Z_]+)"', code)) | set(re.findall(r'"HANTEI_([A-Z_]+)"', code))
    documented = set(re.findall(r"^\| `HANTEI_([A-Z_]+)` \|", README, re.M))
    assert names == documented


def test_ci_runs_the_readme_test_command():
    commands = [line.split("#")[0].strip() for line in README.splitlines() if line.startswith("make ")]
    assert commands == ["make run", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text().splitlines()


def test_the_map_names_every_module_and_tool():
    built = README.split("## How it is built", 1)[1]
    package = ROOT / "hantei"
    modules = [path for path in package.rglob("*.py") if "migrations" not in path.parts and path.name != "__init__.py"]
    modules += [path for path in package.iterdir() if (path / "__init__.py").exists()]
    missing = [str(path.relative_to(package)) for path in modules if path.name not in built]
    missing += [path.name for path in (ROOT / "tools").glob("*.py") if path.name not in built]
    assert missing == []


def test_weights_table_matches_the_manifest():
    manifest = tomllib.loads((ROOT / "models" / "keshikaran" / "judge.toml").read_text(encoding="utf-8"))
    documented = {}
    for weight, labels in re.findall(r"^\| ([0-9.]+) \| (`[A-Z_`, ]+) \|$", README, re.M):
        for label in re.findall(r"`([A-Z_]+)`", labels):
            documented[label] = float(weight)
    assert documented == manifest["score"]["weights"]


def test_bands_table_matches_the_manifest():
    manifest = tomllib.loads((ROOT / "models" / "keshikaran" / "judge.toml").read_text(encoding="utf-8"))
    for band in manifest["verdict"]["bands"]:
        assert f"{band['ja']} · {band['en']}" in README


@pytest.mark.stores
def test_api_example_has_the_keys_the_api_answers(client, astronaut_jpeg):
    example = json.loads(re.search(r"```json\n(.*?)```", README, re.S).group(1).replace("…", ""))
    answer = client.post("/api/v1/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")}).json
    assert set(example) == set(answer)
    assert set(example["regions"][0]) == set(answer["regions"][0])
    assert set(example["timings_ms"]) == set(answer["timings_ms"])


def test_error_codes_are_documented():
    from hantei.i18n import REFUSALS

    documented = set(re.findall(r"`([a-z_]+)`", "".join(re.findall(r"^\| [45]\d\d \|.*$", README, re.M))))
    assert set(REFUSALS) - {"not_found", "gone", "not_owner", "csrf"} == documented


def test_screenshots_exist():
    for path in re.findall(r"\]\((docs/[^)]+\.png)\)", README):
        assert (ROOT / path).is_file(), path


def test_the_manifest_example_serves_as_a_judge(tmp_path):
    """The README's judge.toml, dropped into a folder with a model of its signature, loads as it says."""
    from hantei.judges import open_judge
    from tests.onnx_models import linear_classifier

    example = re.search(r"```toml\n(.*?)```", README, re.S).group(1)
    linear_classifier(tmp_path / "model.onnx", [1, 3, 224, 224], outputs=3, activation=None)
    (tmp_path / "judge.toml").write_text(example, encoding="utf-8")
    judge = open_judge(tmp_path)
    assert judge.kind == "labels" and judge.detector.name == "face" and judge.spec.threshold == 0.5
    assert judge.classifier.preprocess.fit == "shorter-side" and judge.names["serval"]["ja"] == "サーバル"
