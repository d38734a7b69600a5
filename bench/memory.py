"""Peak memory of intake per format: each bomb (few bytes, many pixels) decoded in a fresh process.

    .venv/bin/python bench/memory.py [megapixels]     (default 9; writes bench/results/memory.md)

Reports the growth of the process's peak resident memory (VmHWM) while read_photo decodes the file, in MB
and in bytes per pixel, beside intake's own estimate (what the per-upload budget is checked against).
"""

import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.loadgen import markdown  # noqa: E402

PROBE = """
import io, json, sys
from pathlib import Path
from PIL import Image
from hantei.heap import release_memory
from hantei.intake import Limits, decode_here, peak_bytes_per_pixel
import hantei.intake

def status(key):
    return next(int(l.split()[1]) for l in Path("/proc/self/status").read_text().splitlines() if l.startswith(key))

data = Path(sys.argv[1]).read_bytes()
image = Image.open(io.BytesIO(data))
estimate = peak_bytes_per_pixel(image, data=data)
pixels = image.size[0] * image.size[1]
del image
before = status("VmHWM:")
decode_here(data, Limits(max_pixels=10**9, memory_mb=10**6, seconds=10**6))
peak = status("VmHWM:")
release_memory()
print(json.dumps({"pixels": pixels, "estimate": estimate, "peak_kb": peak - before,
                  "left_kb": status("VmRSS:") - before}))
"""


def measure(name, data):
    """One bomb decoded in a fresh interpreter: its pixels, intake's estimate and the measured peak growth."""
    with tempfile.NamedTemporaryFile(dir="/tmp", suffix=".bin") as file:
        file.write(data)
        file.flush()
        out = subprocess.run([sys.executable, "-c", PROBE, file.name], cwd=ROOT, check=True, capture_output=True,
                             text=True, env={"MALLOC_ARENA_MAX": "2", "PATH": "/usr/bin:/bin"}).stdout
    facts = json.loads(out.strip().splitlines()[-1])
    return {"format": name, "file KB": round(len(data) / 1024, 1), "megapixels": round(facts["pixels"] / 1e6, 1),
            "peak MB": round(facts["peak_kb"] / 1024, 1),
            "bytes/pixel": round(facts["peak_kb"] * 1024 / facts["pixels"], 2),
            "estimate bytes/pixel": facts["estimate"],
            "kept after MB": round(max(0, facts["left_kb"]) / 1024, 1)}


def rows(megapixels=9.0):
    from tests.bombs import bombs

    side = int(math.sqrt(megapixels * 1e6))
    return [measure(name, data) for name, data in bombs((side, side), cache="/tmp").items()]


def main():
    megapixels = float(sys.argv[1]) if len(sys.argv) > 1 else 9.0
    table = markdown(rows(megapixels))
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "memory.md").write_text(
        f"# Intake's peak memory per format ({megapixels:g} MP each)\n\n{table}\n")
    print(table)


if __name__ == "__main__":
    main()
