"""Reduced-scale JPEG decoding (Image.draft) against full decoding, on a 12 MP phone-sized JPEG.

The photo is bench/photos.py's: a sample photo enlarged to 4032x3024 with sensor-like noise, quality 95.

Run from the project root: `python bench/decode.py`. Prints a Markdown table and writes it to
bench/results/decode.md. Times are the median of several runs on whatever else the machine is doing.
"""

import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from PIL import Image, features

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.photos import camera_image, encode  # noqa: E402
from hantei import intake  # noqa: E402

RUNS = 15
CAP = 2048  # the stored copy's default when this change was made (it is 1024 now: docs/performance.md)


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
    """What a 12 MP photo cost before: the whole image decoded, then a bicubic resize to the cap."""
    return decode(data).resize((CAP, CAP * 3 // 4), Image.Resampling.BICUBIC, reducing_gap=3.0)


def half_scale(data):
    """What it costs now: the decoder scales by 1/2 (2016 px, within CAP_SLACK under the cap)."""
    return intake._cap(decode(data, (1946, 1460)), CAP)


def read_photo_without_slack(data):
    """The whole intake, with the old rule (draft or halve only when the result covers the full cap)."""
    slack, intake.CAP_SLACK = intake.CAP_SLACK, 0.0
    try:
        return intake.read_photo(data, intake.Limits(long_side=CAP))
    finally:
        intake.CAP_SLACK = slack


def main():
    twelve = camera_image((4032, 3024))
    data = encode(twelve, "JPEG", quality=95)
    heic = encode(twelve, "HEIF", quality=60)
    assert decode(data, (1946, 1460)).size == (2016, 1512)
    rows = [
        ("full decode (4032x3024)", lambda: decode(data)),
        ("draft 1/2 decode (2016x1512)", lambda: decode(data, (1946, 1460))),
        ("draft 1/8 decode (504x378), the model's need", lambda: decode(data, (500, 375))),
        (f"full decode + resize to {CAP} px (before)", lambda: full_then_cap(data)),
        ("draft 1/2 decode, no resize needed (now)", lambda: half_scale(data)),
        ("read_photo, old rule (no slack)", lambda: read_photo_without_slack(data)),
        ("read_photo, now", lambda: intake.read_photo(data, intake.Limits(long_side=CAP))),
        ("read_photo, 12 MP HEIC, old rule (bicubic to 2048)", lambda: read_photo_without_slack(heic)),
        ("read_photo, 12 MP HEIC, now (2x2 average to 2016)",
         lambda: intake.read_photo(heic, intake.Limits(long_side=CAP))),
    ]
    results = {name: timed(work) for name, work in rows}
    before = results[f"full decode + resize to {CAP} px (before)"][0]
    # Headline ratios from the fastest runs: the medians move with whatever else the machine is doing.
    old, new = results["read_photo, old rule (no slack)"][1], results["read_photo, now"][1]
    old_heic = results["read_photo, 12 MP HEIC, old rule (bicubic to 2048)"][1]
    new_heic = results["read_photo, 12 MP HEIC, now (2x2 average to 2016)"][1]
    lines = [
        f"# JPEG decode: full against reduced scale (12 MP, {len(data) / 1e6:.1f} MB, quality 95)",
        "",
        f"Pillow {Image.__version__}, libjpeg-turbo {features.version('libjpeg_turbo')}, Python "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores; "
        f"median and fastest of {RUNS} runs.",
        "",
        "| what | median ms | fastest ms | vs before |",
        "|---|---:|---:|---:|",
    ]
    for name, (median, fastest) in results.items():
        lines.append(f"| {name} | {median:.1f} | {fastest:.1f} | {before / median:.1f}x |")
    lines += [
        "",
        f"read_photo on a 12 MP JPEG (fastest runs): {old:.0f} ms with the old rule, {new:.0f} ms now: "
        f"**{old / new:.1f}x faster**.",
        f"The same photo as HEIC (libheif has no reduced decode): {old_heic:.0f} ms, now {new_heic:.0f} ms "
        f"({old_heic / new_heic:.1f}x).",
        "",
    ]
    table = "\n".join(lines)
    print(table)
    out = ROOT / "bench" / "results" / "decode.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table)


if __name__ == "__main__":
    main()
