"""The floor and the naive reference: what one photo costs the default judge, stage by stage, on one thread.

    .venv/bin/python bench/floor.py

floor:   the least work the model needs: reduced-scale decode (JPEG DCT scaling, or a HEIC's own preview) straight
         to about the model's size, the letterbox, one session.run.
naive:   what the original classifiers did: full-resolution decode, resize the whole photo, run.
Each is timed whole, one photo after another, as the app judges a photo (the figure the targets use), and stage by
stage, each stage alone and over again. A stage repeated on the same input finds the caches as it left them: the
stages' sum reads under the whole photo (by 1.3 ms on average in 8 tries with the 12 MP JPEG, 0-3 ms).
hantei:  the app's own judging path (intake with its stored copy, detector, score), without HTTP: with the
         default stored copy, with keep=0 (no copy), and with the 2048 px copy that was the default before.
Writes bench/results/floor.md; bench/run.py reads the numbers from here.
"""

import io
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.photos import bench_photos  # noqa: E402
from hantei.intake import Limits, jpeg_bytes  # noqa: E402
from hantei.judges import open_judge  # noqa: E402
from hantei.judges import judge_bytes  # noqa: E402
from hantei.vision import runtime  # noqa: E402
from hantei.vision.detectors import NudeNetDetector  # noqa: E402

REPEAT = 7


