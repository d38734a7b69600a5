"""Measure any judge on a folder of labelled (or tagged) photos: the same card metrics and figures as training writes.

The judge is given as a function from an upright RGB image to {label: score}, so that this
module needs no Flask and no judge registry: `flask evaluate` passes the judge's classifier.
"""

import json
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..refusals import Refused
from . import dataset, figures, measures


def photos_to_measure(root, labels, split="test"):
    """(path, label index) pairs from ROOT/<split>/<label>/ when ROOT has a <split> folder, else ROOT/<label>/."""
    root = Path(root)
    base = root / split if (root / split).is_dir() else root
    missing = [label for label in labels if not (base / label).is_dir()]
    if len(missing) == len(labels):
        raise dataset.DatasetError(f"{base} has no folder named after any label ({', '.join(labels)})")
    return [(path, k) for k, label in enumerate(labels) for path in dataset.photos_in(base / label)
            if (base / label).is_dir()]


def tagged_photos_to_measure(root, labels, split="test", csv_file=None):
    """(path, multi-hot over `labels`) pairs for a tags judge, read as training reads them (dataset.tagged_photos):
    the <split> photos when FOLDER (or the CSV) gives train/ val/ test/, else every photo."""
    items = dataset.tagged_photos(root, csv_file)
    where = csv_file or root
    unknown = sorted({tag for photos in items.values() for _, tags in photos for tag in tags} - set(labels))
    if unknown:
        raise dataset.DatasetError(f"{where} has tags the judge lacks: {', '.join(unknown)} "
                                   f"(it gives {', '.join(labels)})")
    if None not in items and split not in items:
        raise dataset.DatasetError(f"{where} has no {split} photos (its splits: {', '.join(items)}); "
                                   "pick one with --split")
    return [(path, dataset.multi_hot(tags, labels)) for path, tags in items[None if None in items else split]]


def listed_photos(root, judge_folder, labels):
    """The exact test photos a trained judge's metrics.json lists, as (path, label index) pairs under ROOT."""
    listed = json.loads((Path(judge_folder) / "metrics.json").read_text(encoding="utf-8"))["test_photos"]
    pairs = []
    for relative in listed:
        label = Path(relative).parent.name
        pairs.append((Path(root) / relative, labels.index(label)))
    return pairs


def score_judge_labels(classify):
    """Turn a one-score judge (folders 0/ and 1/) into two labels, "0" scored 1 - s and "1" scored s."""
    def two(image):
        (score,) = classify(image).values()
        return {"0": 1 - score, "1": score}
    return two


def scorer(judge, threshold=0.5):
    """What to measure a judge by: (labels, classify, thresholds), unrounded scores wherever the judge has them.

    A tags judge is measured on its tags with each tag's threshold; a judge with its own classifier and no
    detector on its labels; any other judge of
    kind "score" (one number per photo, e.g. the default NudeNet judge) on folders 0/ and 1/; a
    labels judge that finds faces first by the scores of its headline face.
    """
    classifier = getattr(judge, "classifier", None)
    if judge.kind == "tags":  # each tag at the judge's own threshold, as verdicts.tags gives them
        spec = judge.spec
        thresholds = [spec.thresholds.get(label, spec.threshold) for label in judge.labels]
        if classifier is not None and getattr(judge, "detector", None) is None:
            return list(judge.labels), classifier.classify, thresholds
        return list(judge.labels), lambda image: {e["label"]: e["score"] for e in judge.judge(image).labels}, \
            thresholds
    if classifier is not None and getattr(judge, "detector", None) is None and judge.kind == "labels":
        return list(judge.labels), classifier.classify, None
    if judge.kind == "score":
        one = score_judge_labels(lambda image: {judge.id: judge.judge(image).score})
        return ["0", "1"], one, [1 - threshold, threshold]
    return list(judge.labels), lambda image: {e["label"]: e["score"] for e in judge.judge(image).labels}, None


