"""Write a trained judge as a folder hantei serves: model.onnx (backbone + head), judge.toml, CARD.md, figures."""

import dataclasses
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
TAGS_NO_MATCH = {"ja": "どのタグも当てはまりません", "en": "No tag fits"}


def served_head(head, tags=False):
    """The head as model.onnx holds it. A labels judge's thresholds are folded into its bias (every label is then
    decided at 0.5); a tags judge's are not: its served scores are the head's own sigmoid scores, and judge.toml's
    [verdict] thresholds, the card's and metrics.json's are the same numbers on that same scale."""
    return dataclasses.replace(head, thresholds=np.full(len(head.labels), 0.5)) if tags else head


def model_with_head(head, path, tags=False):
    """The feature graph (vision/features.py) with the head appended: features -> Gemm -> Sigmoid, one session."""
    model = features.feature_model()
    weights, bias = served_head(head, tags).folded()
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


def manifest(judge_id, title, description, labels, faces=False, version="1", thresholds=None):
    """judge.toml for a labels judge: the backbone's exact preprocessing, sigmoid scores, 0.5 as every threshold.

    With `thresholds` (one per label), judge.toml for a tags judge: each tag given over its own threshold."""
    if thresholds is not None:
        return _tags_manifest(judge_id, title, description, labels, thresholds, version)
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


def _tags_manifest(judge_id, title, description, labels, thresholds, version):
    return "\n".join([
        "# Written by `flask train --tags`: frozen EfficientNet-Lite0 features and a logistic head in model.onnx.",
        f"id = {_toml(judge_id)}",
        f"version = {_toml(str(version))}",
        f"title = {_toml(title)}",
        f"description = {_toml(description)}",
        'kind = "tags"',
        f"license = {_toml(BACKBONE_LICENSE)}",
        "",
        "[model]",
        'path = "model.onnx"',
        f"input = {_toml(embedder.MANIFEST_INPUT)}",
        "# The sigmoid is inside the model: its scores are each tag's own, and each tag is given at or above",
        "# its threshold below (chosen on the validation split, see CARD.md).",
        f'output = {{ activation = "none", labels = {_toml(labels)} }}',
        "",
        "[verdict]",
        "threshold = 0.5",
        f"thresholds = {_toml(dict(zip(labels, (float(t) for t in thresholds))))}",
        f"no_match = {_toml(TAGS_NO_MATCH)}",
        "",
    ])


def file_sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _percent(value):
    return "n/a" if value is None else f"{value:.3f}"


def _splits(summary):
    given = summary["given_splits"]
    if not given and summary.get("kind") == "tags":
        return f"drawn at random by photo, per photo's rarest tag (70/15/15, seed {summary['seed']})"
    if not given:
        return f"drawn at random per label (70/15/15, seed {summary['seed']})"
    drawn = [s for s in ("val", "test") if s not in given]
    text = "given as folders: " + ", ".join(f"`{s}/`" for s in given)
    if "val" in drawn:
        text += f"; validation photos drawn at random from `train/` (15% per label, seed {summary['seed']})"
    if "test" in drawn:
        text += "; no test split"
    return text


def _data(summary):
    """The card's title and data section, down to the counts table and the data doctor."""
    labels = summary["labels"]
    counts = summary["counts"]
    tags = summary.get("kind") == "tags"
    out = [f"# {summary['title']['en']} ({summary['id']}) — model card", "",
           f"{summary['title']['ja']} · trained {summary['date']} by `flask train"
           + (" --tags" if tags else "") + f"` in {summary['seconds']:.0f} s.", "",
           "## Data", "",
           f"- Folder: `{Path(summary['folder']).name}/`"
           + (f", tags from `{Path(summary['tags_csv']).name}`" if summary.get("tags_csv") else "")
           + "; fingerprint "
           f"(SHA-256 of every photo's split, {'tags' if tags else 'label'}, path and bytes): "
           f"`{summary['fingerprint']}`",
           f"- Splits: {_splits(summary)}",
           f"- Augmentation: {summary['augmentation']}",
           "- Faces first: " + (f"yes: each photo gives its largest face (CenterFace, margin {FACE_MARGIN})"
                                if summary.get("faces") else "no: whole photos"),
           f"- Photos skipped (unreadable): {len(summary['skipped'])}",
           f"- Version: {summary.get('version', '1')}"
           + (f"; {summary['added']['photos']} reported photos added to train from `{summary['added']['folder']}`"
              if summary.get("added") else ""), "",
           f"| {'tag (photos carrying it)' if tags else 'label'} | " + " | ".join(counts) + " |",
           "|---|" + "---:|" * len(counts)]
    for label in labels:
        out.append(f"| {label} | " + " | ".join(str(counts[split][label]) for split in counts) + " |")
    if tags:
        out.append("| **photos** | " + " | ".join(str(summary["photos"][split]) for split in counts) + " |")
    if "doctor" in summary:
        out += ["", "## Data doctor", "", *doctor.lines(summary["doctor"])]
    return out


def _features(summary):
    return (f"- Features: EfficientNet-Lite0 (ImageNet, frozen), the mean of every stage's last feature map beside "
            f"the 1280-d pooled embedding (2064 numbers), averaged over the photo and its mirror image; "
            f"224 × 224 centre crop of the short side resized to 256, `(pixel − 127) / 128`; "
            f"backbone `{summary['backbone_sha256'][:16]}…`")