def best_of(function, repeat=REPEAT):
    """Median wall time of function() in ms, after one warm-up call."""
    function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def floor_decode(data):
    """Decode at the smallest DCT scale that still covers 320 px."""
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    image.draft("RGB", (width * 320 // max(width, height), height * 320 // max(width, height)))
    return image.convert("RGB")


def floor_photo(detector):
    """The floor for one photo, its stages in a row: data -> the detector's raw output."""
    session = runtime.session(detector.path)
    name = session.get_inputs()[0].name
    return lambda data: session.run(None, {name: detector.tensor(floor_decode(data))[0]})


def floor_stages(data, detector):
    """The floor's ms: each stage alone (decode, letterbox, run) and the whole photo ("photo")."""
    image = floor_decode(data)
    tensor, scale = detector.tensor(image)
    session = runtime.session(detector.path)
    name = session.get_inputs()[0].name
    whole = floor_photo(detector)
    return {
        "decode": best_of(lambda: floor_decode(data)),
        "preprocess": best_of(lambda: detector.tensor(image)),
        "inference": best_of(lambda: session.run(None, {name: tensor})),
        "photo": best_of(lambda: whole(data)),
    }


def _floor_worker(data, count, start, out):
    """One process of floor_throughput: the floor pipeline count times, from the moment every process is ready."""
    runtime.configure(1)
    whole = floor_photo(NudeNetDetector())

    def once():
        whole(data)

    once()
    start.wait()
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        once()
    out.put((time.perf_counter() - started, time.process_time() - cpu))


def floor_throughput(data, processes, count=40, cpu=False):
    """Photos per second that the floor itself reaches with one process per core, all at once: what the cores
    really give in parallel (the ideal divides cores by one photo's time, as if they added up perfectly).
    With cpu, also the CPU milliseconds one photo took (what a busy machine's other work does not change much)."""
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(processes), context.Queue()
    workers = [context.Process(target=_floor_worker, args=(data, count, start, out)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    times = [out.get() for _ in workers]
    for worker in workers:
        worker.join()
    rate = processes * count / max(wall for wall, _ in times)
    return (rate, 1000 * sum(used for _, used in times) / (processes * count)) if cpu else rate


def floor_now(data, processes):
    """The floor of one photo measured again: one photo's time on one thread and the photos a second on every core
    at once (bench/run.py measures it before and after the app's levels, as the machine's speed drifts)."""
    runtime.configure(1)
    return {"floor ms": floor_stages(data, NudeNetDetector())["photo"],
            "floor parallel /s": floor_throughput(data, processes)}


def naive_stages(data, detector):
    """Full decode, resize the whole photo to 320 the way nudenet's own code path would, run: ms per stage alone and
    for the whole photo ("photo")."""
    def decode():
        return Image.open(io.BytesIO(data)).convert("RGB")

    def preprocess(image):
        width, height = image.size
        side = max(width, height)
        padded = np.zeros((side, side, 3), dtype=np.uint8)
        padded[:height, :width] = np.asarray(image)
        square = Image.fromarray(padded).resize((320, 320), Image.Resampling.BILINEAR)
        return np.ascontiguousarray((np.asarray(square, dtype=np.float32)[:, :, ::-1] / 255).transpose(2, 0, 1)[None])

    image = decode()
    tensor = preprocess(image)
    session = runtime.session(detector.path)
    name = session.get_inputs()[0].name
    return {
        "decode": best_of(decode),
        "preprocess": best_of(lambda: preprocess(image)),
        "inference": best_of(lambda: session.run(None, {name: tensor})),
        "photo": best_of(lambda: session.run(None, {name: preprocess(decode())})),
    }


def hantei_stages(data, judge, limits, keep_photo=True):
    """The app's judging path without HTTP: intake (+ stored copy encode), detect, score."""
    samples = []
    for _ in range(REPEAT + 1):
        started = time.perf_counter()
        photo, judgement = judge_bytes(data, judge, limits, keep_photo)
        encoded = time.perf_counter()
        if keep_photo:
            jpeg_bytes(photo.image)
        samples.append({**judgement.timings_ms, "store encode": (time.perf_counter() - encoded) * 1000,
                        "all": (time.perf_counter() - started) * 1000})
    return {key: statistics.median(s[key] for s in samples[1:]) for key in samples[0]}


def main():
    runtime.configure(1)
    detector = NudeNetDetector()
    judge = open_judge(ROOT / "models" / "keshikaran")
    limits = Limits()
    results = {}
    for name, data in bench_photos().items():
        floor = floor_stages(data, detector)
        naive = naive_stages(data, detector)
        app = hantei_stages(data, judge, limits)
        bare = hantei_stages(data, judge, limits, keep_photo=False)
        before = hantei_stages(data, judge, Limits(long_side=2048))
        results[name] = {"bytes": len(data), "floor": floor, "naive": naive, "hantei": app, "keep=0": bare,
                         "2048": before, "floor ms": floor["photo"], "naive ms": naive["photo"],
                         "hantei ms": app["all"], "keep=0 ms": bare["all"], "2048 ms": before["all"]}
        print(name, json.dumps(results[name], default=round), flush=True)
    results["12MP JPEG"]["floor parallel /s"] = floor_throughput(bench_photos()["12MP JPEG"], os.cpu_count() or 1)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [f"# Floor, naive reference and hantei's judging path, {when}",
             "", "One process, one onnxruntime thread, median of 7 runs, ms. Floor and naive: one photo's stages "
             "in a row (bold), and each stage alone.", "",
             "| photo | MB | floor: a photo (decode + preprocess + inference) "
             "| naive: a photo (decode + preprocess + inference) "
             f"| hantei, {limits.long_side} px copy: intake + detect + store encode | hantei, keep=0: intake + detect "
             "| hantei, 2048 px copy (before) | naive / hantei |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        f, n, h, b = r["floor"], r["naive"], r["hantei"], r["keep=0"]
        lines.append(
            f"| {name} | {r['bytes'] / 1e6:.1f} | **{r['floor ms']:.0f}** ({f['decode']:.0f} + {f['preprocess']:.0f} "
            f"+ {f['inference']:.0f}) | **{r['naive ms']:.0f}** ({n['decode']:.0f} + {n['preprocess']:.0f} + "
            f"{n['inference']:.0f}) | {h['intake']:.0f} + {h['detect']:.0f} + {h['store encode']:.0f} = "
            f"**{h['all']:.0f}** | {b['intake']:.0f} + {b['detect']:.0f} = **{b['all']:.0f}** | "
            f"{r['2048 ms']:.0f} | {r['naive ms'] / h['all']:.2f}x |")
    lines += ["", f"The floor itself, one process per core ({os.cpu_count() or 1}) at once, 40 photos each: "
              f"{results['12MP JPEG']['floor parallel /s']:.1f} photos/s (12 MP JPEG)."]
    (ROOT / "bench" / "results" / "floor.md").write_text("\n".join(lines) + "\n")
    (ROOT / "bench" / "results" / "floor.json").write_text(json.dumps(results, indent=1, default=float))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
