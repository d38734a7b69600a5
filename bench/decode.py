"""Reduced-scale JPEG decoding (Image.draft) against full decoding, on a 12 MP phone-sized JPEG.

Run from the project root: `python bench/decode.py`. Prints a Markdown table and writes it to
bench/results/decode.md. Times are the median of several runs on whatever else the machine is doing.
"""

import io
import platform
import statistics
import sys
import time
from pathlib import Path

from PIL import Image, features

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from hantei import intake  # noqa: E402
from tests.photos import phone_jpeg  # noqa: E402

RUNS = 15
CAP = intake.Limits().long_side


def timed(work):
    """Median and fastest wall time of work() in milliseconds, after one warm-up run."""
    work()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times)


def decode(data, draft=None):
    image = Image.open(io.BytesIO(data))
    if draft:
        image.draft(image.mode, draft)
    image.load()
    return image


def full_then_cap(data):
    """What a 12 MP photo cost before: the whole image decoded, then resized to the cap."""
    return intake._cap(decode(data), CAP)


def half_scale(data):
    """What it costs now: the decoder scales by 1/2 (2016 px, within DRAFT_SLACK under the cap)."""
    return intake._cap(decode(data, (1946, 1460)), CAP)


def read_photo_without_slack(data):
    """The whole intake, with the old rule (draft only when the scaled image covers the full cap)."""
    slack, intake.DRAFT_SLACK = intake.DRAFT_SLACK, 0.0
    try:
        return intake.read_photo(data)
    finally:
        intake.DRAFT_SLACK = slack


def main():
    data = phone_jpeg("coffee", size=(4032, 3024))
    assert decode(data, (1946, 1460)).size == (2016, 1512)
    rows = [
        ("full decode (4032x3024)", lambda: decode(data)),
        ("draft 1/2 decode (2016x1512)", lambda: decode(data, (1946, 1460))),
        ("draft 1/8 decode (504x378), the model's need", lambda: decode(data, (500, 375))),
        (f"full decode + resize to {CAP} px (before)", lambda: full_then_cap(data)),
        ("draft 1/2 decode, no resize needed (now)", lambda: half_scale(data)),
        ("read_photo, old rule (no slack)", lambda: read_photo_without_slack(data)),
        ("read_photo, now", lambda: intake.read_photo(data)),
    ]
    results = {name: timed(work) for name, work in rows}
    before = results[f"full decode + resize to {CAP} px (before)"][0]
    old, new = results["read_photo, old rule (no slack)"][0], results["read_photo, now"][0]
    lines = [
        f"# JPEG decode: full against reduced scale (12 MP, {len(data) / 1e6:.1f} MB, quality 90)",
        "",
        f"Pillow {Image.__version__}, libjpeg-turbo {features.version('libjpeg_turbo')}, Python "
        f"{platform.python_version()}, {platform.machine()}, median of {RUNS} runs (fastest in brackets).",
        "",
        "| what | median ms | fastest ms | vs before |",
        "|---|---:|---:|---:|",
    ]
    for name, (median, fastest) in results.items():
        lines.append(f"| {name} | {median:.1f} | {fastest:.1f} | {before / median:.1f}x |")
    lines += [
        "",
        f"read_photo on a 12 MP JPEG: {old:.0f} ms with the old rule, {new:.0f} ms now: **{old / new:.1f}x faster**.",
        "",
    ]
    table = "\n".join(lines)
    print(table)
    out = ROOT / "bench" / "results" / "decode.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table)


if __name__ == "__main__":
    main()
