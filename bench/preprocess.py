"""What exact preprocessing costs: intake + model input for an exact judge vs the fast decode, by photo size.

    .venv/bin/python bench/preprocess.py [--runs 5]

An exact judge (exact = true, as the kleamp1e preset) gets the photo decoded at full scale and
resized from it in its own mode; the fast path lets the JPEG decoder shrink first. Also times the
face detectors on a phone-sized group photo. Writes bench/results/preprocess.md (median of runs).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from hantei.intake import Limits, read_photo  # noqa: E402
from hantei.vision.classifiers import Preprocess  # noqa: E402
from hantei.vision.detectors import DETECTORS, FACE_DETECTORS  # noqa: E402
from tests.photos import encoded, phone_jpeg  # noqa: E402

KLEAMP1E = Preprocess.from_manifest({"size": [384, 384], "layout": "NHWC", "resample": "bicubic"})
SIZES = {"2 MP (1600x1200)": (1600, 1200), "12 MP (4032x3024)": (4032, 3024)}


def median_ms(work, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def preprocess(data, exact):
    photo = read_photo(data, Limits(), keep_source=exact)
    KLEAMP1E.tensor(photo.source if exact else photo.image)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    lines = ["| photo | fast decode (ms) | exact (ms) |", "|---|---|---|"]
    for name, size in SIZES.items():
        data = phone_jpeg("astronaut", size=size)
        fast = median_ms(lambda data=data: preprocess(data, False), args.runs)
        exact = median_ms(lambda data=data: preprocess(data, True), args.runs)
        lines.append(f"| {name} JPEG | {fast:.0f} | {exact:.0f} |")
    group = Image.open(ROOT / "tests" / "faces" / "group_of_three.jpg").convert("RGB")
    group = read_photo(encoded(group.resize((4032, 1412), Image.Resampling.BICUBIC), "JPEG", quality=90)).image
    lines += ["", f"| detector on a {group.width}x{group.height} group photo | ms |", "|---|---|"]
    for name in FACE_DETECTORS:
        detector = DETECTORS[name]()
        detector.detect(group)
        lines.append(f"| {name} | {median_ms(lambda detector=detector: detector.detect(group), args.runs):.0f} |")
    report = "\n".join(lines) + "\n"
    print(report)
    out = ROOT / "bench" / "results" / "preprocess.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"# Preprocessing and face detection, median of {args.runs} runs, one thread\n\n" + report)


if __name__ == "__main__":
    main()
