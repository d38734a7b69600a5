"""What a group costs against one face: each face judge on a six-face photo and a one-face photo of the same size.

    .venv/bin/python bench/faces.py [--runs 15]

The photos are tests/faces' group_of_six.jpg and the astronaut scaled onto a canvas of the group's size, so that
the face detector does the same work on both and the difference is the per-face crops and model runs (batched).
The goal: a six-face photo judged in at most 1.5x the time of a one-face photo. Writes bench/results/faces.md and
faces.json (median of runs, through judge_bytes: the judging path of page, API and CLI).
"""

import argparse
import io
import json
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.preprocess import median_ms  # noqa: E402
from hantei.intake import Limits  # noqa: E402
from hantei.judges import Judges  # noqa: E402
from hantei.judges.judging import judge_bytes  # noqa: E402

FACES = ROOT / "tests" / "faces"
GOAL = 1.5


def photos():
    """(one face, six faces) as JPEG bytes of the same size."""
    group = Image.open(FACES / "group_of_six.jpg").convert("RGB")
    single = Image.new("RGB", group.size, (128, 128, 128))
    portrait = Image.open(FACES / "astronaut.jpg").convert("RGB")
    portrait.thumbnail(group.size)
    single.paste(portrait, ((group.width - portrait.width) // 2, (group.height - portrait.height) // 2))
    encoded = []
    for image in (single, group):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        encoded.append(buffer.getvalue())
    return encoded


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    judges = Judges(ROOT / "models", "keshikaran")
    one, six = photos()
    limits = Limits()
    rows, figures = [], {}
    for judge in judges:
        if not judge.answers_each_region:
            continue
        judge.load()
        faces = [len(judge_bytes(data, judge, limits, keep_photo=False)[1].regions) for data in (one, six)]
        one_ms = median_ms(lambda judge=judge: judge_bytes(one, judge, limits, keep_photo=False), runs)
        six_ms = median_ms(lambda judge=judge: judge_bytes(six, judge, limits, keep_photo=False), runs)
        ratio = six_ms / one_ms
        figures[judge.id] = {"faces": faces, "one_ms": round(one_ms, 1), "six_ms": round(six_ms, 1),
                             "ratio": round(ratio, 2)}
        rows.append(f"| {judge.id} | {faces[0]} → {faces[1]} | {one_ms:.1f} | {six_ms:.1f} | **{ratio:.2f}** | "
                    f"{'met' if ratio <= GOAL else 'not met'} |")
    out = ROOT / "bench" / "results"
    (out / "faces.json").write_text(json.dumps(figures, indent=1) + "\n")
    (out / "faces.md").write_text("\n".join([
        f"Each face judge on one face and on six, median of {runs} runs (goal: six faces ≤ {GOAL}× one face).", "",
        "| judge | faces found | one face, ms | six faces, ms | ratio | goal |", "|---|---|---|---|---|---|", *rows,
        ""]))
    print((out / "faces.md").read_text())


if __name__ == "__main__":
    main()
