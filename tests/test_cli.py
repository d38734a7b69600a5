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


def test_evaluate_measures_a_score_judge_on_folders_0_and_1(runner, tmp_path):
    from tests.photos import NOBODY, PEOPLE, rgb

    for folder, names in (("0", NOBODY), ("1", PEOPLE)):
        (tmp_path / "photos" / folder).mkdir(parents=True)
        for name in names:
            rgb(name).save(tmp_path / "photos" / folder / f"{name}.png")
    (tmp_path / "photos" / "1" / "broken.jpg").write_bytes(b"\xff\xd8\xff not really")
    result = runner.invoke(args=["evaluate", str(tmp_path / "photos"), "--judge", "keshikaran",
                                 "--out", str(tmp_path / "figures")])
    assert result.exit_code == 0, result.output
    # None of these everyday photos is naughty: every photo is judged 0, so the 4 of folder 0 are right.
    assert "photos 7   accuracy 0.5714" in result.output
    table = result.output.split("confusion")[0].splitlines()  # the metrics rows, before the confusion matrix
    rows = {line.split()[0]: line.split()[1:] for line in table if line[:2] in ("0 ", "1 ")}
    assert rows["1"][:3] == ["0.0000", "0.0000", "0.0000"]  # precision, recall, F1 of "naughty"
    assert rows["0"][1] == "1.0000"  # every photo of folder 0 found
    assert "broken.jpg: corrupt" in result.output
    assert (tmp_path / "figures" / "roc.png").is_file() and (tmp_path / "figures" / "confusion.png").is_file()


def test_the_hantei_script_judges_a_photo_as_keshikaran_py_did(tmp_path):
    """`pip install .` puts a `hantei` script on the PATH: `hantei judge dog.jpg` prints the score alone."""
    import subprocess
    import sys
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    script = tomllib.loads((root / "pyproject.toml").read_text())["project"]["scripts"]["hantei"]
    module, function = script.split(":")
    code = f"import sys; from {module} import {function}; sys.argv = ['hantei', *sys.argv[1:]]; {function}()"
    env = {"PATH": "/usr/bin:/bin", "HANTEI_DATA_DIR": str(tmp_path), "LANG": "C.UTF-8"}
    out = subprocess.run([sys.executable, "-c", code, "judge", str(NOBODY["coffee"])], cwd=root, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert 0 <= float(out.stdout.strip()) < 0.15
