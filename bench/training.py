"""How fast hantei embeds photos and trains a judge on this machine's CPU, and how right it is on real images.

    .venv/bin/python bench/training.py [--per-label 60 100] [--threads 2] [--kinds FOLDER]

Embedding: the backbone alone on one thread (batch of 1 and of 16) and the whole per-photo path
(decode, 256/224 crop, backbone). Training: `train()` on the tests' 3-label data set
(photo / illust / screenshot) with --per-label training photos per label (+ 1/3 as many
validation photos, 2/3 as many test photos); under 100 per label, training photos are
augmented. Real images: the kinds set that Debian and PyPI packages ship (tools/kinds_judge_photos.csv,
built by tools/make_kinds_photos.py into --kinds, or a temporary folder), split by package: which
features pay (backbone embedding; mirror-averaged; every stage, mirror-averaged), then train() as
`flask train` runs it with four seeds, per label and overall, with the time taken. Writes bench/results/training.md;
the load average is recorded because a busy
machine is slower.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from hantei.training import dataset, head, measures, train  # noqa: E402
from hantei.vision import embedder, features, runtime  # noqa: E402
from tools import make_kinds_photos  # noqa: E402
from tests import training_photos  # noqa: E402
from tests.photos import phone_jpeg  # noqa: E402


def per_photo_ms(function, photos, repeat=3):
    function()  # warm-up: session creation and first-run allocations
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return 1000 * best / photos


def centre_features(model, items):
    return model.embed([dataset.load(path) for path, _ in items]), np.array([k for _, k in items])


def ablation(root):
    """Held-out accuracy of a head on centre views only (no crops), for each way of making features."""
    data = dataset.read(root)
    backbone, full = embedder.Embedder(embedder.BACKBONE), embedder.Embedder(features.path())
    split = {name: (centre_features(backbone, items), centre_features(full, items)[0])
             for name, items in data.splits.items()}
    variants = {"backbone embedding (1280)": lambda s: split[s][0][0],
                "embedding, mirror-averaged (1280)": lambda s: split[s][1][:, -1280:],
                "every stage + embedding, mirror-averaged (2064)": lambda s: split[s][1]}
    out = ["", "| features (centre view, no crops) | test accuracy | " + " | ".join(data.labels) + " |",
           "|---|---:|" + "---:|" * len(data.labels)]
    y = {name: split[name][0][1] for name in split}
    for name, pick in variants.items():
        fitted = head.train(data.labels, pick("train"), y["train"], pick("val"), y["val"])
        report = measures.report(data.labels, y["test"], fitted.scores(pick("test")), fitted.thresholds)
        out.append(f"| {name} | {report.accuracy:.3f} | " + " | ".join(f"{r:.3f}" for r in report.recall) + " |")
    return out


def real_images(folder):
    """The kinds set: the ablation, then train() with four seeds (split of val from train/, crops)."""
    with tempfile.TemporaryDirectory() as scratch:
        root = folder or Path(scratch) / "kinds"
        if not (root / "train").is_dir():
            make_kinds_photos.build(root, Path.home() / ".cache" / "hantei-kinds", make_kinds_photos.JUDGE_MANIFEST)
        counts = dataset.read(root).counts()
        lines = ["", f"## Real images: the kinds set ({sum(counts['test'].values())} test photos from packages "
                 f"training never used; train {counts['train']}, val {counts['val']}, test {counts['test']})"]
        lines += ablation(root)
        lines += ["", "| train() seed | seconds | test accuracy | " + " | ".join(counts["test"]) + " | penalty |",
                  "|---:|---:|---:|" + "---:|" * len(counts["test"]) + "---:|"]
        for seed in range(4):
            started = time.perf_counter()
            summary, _, reports = train(root, Path(scratch) / "out", "kinds", seed=seed, progress=False)
            test = reports["test"]
            lines.append(f"| {seed} | {time.perf_counter() - started:.0f} | **{test.accuracy:.3f}** | "
                         + " | ".join(f"{r:.3f}" for r in test.recall) + f" | {summary['penalty']:g} |")
    lines += ["", "Per label: recall (the share of that label's test photos judged right)."]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-label", type=int, nargs="+", default=[60, 100])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--kinds", type=Path, default=None, help="the kinds set (built there when missing)")
    args = parser.parse_args()
    lines = [f"# Training benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
             f"load average before: {os.getloadavg()[0]:.1f})", ""]

    runtime.configure(1)
    session = runtime.session(embedder.BACKBONE)
    for batch in (1, 16):
        tensor = np.random.default_rng(0).uniform(-1, 1, (batch, 3, 224, 224)).astype(np.float32)
        ms = per_photo_ms(lambda tensor=tensor: session.run(None, {"image": tensor}), batch)
        lines.append(f"- backbone, one thread, batch {batch}: {ms:.1f} ms per photo")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "phone.jpg"
        path.write_bytes(phone_jpeg())
        model = embedder.Embedder(batch=1)
        ms = per_photo_ms(lambda: model.embed([dataset.load(path)]), 1)
        lines.append(f"- a 12 MP phone JPEG, decode + crop + backbone, one thread: {ms:.1f} ms")

    runtime.configure(args.threads)
    runtime._sessions.clear()  # a new session with the training thread count
    for per_label in args.per_label:
        counts = {"train": per_label, "val": max(3, per_label // 3), "test": max(3, 2 * per_label // 3)}
        with tempfile.TemporaryDirectory() as folder:
            root = training_photos.build(Path(folder) / "kinds", counts)
            started, cpu = time.perf_counter(), time.process_time()
            summary, fitted, reports = train(root, Path(folder) / "out", "kinds", progress=False)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        photos = 3 * sum(counts.values())
        lines.append(f"- train() on {photos} photos (3 labels, {counts}), {args.threads} onnxruntime threads, "
                     f"augmentation {summary['augmentation']!r}: **{seconds:.1f} s** ({cpu:.1f} s of CPU) "
                     f"(test accuracy {reports['test'].accuracy:.3f}, macro AUC {reports['test'].macro['auc']:.3f})")
    lines += real_images(args.kinds)
    lines += [f"- load average after: {os.getloadavg()[0]:.1f}", ""]
    out = ROOT / "bench" / "results" / "training.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