def scored(pairs, labels, classify, progress=True):
    """Score every readable photo with `classify`: (targets, scores [n, labels], the photos that could not be read)."""
    truth, scores, skipped = [], [], []
    for path, k in tqdm(pairs, desc="judging photos", unit="photo", disable=not progress):
        try:
            image = dataset.load(path)
        except Refused as rejected:
            skipped.append(f"{path}: {rejected.code}")
            continue
        result = classify(image)
        truth.append(k)
        scores.append([result[label] for label in labels])
    return truth, np.array(scores, dtype=np.float64).reshape(-1, len(labels)), skipped


def evaluate(pairs, labels, classify, thresholds=None, out=None, progress=True):
    """Score every photo with `classify`, then compute the card metrics; write confusion.png and roc.png to `out`.

    thresholds: one per label (default 0.5 each, as trained judges and sigmoid judges decide).
    Returns the measures.Report and the list of photos that could not be read.
    """
    thresholds = np.full(len(labels), 0.5) if thresholds is None else np.asarray(thresholds, np.float64)
    truth, scores, skipped = scored(pairs, labels, classify, progress)
    report = measures.report(labels, np.array(truth, dtype=np.int64), scores, thresholds)
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        figures.confusion_png(report, Path(out) / "confusion.png")
        figures.roc_png(report, Path(out) / "roc.png")
    return report, skipped


def evaluate_tags(pairs, labels, classify, thresholds, out=None, progress=True):
    """A tags judge's card metrics (measures.tag_report) for (path, multi-hot) pairs, each tag at its threshold;
    writes roc.png to `out` (no confusion matrix: a photo may carry several tags). Returns the report and skips."""
    truth, scores, skipped = scored(pairs, labels, classify, progress)
    report = measures.tag_report(labels, np.array(truth, dtype=np.int64).reshape(-1, len(labels)), scores,
                                 thresholds)
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        figures.roc_png(report, Path(out) / "roc.png")
    return report, skipped


def _cells(report, k):
    auc = "n/a" if report.auc[k] is None else f"{report.auc[k]:.4f}"
    return f"{report.precision[k]:>10.4f}{report.recall[k]:>10.4f}{report.f1[k]:>10.4f}{auc:>10}{report.support[k]:>8}"


def _macro(report):
    macro = report.macro
    auc = "n/a" if macro["auc"] is None else f"{macro['auc']:.4f}"
    return f"{macro['precision']:>10.4f}{macro['recall']:>10.4f}{macro['f1']:>10.4f}{auc:>10}"


def text(report):
    """The metrics as plain text for a terminal: accuracy, a row per label and macro, the confusion matrix."""
    width = max(12, *(len(label) + 2 for label in report.labels))
    lines = [f"photos {int(report.confusion.sum())}   accuracy {report.accuracy:.4f}", "",
             f"{'label':<{width}}{'precision':>10}{'recall':>10}{'F1':>10}{'ROC AUC':>10}{'photos':>8}"]
    lines += [f"{label:<{width}}{_cells(report, k)}" for k, label in enumerate(report.labels)]
    lines += [f"{'macro':<{width}}{_macro(report)}", "", "confusion (rows: true; columns: predicted, then no match)"]
    for label, row in zip(report.labels, report.confusion):
        lines.append(f"{label:<{width}}" + "".join(f"{int(v):>8}" for v in row))
    return "\n".join(lines)


def tag_text(report):
    """A tags judge's metrics (measures.TagReport) as plain text: a row per tag with its threshold (photos: those
    carrying the tag), macro, then the whole photos' exact match and mean Jaccard."""
    width = max(12, *(len(label) + 2 for label in report.labels))
    lines = [f"photos {report.photos}   exact match {report.exact_match:.4f}   mean Jaccard {report.mean_jaccard:.4f}",
             "", f"{'tag':<{width}}{'threshold':>10}{'precision':>10}{'recall':>10}{'F1':>10}{'ROC AUC':>10}"
             f"{'photos':>8}"]
    lines += [f"{label:<{width}}{report.thresholds[k]:>10.4f}{_cells(report, k)}"
              for k, label in enumerate(report.labels)]
    lines.append(f"{'macro':<{width}}{'':>10}{_macro(report)}")
    return "\n".join(lines)
