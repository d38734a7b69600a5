"""Run Lighthouse (npm, pinned in package.json) with Debian's Chromium on a loopback page; return its scores."""

import json
import os
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
FLAGS = ("--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
         "--disable-component-update --disable-sync")


def audit(url):
    """Lighthouse's mobile report for url: {category: score 0..100} and the failing audits by category."""
    with tempfile.TemporaryDirectory(prefix="lh-", dir="/tmp") as folder:
        report = Path(folder) / "report.json"
        subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
                        f"--chrome-flags={FLAGS}", "--only-categories=performance,accessibility,best-practices,seo"],
                       check=True, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium", "TMPDIR": folder},
                       capture_output=True, timeout=180)
        data = json.loads(report.read_text())
    scores = {name: round(category["score"] * 100) for name, category in data["categories"].items()}
    failing = {
        name: [ref["id"] for ref in category["auditRefs"]
               if ref.get("weight") and (data["audits"][ref["id"]].get("score") or 0) < 1
               and data["audits"][ref["id"]].get("scoreDisplayMode") not in ("notApplicable", "manual", "informative")]
        for name, category in data["categories"].items()
    }
    return scores, failing
