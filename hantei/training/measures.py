"""Model-card metrics in numpy: confusion matrix, accuracy, precision/recall/F1 per label and macro, ROC and its AUC."""

from dataclasses import dataclass

import numpy as np

NO_MATCH = -1  # a prediction of no label at all (every sigmoid score under its threshold)


def decide(scores, thresholds):
    """Each photo's predicted label: the best label among those passing their threshold, else NO_MATCH."""
    scores = np.asarray(scores, dtype=np.float64)
    margin = scores - np.asarray(thresholds, dtype=np.float64)
    best = np.argmax(np.where(margin >= 0, scores, -np.inf), axis=1)
    return np.where((margin >= 0).any(axis=1), best, NO_MATCH)


def confusion(truth, predicted, count):
    """Rows: true label; columns: predicted label, then a last column for "no match"."""
    matrix = np.zeros((count, count + 1), dtype=np.int64)
    columns = np.where(np.asarray(predicted) == NO_MATCH, count, predicted)
    np.add.at(matrix, (np.asarray(truth), columns), 1)
    return matrix


def roc_curve(positive, score):
    """False and true positive rates at every distinct score (highest first), and the thresholds, as sklearn does."""
    positive = np.asarray(positive, dtype=bool)
    score = np.asarray(score, dtype=np.float64)
    order = np.argsort(-score, kind="mergesort")
    score, positive = score[order], positive[order]
    last_of_each = np.r_[np.flatnonzero(np.diff(score)), score.size - 1]
    tps = np.cumsum(positive)[last_of_each]
    fps = (last_of_each + 1) - tps
    tpr = np.r_[0, tps] / max(positive.sum(), 1)
    fpr = np.r_[0, fps] / max((~positive).sum(), 1)
    return fpr, tpr, np.r_[np.inf, score[last_of_each]]


def roc_auc(positive, score):
    """Area under the ROC curve (trapezoids); None when the photos are all of one kind."""
    positive = np.asarray(positive, dtype=bool)
    if positive.all() or not positive.any():
        return None
    fpr, tpr, _ = roc_curve(positive, score)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def _ratio(top, bottom):
    return float(top / bottom) if bottom else 0.0


@dataclass
class Report:
    """Every number of a model card for one split."""

    labels: list
    confusion: np.ndarray
    accuracy: float
    precision: list
    recall: list
    f1: list
    support: list
    auc: list
    macro: dict
    roc: list  # per label: (fpr, tpr)

    def as_dict(self):
        """JSON-ready numbers (ROC curves left out: they go in the PNG)."""
        per_label = {
            label: {"precision": p, "recall": r, "f1": f, "support": s, "auc": a}
            for label, p, r, f, s, a in zip(self.labels, self.precision, self.recall, self.f1, self.support, self.auc)
        }
        return {"accuracy": self.accuracy, "macro": self.macro, "labels": per_label,
                "confusion": self.confusion.tolist(), "columns": [*self.labels, "no match"]}


def report(labels, truth, scores, thresholds):
    """All card metrics for photos with true label indices `truth` and sigmoid `scores` [n, labels]."""
    truth = np.asarray(truth)
    scores = np.asarray(scores, dtype=np.float64)
    count = len(labels)
    predicted = decide(scores, thresholds)
    matrix = confusion(truth, predicted, count)
    hits = np.diag(matrix[:, :count]).astype(np.float64)
    predicted_as = matrix[:, :count].sum(axis=0)
    support = matrix.sum(axis=1)
    precision = [_ratio(h, p) for h, p in zip(hits, predicted_as)]
    recall = [_ratio(h, s) for h, s in zip(hits, support)]
    f1 = [_ratio(2 * p * r, p + r) for p, r in zip(precision, recall)]
    auc = [roc_auc(truth == k, scores[:, k]) for k in range(count)]
    known = [a for a in auc if a is not None]
    macro = {"precision": float(np.mean(precision)), "recall": float(np.mean(recall)), "f1": float(np.mean(f1)),
             "auc": float(np.mean(known)) if known else None}
    roc = [roc_curve(truth == k, scores[:, k])[:2] for k in range(count)]
    return Report(labels=list(labels), confusion=matrix, accuracy=_ratio(hits.sum(), truth.size),
                  precision=precision, recall=recall, f1=f1, support=support.tolist(), auc=auc, macro=macro, roc=roc)


@dataclass
class TagReport:
    """Every number of a tags judge's card for one split: each tag on its own at its threshold, and whole photos."""

    labels: list
    thresholds: list
    precision: list
    recall: list
    f1: list
    support: list  # photos carrying each tag
    auc: list
    macro: dict
    exact_match: float  # share of photos given exactly their tags, no more, no fewer
    mean_jaccard: float  # mean over photos of |given ∩ true| / |given ∪ true|
    photos: int
    roc: list  # per tag: (fpr, tpr)

    def as_dict(self):
        per_tag = {
            label: {"threshold": t, "precision": p, "recall": r, "f1": f, "support": s, "auc": a}
            for label, t, p, r, f, s, a in zip(self.labels, self.thresholds, self.precision, self.recall, self.f1,
                                               self.support, self.auc)
        }
        return {"exact_match": self.exact_match, "mean_jaccard": self.mean_jaccard, "macro": self.macro,
                "photos": self.photos, "tags": per_tag}


def tag_report(labels, truth, scores, thresholds):
    """Card metrics of a tags judge for photos with multi-hot `truth` [n, tags] and sigmoid `scores` [n, tags]:
    a tag is given when its score reaches its threshold."""
    truth = np.asarray(truth, dtype=bool).reshape(-1, len(labels))
    scores = np.asarray(scores, dtype=np.float64).reshape(-1, len(labels))
    given = scores >= np.asarray(thresholds, dtype=np.float64)
    hits = (given & truth).sum(axis=0)
    precision = [_ratio(h, p) for h, p in zip(hits, given.sum(axis=0))]
    recall = [_ratio(h, s) for h, s in zip(hits, truth.sum(axis=0))]
    f1 = [_ratio(2 * p * r, p + r) for p, r in zip(precision, recall)]
    auc = [roc_auc(truth[:, k], scores[:, k]) for k in range(len(labels))]
    known = [a for a in auc if a is not None]
    macro = {"precision": float(np.mean(precision)), "recall": float(np.mean(recall)), "f1": float(np.mean(f1)),
             "auc": float(np.mean(known)) if known else None}
    union = (given | truth).sum(axis=1)
    jaccard = np.where(union > 0, (given & truth).sum(axis=1) / np.maximum(union, 1), 1.0)
    rows = len(truth)
    return TagReport(labels=list(labels), thresholds=[float(t) for t in thresholds], precision=precision,
                     recall=recall, f1=f1, support=truth.sum(axis=0).tolist(), auc=auc, macro=macro,
                     exact_match=_ratio((given == truth).all(axis=1).sum(), rows),
                     mean_jaccard=float(jaccard.mean()) if rows else 0.0, photos=rows,
                     roc=[roc_curve(truth[:, k], scores[:, k])[:2] for k in range(len(labels))])
