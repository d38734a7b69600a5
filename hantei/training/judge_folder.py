"""Write a trained judge as a folder hantei serves: model.onnx (backbone + head), judge.toml, CARD.md, figures."""

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ..vision import embedder, features
from . import doctor, figures, head
from .faces import DETECTOR as FACE_DETECTOR, MARGIN as FACE_MARGIN

BACKBONE_LICENSE = "Apache-2.0 (EfficientNet-Lite0 backbone); the head was trained on this instance"


def model_with_head(head, path):
    """The feature graph (vision/features.py) with the head appended: features -> Gemm -> Sigmoid, one session."""
    model = features.feature_model()
    weights, bias = head.folded()
    graph = model.graph
    graph.initializer.extend([numpy_helper.from_array(weights, "head_weights"),
                              numpy_helper.from_array(bias, "head_bias")])
    graph.node.extend([
        helper.make_node("Gemm", [features.OUTPUT, "head_weights", "head_bias"], ["logits"], name="head"),
        helper.make_node("Sigmoid", ["logits"], ["scores"], name="head_sigmoid"),
    ])
    batch = graph.input[0].type.tensor_type.shape.dim[0].dim_param or "batch"
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info("scores", TensorProto.FLOAT, [batch, len(head.labels)]))
    model.doc_string = f"hantei trained judge: EfficientNet-Lite0 + logistic head for {', '.join(head.labels)}"
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def _toml(value):
    """A TOML value for strings, numbers, booleans, lists and inline tables (JSON strings are TOML strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.floating, np.integer)):
        return repr(float(value)) if isinstance(value, (float, np.floating)) else str(int(value))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{ " + ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"


def _key(name):
    bare = name and all(c.isascii() and (c.isalnum() or c in "-_") for c in name)
    return name if bare else json.dumps(name, ensure_ascii=False)


def manifest(judge_id, title, description, labels, faces=False, version="1"):
    """judge.toml for a labels judge: the backbone's exact preprocessing, sigmoid scores, 0.5 as every threshold."""
    lines = [
        "# Written by `flask train`: frozen EfficientNet-Lite0 features and a logistic head in model.onnx.",
        f"id = {_toml(judge_id)}",
        f"version = {_toml(str(version))}",
        f"title = {_toml(title)}",
        f"description = {_toml(description)}",
        'kind = "labels"',
        f"license = {_toml(BACKBONE_LICENSE)}",
        "",
        "[model]",
        'path = "model.onnx"',
        f"input = {_toml(embedder.MANIFEST_INPUT)}",
        "# The sigmoid is inside the model; each label's threshold (see CARD.md) is folded into its bias,",
        "# so every label is decided at 0.5.",
        f'output = {{ activation = "none", labels = {_toml(labels)} }}',
        "",
        "[verdict]",
        "threshold = 0.5",
        "",
    ]
    if faces:  # trained on face crops (flask train --face): serve it on each face the same detector finds
        lines += ["[detect]", f"detector = {_toml(FACE_DETECTOR)}", f"margin = {FACE_MARGIN}", ""]
    return "\n".join(lines)


def file_sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _percent(value):
    return "n/a" if value is None else f"{value:.3f}"


def _splits(summary):
    given = summary["given_splits"]
    if not given:
        return f"drawn at random per label (70/15/15, seed {summary['seed']})"
    drawn = [s for s in ("val", "test") if s not in given]
    text = "given as folders: " + ", ".join(f"`{s}/`" for s in given)
    if "val" in drawn:
        text += f"; validation photos drawn at random from `train/` (15% per label, seed {summary['seed']})"
    if "test" in drawn:
        text += "; no test split"
    return text