def card(summary, test, val):
    """CARD.md: where the data came from, how it was split, and every metric on the held-out photos."""
    if summary.get("kind") == "tags":
        return tags_card(summary, test, val)
    labels = summary["labels"]
    held = "test" if test is not None else "validation"
    report = test if test is not None else val
    out = _data(summary)
    out += ["", "## Model", "",
            _features(summary),
            f"- Head: one logistic regression per label (one against the rest, sigmoid: a photo can match no label), "
            f"class-weighted, L2 penalty {summary['penalty']:g} chosen by {head.FOLDS}-fold cross-validation over the "
            f"train and validation photos"
            + (f" (folds of whole sources, so that each photo is scored by a head that saw no photo of its source; "
               f"penalties {min(head.SOURCE_PENALTIES):g}–{max(head.SOURCE_PENALTIES):g})"
               if summary.get("sources") else "")
            + ", then fitted on both",
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
    out += _metric_rows(report, labels, int(report.confusion.sum()))
    out += ["", "Confusion matrix (rows: true label; columns: predicted):", "",
            "| | " + " | ".join([*labels, "no match"]) + " |", "|---|" + "---:|" * (len(labels) + 1)]
    for label, row in zip(labels, report.confusion):
        out.append(f"| **{label}** | " + " | ".join(str(int(v)) for v in row) + " |")
    out += ["", "![Confusion matrix](confusion.png)", "", "![ROC curves, one label against the rest](roc.png)", ""]
    out += _validation_note(test, "trained on", f"accuracy {val.accuracy:.3f}, macro F1 {val.macro['f1']:.3f}")
    return "\n".join(out)


def _metric_rows(report, labels, photos, thresholds=None):
    """A card's table rows: each label's precision, recall, F1, ROC AUC and photos (after its threshold, for tags),
    then the macro average."""
    rows = []
    for k, label in enumerate(labels):
        threshold = f" {thresholds[k]:.3f} |" if thresholds is not None else ""
        rows.append(f"| {label} |{threshold} {report.precision[k]:.3f} | {report.recall[k]:.3f} | "
                    f"{report.f1[k]:.3f} | {_percent(report.auc[k])} | {report.support[k]} |")
    macro = report.macro
    rows.append(f"| **macro** |{' |' if thresholds is not None else ''} {macro['precision']:.3f} | "
                f"{macro['recall']:.3f} | {macro['f1']:.3f} | {_percent(macro['auc'])} | {photos} |")
    return rows


def tags_card(summary, test, val):
    """CARD.md of a tags judge: each tag's threshold, precision, recall and F1, and whole photos' exact match."""
    labels = summary["labels"]
    held = "test" if test is not None else "validation"
    report = test if test is not None else val
    out = _data(summary)
    out += ["", "## Model", "", _features(summary),
            f"- Head: one logistic regression per tag (sigmoid: a photo gets every tag whose score reaches its "
            f"threshold, or none), class-weighted, L2 penalty {summary['penalty']:g} chosen on the validation split",
            f"- Thresholds: a tag with at least {head.TAG_THRESHOLDS_FROM} photos in the validation split gets the "
            "threshold with its best F1 there, any other 0.5. They are not folded into the model: the served scores "
            "are the head's own, and judge.toml's `[verdict] thresholds` are these numbers:", ""]
    out += [f"  - {label}: {t:.3f}" for label, t in zip(labels, summary["thresholds"])]
    out += ["", f"## Results on the {held} split ({report.photos} photos)", "",
            f"Exact match **{report.exact_match:.3f}** (a photo counts as right when it gets exactly its tags, no "
            f"more and no fewer); mean Jaccard **{report.mean_jaccard:.3f}** (per photo, tags both given and true "
            "over tags given or true).", "",
            "| tag | threshold | precision | recall | F1 | ROC AUC | photos |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    out += _metric_rows(report, labels, report.photos, report.thresholds)
    out += ["", "![ROC curves, one tag against the rest](roc.png)", ""]
    out += _validation_note(test, "used to pick the penalty and thresholds",
                            f"exact match {val.exact_match:.3f}, mean Jaccard {val.mean_jaccard:.3f}, "
                            f"macro F1 {val.macro['f1']:.3f}")
    return "\n".join(out)


def _validation_note(test, use, figures):
    """The card's last words on the validation split: its figures beside a test split's, or why there are none."""
    if test is not None:
        return [f"On the validation split ({use}, so optimistic): {figures}.", ""]
    return ["There was no test split: these numbers come from the validation split that also picked the "
            "thresholds, so they are optimistic. Give a test/ folder for an honest estimate.", ""]


def write(folder, summary, head, test, val):
    """Write the whole judge folder beside its place under a hidden name, then move it in: a server
    reloading meanwhile sees the old judge or the new one, never half of one. Returns its path."""
    folder = Path(folder)
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    tags = summary.get("kind") == "tags"
    model_with_head(head, partial / "model.onnx", tags)
    (partial / "judge.toml").write_text(
        manifest(summary["id"], summary["title"], summary["description"], summary["labels"], summary.get("faces"),
                 summary.get("version", "1"), summary["thresholds"] if tags else None),
        encoding="utf-8")
    shown = test if test is not None else val
    if not tags:  # several tags per photo: no confusion matrix of one label against another
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
