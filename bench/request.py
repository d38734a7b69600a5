"""What a 3 MB upload costs before intake sees it: multipart parsing into a temporary file and a copy, or in memory.

    .venv/bin/python bench/request.py

Parses the same multipart body with Flask's own Request (files over 500 kB spill to a temporary file, then
file.read() copies them) and with hantei's UploadRequest (python-multipart finds the parts in the body as it lies;
the file is one copy of its slice). Each body gets its own boundary, as each browser upload does.
"""

import io
import statistics
import sys
import time
from pathlib import Path

from flask import Request
from werkzeug.test import EnvironBuilder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.photos import bench_photos  # noqa: E402
from hantei.web.bodies import UploadRequest as PublicRequest, uploaded_bytes  # noqa: E402
from hantei.web.fast_bodies import FastUploadRequest as UploadRequest  # noqa: E402

REPEAT = 31


def parse_ms(request_class, body, reader):
    """Median ms to parse the body and get the upload's bytes."""
    times = []
    for _ in range(REPEAT + 1):
        # A new boundary each time, as browsers send: werkzeug compiles its patterns for each.
        form = {"image": (io.BytesIO(body), "photo.jpg", "image/jpeg")}
        environ = EnvironBuilder(method="POST", data=form).get_environ()
        started = time.perf_counter()
        data = reader(request_class(environ).files["image"])
        times.append((time.perf_counter() - started) * 1000)
        assert len(data) == len(body)
    return statistics.median(times[1:])


def measure():
    """{way: ms} for the 12 MP JPEG."""
    body = bench_photos()["12MP JPEG"]
    return {
        "temporary file + read() (werkzeug's default)": parse_ms(Request, body, lambda file: file.read()),
        "in memory, werkzeug's decoder (the public path)": parse_ms(PublicRequest, body, uploaded_bytes),
        "in memory, split where it lies (fast_bodies)": parse_ms(UploadRequest, body, uploaded_bytes),
    }


if __name__ == "__main__":
    for way, ms in measure().items():
        print(f"{way}: {ms:.2f} ms")