def card(summary, test, val):
    """CARD.md: where the data came from, how it was split, and every metric on the held-out photos."""
    labels = summary["labels"]
    counts = summary["counts"]
    held = "test" if test is not None else "validation"
    report = test if test is not None else val
    out = [f"# {summary['title']['en']} ({summary['id']}) — model card", "",
           f"{summary['title']['ja']} · trained {summary['date']} by `flask train` in {summary['seconds']:.0f} s.", "",
           "## Data", "",
           f"- Folder: `{Path(summary['folder']).name}/`; fingerprint "
           "(SHA-256 of every photo's split, label, path and bytes): "
           f"`{summary['fingerprint']}`",
           f"- Splits: {_splits(summary)}",
           f"- Augmentation: {summary['augmentation']}",
           "- Faces first: " + (f"yes: each photo gives its largest face (CenterFace, margin {FACE_MARGIN})"
                                if summary.get("faces") else "no: whole photos"),
           f"- Photos skipped (unreadable): {len(summary['skipped'])}",
           f"- Version: {summary.get('version', '1')}"
           + (f"; {summary['added']['photos']} reported photos added to train from `{summary['added']['folder']}`"
              if summary.get("added") else ""), "",
           "| label | " + " | ".join(counts) + " |", "|---|" + "---:|" * len(counts)]
    for label in labels:
        out.append(f"| {label} | " + " | ".join(str(counts[split][label]) for split in counts) + " |")
    if "doctor" in summary:
        out += ["", "## Data doctor", "", *doctor.lines(summary["doctor"])]
    out += ["", "## Model", "",
            f"- Features: EfficientNet-Lite0 (ImageNet, frozen), the mean of every stage's last feature map beside "
            f"the 1280-d pooled embedding (2064 numbers), averaged over the photo and its mirror image; "
            f"224 × 224 centre crop of the short side resized to 256, `(pixel − 127) / 128`; "
            f"backbone `{summary['backbone_sha256'][:16]}…`",
            f"- Head: one logistic regression per label (one against the rest, sigmoid: a photo can match no label), "
            f"class-weighted, L2 penalty {summary['penalty']:g} chosen by {head.FOLDS}-fold cross-validation over the "
            f"train and validation photos, then fitted on both",
            ("- Thresholds, chosen on the cross-validated scores for the best F1 of each label "
             "(folded into the model: the served scores cross 0.5 there):"
             if any(t != 0.5 for t in summary["thresholds"]) else
             f"- Thresholds: 0.5 for every label (the validation split has fewer than {head.TUNE_THRESHOLDS_FROM} "
             "photos of some label: too few to tune them on):"), ""]
    out += [f"  - {label}: {t:.3f}" for label, t in zip(labels, summary["thresholds"])]
    out += ["", f"## Results on the {held} split ({int(report.confusion.sum())} photos)", "",
            f"Accuracy **{report.accuracy:.3f}** (a photo counts as right when its best label passes its threshold "
            f"and is the true one; \"no match\" is always wrong).", "",
            "| label | precision | recall | F1 | ROC AUC | photos |", "|---|---:|---:|---:|---:|---:|"]
    for k, label in enumerate(labels):
        out.append(f"| {label} | {report.precision[k]:.3f} | {report.recall[k]:.3f} | {report.f1[k]:.3f} | "
                   f"{_percent(report.auc[k])} | {report.support[k]} |")
    macro = report.macro
    out += [f"| **macro** | {macro['precision']:.3f} | {macro['recall']:.3f} | {macro['f1']:.3f} | "
            f"{_percent(macro['auc'])} | {int(report.confusion.sum())} |", "",
            "Confusion matrix (rows: true label; columns: predicted):", "",
            "| | " + " | ".join([*labels, "no match"]) + " |", "|---|" + "---:|" * (len(labels) + 1)]
    for label, row in zip(labels, report.confusion):
        out.append(f"| **{label}** | " + " | ".join(str(int(v)) for v in row) + " |")
    out += ["", "![Confusion matrix](confusion.png)", "", "![ROC curves, one label against the rest](roc.png)", ""]
    if test is not None:
        out += [f"On the validation split (trained on, so optimistic): accuracy "
                f"{val.accuracy:.3f}, macro F1 {val.macro['f1']:.3f}.", ""]
    else:
        out += ["There was no test split: these numbers come from the validation split that also picked the "
                "thresholds, so they are optimistic. Give a test/ folder for an honest estimate.", ""]
    return "\n".join(out)


def write(folder, summary, head, test, val):
    """Write the whole judge folder beside its place under a hidden name, then move it in: a server
    reloading meanwhile sees the old judge or the new one, never half of one. Returns its path."""
    folder = Path(folder)
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    model_with_head(head, partial / "model.onnx")
    (partial / "judge.toml").write_text(
        manifest(summary["id"], summary["title"], summary["description"], summary["labels"], summary.get("faces"),
                 summary.get("version", "1")),
        encoding="utf-8")
    shown = test if test is not None else val
    figures.confusion_png(shown, partial / "confusion.png")
    figures.roc_png(shown, partial / "roc.png")
    (partial / "CARD.md").write_text(card(summary, test, val), encoding="utf-8")
    metrics = {**summary, "test": test.as_dict() if test is not None else None, "val": val.as_dict()}
    (partial / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1), encoding="utf-8")
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        folder.rename(old)
        partial.rename(folder)
        shutil.rmtree(old)
    else:
        partial.rename(folder)
    return folder
