"""Lighthouse mobile scores of the upload and result pages, served by gunicorn on loopback.

    .venv/bin/python bench/lighthouse.py [--runs 3]

Writes bench/results/lighthouse.md (every run and the best of each category; performance moves with
CPU load, so run it on a quiet machine).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.browser.lighthouse import audit  # noqa: E402
from tests.photos import PEOPLE  # noqa: E402
from tests.servers import Gunicorn  # noqa: E402

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    server = Gunicorn(tempfile.mkdtemp(prefix="hantei-lh-"), workers=2, ratelimit="off")
    try:
        with open(PEOPLE["astronaut"], "rb") as photo:
            result = "/r/" + requests.post(server.url + "/api/v1/judge", files={"image": ("a.png", photo)}).json()["id"]
        rows = []
        for page, path in (("upload", "/"), ("result", result)):
            for run in range(1, args.runs + 1):
                scores, failing = audit(server.url + path)
                rows.append((page, run, scores, failing))
                print(page, run, scores, {k: v for k, v in failing.items() if v}, flush=True)
    finally:
        server.stop()
    lines = [f"# Lighthouse (mobile), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
             "| page | run | " + " | ".join(CATEGORIES) + " |", "|---|---|" + "---|" * len(CATEGORIES)]
    for page, run, scores, _ in rows:
        lines.append(f"| {page} | {run} | " + " | ".join(str(scores[c]) for c in CATEGORIES) + " |")
    for page in ("upload", "result"):
        best = {c: max(s[c] for p, _, s, _ in rows if p == page) for c in CATEGORIES}
        lines.append(f"| {page} | best | " + " | ".join(str(best[c]) for c in CATEGORIES) + " |")
    (ROOT / "bench" / "results" / "lighthouse.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
