"""The README is the user's manual: these tests keep it true to the code (docs/ has tests/test_docs.py)."""

import io
import json
import re
import tomllib
from pathlib import Path

import pytest
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
KESHIKARAN = tomllib.loads((ROOT / "models" / "keshikaran" / "judge.toml").read_text(encoding="utf-8"))


def test_every_setting_is_documented():
    code = (ROOT / "hantei" / "config.py").read_text() + (ROOT / "deploy" / "gunicorn.conf.py").read_text()
    names = set(re.findall(r'_env\("([A-Z_]+)"', code)) | set(re.findall(r'"HANTEI_([A-Z_]+)"', code))
    documented = set(re.findall(r"^\| `HANTEI_([A-Z_]+)` \|", README, re.M))
    assert names == documented


def test_ci_runs_the_readme_test_command():
    commands = [line.split("#")[0].strip() for line in README.splitlines() if line.startswith("make ")]
    assert commands == ["make run", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text().splitlines()


def test_weights_table_matches_the_manifest():
    documented = {}
    for weight, labels in re.findall(r"^\| ([0-9.]+) \| (`[A-Z_`, ]+) \|$", README, re.M):
        for label in re.findall(r"`([A-Z_]+)`", labels):
            documented[label] = float(weight)
    assert documented == KESHIKARAN["score"]["weights"]


def test_bands_table_matches_the_manifest():
    rows = re.findall(r"^\| (below [0-9.]+|[0-9.]+ – [0-9.]+|[0-9.]+ and above) \| (.+) · (.+) \|$", README, re.M)
    bands = KESHIKARAN["verdict"]["bands"]
    assert [(ja, en) for _, ja, en in rows] == [(band["ja"], band["en"]) for band in bands]
    bounds = [float(number) for score, _, _ in rows for number in re.findall(r"[0-9.]+", score)]
    assert bounds == [band["below"] for band in bands[:-1] for _ in range(2)]  # a bound ends one band, starts the next


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


def test_every_command_is_in_the_command_table():
    """Each flask command hantei adds (groups by their subcommands) has its row in the README's table."""
    from hantei.cli import register

    app = Flask("commands")
    register(app)
    paths = []
    for name, command in app.cli.commands.items():
        subcommands = getattr(command, "commands", None)
        paths += [f"{name} {sub}" for sub in subcommands] if subcommands else [name]
    table = README.split("## Command line", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `flask --app app ([a-z-]+(?: [a-z-]+)?)", table, re.M))
    assert sorted(set(paths) - documented) == []
    assert documented <= set(paths)
