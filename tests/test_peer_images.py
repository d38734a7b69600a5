"""Every image of Pillow's and pillow-heif's own test folders (the pinned versions' source distributions) through
the API: no 500, no crash, every answer within HANTEI_DECODE_SECONDS (plus judging) and the memory budget."""

import json
import os
import re
import subprocess
import sys
import tarfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.helpers import RED_JUDGE, redness_model

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("HANTEI_TEST_CACHE", "/var/cache/hantei-tests"))
PINS = {name: version for name, version in re.findall(r"^(pillow|pillow_heif)==(\S+)$",
                                                      (ROOT / "requirements.txt").read_text(), re.M)}
FOLDERS = {"pillow": "Tests/images", "pillow_heif": "tests/images"}
SECONDS, MEMORY_MB = 10, 512
CHILD = r"""
import io, json, sys, time, warnings
warnings.simplefilter("ignore")
from pathlib import Path
from hantei import create_app, intake
isolated = []  # the peak of each decode run in a child process (the worker's own peak does not hold it)
real_in_child = intake._in_child
def in_child(*args):
    upload = real_in_child(*args)
    isolated.append(upload.cost.peak_bytes or 0)
    return upload
intake._in_child = in_child
app = create_app({"TESTING": True, "DATA_DIR": sys.argv[1], "RATELIMIT": "", "WTF_CSRF_ENABLED": False,
                  "PROPAGATE_EXCEPTIONS": False, "MODELS_DIR": sys.argv[2], "DEFAULT_JUDGE": "red"})
client = app.test_client()
def status(key):
    return next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith(key))
for path in sys.argv[3:]:
    open("/proc/self/clear_refs", "w").write("5")
    isolated.clear()
    before = status("VmRSS:")
    started = time.perf_counter()
    answer = client.post("/api/v1/judge", data={"image": (io.BytesIO(Path(path).read_bytes()), "x")},
                         content_type="multipart/form-data")
    took = time.perf_counter() - started
    print(json.dumps({"path": path, "status": answer.status_code, "seconds": took,
                      "peak": max([status("VmHWM:") - before, *isolated]), "isolated": bool(isolated),
                      "code": (answer.get_json(silent=True) or {}).get("error", {}).get("code")}), flush=True)
"""


def peer_images():
    """The test images of both source distributions, downloaded once into CACHE and unpacked there."""
    files = []
    for name, version in PINS.items():
        folder = CACHE / f"{name}-{version}"
        if not folder.exists():
            archive = next(CACHE.glob(f"{name}-{version}.tar.gz"), None)
            if archive is None:
                CACHE.mkdir(parents=True, exist_ok=True)
                subprocess.run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps", "-q",
                                f"{name}=={version}", "-d", str(CACHE)], check=True)
                archive = next(CACHE.glob(f"{name}-{version}.tar.gz"))
            with tarfile.open(archive) as tar:
                members = [m for m in tar.getmembers() if f"/{FOLDERS[name]}/" in m.name and m.isfile()]
                tar.extractall(CACHE / ".unpacking", members=members, filter="data")
            (CACHE / ".unpacking" / f"{name}-{version}").rename(folder)
        files += sorted(path for path in (folder / FOLDERS[name]).rglob("*") if path.is_file())
    return files


def test_every_peer_test_image_is_answered_within_the_budgets(tmp_path):
    files = peer_images()
    assert len(files) > 1000
    # A score judge whose model costs next to nothing (intake is what is tested): animations' frames are judged too.
    judge = tmp_path / "models" / "red"
    judge.mkdir(parents=True)
    redness_model(judge / "model.onnx")
    (judge / "judge.toml").write_text(RED_JUDGE, encoding="utf-8")
    groups = [files[n::2] for n in range(2)]

    def run(group, n):
        done = subprocess.run(["nice", "-n", "5", sys.executable, "-c", CHILD, str(tmp_path / f"data{n}"),
                               str(tmp_path / "models"), *map(str, group)],
                              cwd=ROOT, capture_output=True, text=True, timeout=1200)
        answers = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        return done.returncode, answers, done.stderr[-2000:]

    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(run, groups, range(2)))
    answers = [answer for _, group, _ in runs for answer in group]
    assert all(code == 0 for code, _, _ in runs), [err for _, _, err in runs]  # no worker crashed
    assert len(answers) == len(files)
    assert [a["path"] for a in answers if a["status"] >= 500] == []
    slowest = max(answers, key=lambda a: a["seconds"])
    largest = max(answers, key=lambda a: a["peak"])
    print(f"slowest {slowest['seconds']:.2f} s ({Path(slowest['path']).name}), "
          f"largest {largest['peak'] / 2**20:.0f} MB ({Path(largest['path']).name})")
    assert slowest["seconds"] < SECONDS + 5, slowest  # the deadline, and the judging after it
    assert largest["peak"] < (MEMORY_MB + 128) * 2**20, largest  # the budget, and the judge's models' own
