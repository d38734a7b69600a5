"""Which training choices carry the kinds judge to projects it never saw: the broad kinds set's held-out split.

    python bench/kinds_sources.py [--kinds FOLDER] [--features FILE.npz]

The broad set (tools/kinds_photos.csv, built by tools/make_kinds_photos.py into --kinds, or a temporary
folder) is split by project. Every photo is embedded once (seed 0, as `flask train` reads the folder): its
centre view, four random crops and a shrunk, re-compressed JPEG copy for training photos; the centre, the
whole photo stretched and four corner crops for held-out ones. Each row of the table fits heads on the
training and validation photos as `flask train` does (one logistic regression per label, class-weighted),
the penalty picked by 5-fold cross-validation over whole projects (its log-loss, the criterion, is the last
column), and measures it on the held-out photos' centre views; the shipped judge (models/kinds) is
measured on the same photos. Writes bench/results/kinds-sources.md.
"""

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from hantei.training import augment, dataset, head, measures  # noqa: E402
from hantei.vision import embedder, features, runtime  # noqa: E402
from tools import make_kinds_photos  # noqa: E402

CENTRE, CROPS, SHRUNK = [0], [0, 1, 2, 3, 4], [0, 5]
STAGES = 784  # the stage means come first in the 2064 features, the 1280-d embedding last


