"""flask judge prints a float per file, as the original keshikaran.py did, or the full result as JSON."""

import json

from tests.photos import NOBODY, PEOPLE


def test_judge_prints_one_score_per_file(runner):
    result = runner.invoke(args=["judge", str(PEOPLE["astronaut"]), str(NOBODY["coffee"])])
    assert result.exit_code == 0, result.output
    scores = [float(line) for line in result.output.splitlines()]
    assert len(scores) == 2 and all(0 <= s < 0.15 for s in scores)


def test_judge_json(runner):
    result = runner.invoke(args=["judge", "--json", str(PEOPLE["grace_hopper"])])
    line = json.loads(result.output)
    assert line["file"].endswith("grace_hopper.jpg")
    assert line["verdict"]["en"] == "Wholesome" and line["regions"][0]["label"] == "FACE_FEMALE"


def test_unreadable_files_are_reported_and_fail(runner, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("not a photo")
    result = runner.invoke(args=["judge", str(bad), str(NOBODY["coffee"])])
    assert result.exit_code == 1
    assert "notes.txt" in result.stderr
    assert len(result.stdout.splitlines()) == 1


def test_unknown_judge(runner):
    result = runner.invoke(args=["judge", "--judge", "nope", str(NOBODY["coffee"])])
    assert result.exit_code == 2 and "nope" in result.output