def shrunk(image, rng):
    """A re-shared copy: shrunk to 40-70% and saved as a JPEG of quality 50-85."""
    factor = rng.uniform(0.4, 0.7)
    small = image.resize((max(1, round(image.width * factor)), max(1, round(image.height * factor))),
                         Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    small.convert("RGB").save(buffer, "JPEG", quality=int(rng.integers(50, 86)))
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def held_out_views(image):
    """The centre (as served), the whole photo stretched, and four corner crops of 80% of the short side."""
    out = [embedder.fitted(image), image.resize((embedder.SIZE, embedder.SIZE), Image.Resampling.BICUBIC)]
    width, height = image.size
    side = 0.8 * min(width, height)
    for left, top in ((0, 0), (width - side, 0), (0, height - side), (width - side, height - side)):
        out.append(image.resize((embedder.SIZE, embedder.SIZE), Image.Resampling.BICUBIC,
                                box=(left, top, left + side, top + side)))
    return out


def embed(root):
    data = dataset.read(root, seed=0)
    model = embedder.Embedder(features.path())
    rng = np.random.default_rng(0)
    out = {"labels": np.array(data.labels)}
    for split, items in data.splits.items():
        views, counts = [], []
        for path, _ in items:
            image = dataset.load(path)
            mine = (held_out_views(image) if split == "test"
                    else augment.views(image, rng) + [embedder.fitted(shrunk(image, rng))])
            views += mine
            counts.append(len(mine))
        out[f"{split}_x"] = model.embed_squares(views)
        out[f"{split}_n"] = np.array(counts)
        out[f"{split}_y"] = np.array([k for _, k in items])
        out[f"{split}_source"] = np.array([dataset.source(data, path) or "" for path, _ in items])
    session = runtime.session(ROOT / "models" / "kinds" / "model.onnx")
    images = [dataset.load(path) for path, _ in data.splits["test"]]
    out["shipped"] = np.concatenate([session.run(None, {"image": embedder.preprocess(images[i:i + 16])})[0]
                                     for i in range(0, len(images), 16)])
    return out


def training_rows(d, views):
    """Feature rows of train + val with the chosen views of each photo (views(label) -> indices), weighted
    1 / views; the photo (group) and the source of every row."""
    xs, ys, weights, groups, sources = [], [], [], [], []
    offset = 0
    for split in ("train", "val"):
        starts = np.r_[0, np.cumsum(d[f"{split}_n"])[:-1]]
        for i, (start, k) in enumerate(zip(starts, d[f"{split}_y"])):
            chosen = views(int(k))
            xs.append(d[f"{split}_x"][start + np.array(chosen)])
            ys += [k] * len(chosen)
            weights += [1 / len(chosen)] * len(chosen)
            groups += [offset + i] * len(chosen)
            sources += [d[f"{split}_source"][i]] * len(chosen)
        offset += len(starts)
    return np.concatenate(xs).astype(np.float64), np.array(ys), np.array(weights), np.array(groups), np.array(sources)


def row(d, name, views, penalties, columns=slice(None), weighting=None):
    labels = list(d["labels"])
    x, y, w, groups, sources = training_rows(d, views)
    x = x[:, columns]
    if weighting:  # each (project, label) pair counts as 1 / its photos ** weighting
        pairs = list(zip(sources, y))
        count = {pair: pairs.count(pair) for pair in set(pairs)}
        w = w / np.array([count[pair] for pair in pairs], dtype=np.float64) ** weighting
    index = {s: i for i, s in enumerate(dict.fromkeys(sources))}
    folds = np.array([index[s] for s in sources])
    scores = head.cross_validated(labels, x, y, w, groups, head.FOLDS, penalties, sources=folds)
    centre = np.unique(groups, return_index=True)[1]
    truth = [y[centre] == k for k in range(len(labels))]

    def loss(penalty):
        return sum(head.log_loss(t, scores[penalty][centre, k], head.balanced_weights(t)) for k, t in enumerate(truth))

    penalty = min(penalties, key=loss)
    fitted = head._fit(labels, x, y, w, penalty)
    starts = np.r_[0, np.cumsum(d["test_n"])[:-1]]
    held = d["test_x"][:, columns]
    report = measures.report(labels, d["test_y"], fitted.scores(held[starts]), np.full(len(labels), 0.5))
    line = (f"| {name} | {penalty:g} | {report.accuracy:.3f} | " + " | ".join(f"{r:.3f}" for r in report.recall)
            + f" | {loss(penalty):.3f} |")
    tta = []
    if columns == slice(None) and weighting is None:  # test-time views: the mean features of all six
        means = np.stack([held[s:s + n].mean(0) for s, n in zip(starts, d["test_n"])])
        tta_report = measures.report(labels, d["test_y"], fitted.scores(means), np.full(len(labels), 0.5))
        tta = [f"- {name}: test-time views {tta_report.accuracy:.3f} against {report.accuracy:.3f} on centre views"]
    return line, tta


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", type=Path, help="the broad kinds set, built (else built into a temporary folder)")
    parser.add_argument("--features", type=Path, help="an .npz to keep the embeddings in (reused when it exists)")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        root = args.kinds or Path(scratch) / "kinds"
        if args.features and args.features.is_file():
            d = dict(np.load(args.features))
        else:
            if not (root / "train").is_dir():
                make_kinds_photos.build(root, Path.home() / ".cache" / "hantei-kinds")
            d = embed(root)
            if args.features:
                np.savez(args.features, **d)
    labels = list(d["labels"])
    crops = {labels.index("illust"), labels.index("photo")}  # under 100 training photos: flask train crops them
    strong = (3000.0, 1000.0, 300.0)
    rows = [
        ("as `flask train` ran it before sources counted: 4 random crops of illust and photo, penalty grid 0.1–100",
         lambda k: CROPS if k in crops else CENTRE, head.PENALTIES, {}),
        ("the same crops, grid 300–3000", lambda k: CROPS if k in crops else CENTRE, strong, {}),
        ("centre views only, grid 0.1–100", lambda k: CENTRE, head.PENALTIES, {}),
        ("as `flask train` runs it on source folders: centre views only, grid 10–10000", lambda k: CENTRE,
         head.SOURCE_PENALTIES, {}),
        ("centre views + a shrunk JPEG copy (40–70 %, quality 50–85), grid 300–3000", lambda k: SHRUNK, strong, {}),
        ("centre views, the 784 stage means alone, grid 100–3000", lambda k: CENTRE, strong + (100.0,),
         {"columns": slice(0, STAGES)}),
        ("centre views, the 1280-d embedding alone, grid 100–3000", lambda k: CENTRE, strong + (100.0,),
         {"columns": slice(STAGES, None)}),
        ("centre views, each project weighted alike within its label, grid 100–3000", lambda k: CENTRE,
         strong + (100.0,), {"weighting": 1.0}),
        ("centre views, weighted by 1/√(photos of its project), grid 100–3000", lambda k: CENTRE, strong + (100.0,),
         {"weighting": 0.5}),
        ("4 random crops of illust and photo, weighted by 1/√(photos of its project), grid 100–3000",
         lambda k: CROPS if k in crops else CENTRE, strong + (100.0,), {"weighting": 0.5}),
    ]
    shipped = measures.report(labels, d["test_y"], d["shipped"], np.full(len(labels), 0.5))
    counts = {split: len(d[f"{split}_y"]) for split in ("train", "val", "test")}
    out = ["# The kinds judge on projects it never saw", "",
           f"Broad kinds set: {counts['train']} training, {counts['val']} validation and {counts['test']} held-out "
           f"images ({len(set(d['test_source']))} held-out projects). The shipped judge: accuracy "
           f"{shipped.accuracy:.3f}, " + ", ".join(f"{label} {r:.3f}" for label, r in zip(labels, shipped.recall))
           + ".", "",
           "| training choice | penalty | held-out accuracy | " + " | ".join(labels) + " | CV loss |",
           "|---|---:|---:|" + "---:|" * len(labels) + "---:|"]
    notes = []
    for name, views, penalties, options in rows:
        line, tta = row(d, name, views, penalties, **options)
        print(line, flush=True)
        out.append(line)
        notes += tta
    out += ["", *notes, "", f"({time.perf_counter() - started:.0f} s)", ""]
    (ROOT / "bench" / "results" / "kinds-sources.md").write_text("\n".join(out), encoding="utf-8")
    print("\n".join(out))


if __name__ == "__main__":
    main()
