"""One-vs-rest logistic regression on frozen embeddings, in numpy: a sigmoid per label, so a photo can match none."""

from dataclasses import dataclass

import numpy as np

PENALTIES = (100.0, 10.0, 1.0, 0.1)  # L2 strengths tried, strongest first (each warm-starts the next)
# With source folders (cross-validation by whole sources) the grid reaches stronger penalties: on the broad kinds
# set's 19 held-out projects, 300 (picked from this grid) gets 0.979 and every label at 0.964 or more, where the
# grid above stops at 100 and gets 0.976 with photos at 0.932 (bench/results/kinds-sources.md).
SOURCE_PENALTIES = (10000.0, 3000.0, 1000.0, 300.0, 100.0, 30.0, 10.0)
# Thresholds are tuned (train(): on the validation split; cross_fit: on the cross-validated scores) only when
# every label has this many validation photos: on a tiny split (about 4 per label from 20-30 photos) tuned
# thresholds cost the kinds set 3 points of held-out accuracy on average over 4 seeds (0.931 against 0.958 at 0.5).
TUNE_THRESHOLDS_FROM = 20
THRESHOLD_RANGE = (0.05, 0.95)
# flask train picks the penalty by this many folds over train + val rather than on the ~4-photo validation
# split alone: 0.989 / 0.979 / 0.979 / 0.989 held-out on the kinds set with seeds 0-3, against
# 0.968 / 0.979 / 0.947 / 0.958 (bench/results/training.md).
FOLDS = 5
TAG_THRESHOLDS_FROM = 3  # tags: a tag's threshold is tuned when validation has this many photos carrying it


def positives(y, k):
    """Which rows are positives of label k: y holds label indices (labels), or multi-hot rows [n, labels] (tags)."""
    y = np.asarray(y)
    return y[:, k].astype(bool) if y.ndim == 2 else y == k


def tuned(val_y, count, tune=None):
    """Per label, whether to pick its threshold on validation. Labels: all of them when every label has
    TUNE_THRESHOLDS_FROM photos there (or as `tune` says); tags: each tag with TAG_THRESHOLDS_FROM
    positives there, the others stay at 0.5."""
    val_y = np.asarray(val_y)
    if tune is not None:
        return [bool(tune)] * count
    if val_y.ndim == 2:
        return [bool(n >= TAG_THRESHOLDS_FROM) for n in val_y.sum(axis=0)]
    return [bool(min(np.bincount(val_y, minlength=count)) >= TUNE_THRESHOLDS_FROM)] * count


def sigmoid(logits):
    return 1 / (1 + np.exp(-np.clip(logits, -60, 60)))


def balanced_weights(positive):
    """Sample weights that give the positives and the negatives of one label equal total weight."""
    positive = np.asarray(positive, dtype=bool)
    weights = np.empty(positive.size)
    for side in (True, False):
        count = (positive == side).sum()
        weights[positive == side] = positive.size / (2 * count) if count else 0
    return weights


def fit_binary(features, positive, weights, penalty, start=None, steps=50):
    """Weighted, L2-penalised logistic regression by Newton's method (IRLS); the bias is not penalised."""
    rows, dims = features.shape
    design = np.hstack([features, np.ones((rows, 1))])
    ridge = np.full(dims + 1, penalty)
    ridge[-1] = 0.0
    beta = np.zeros(dims + 1) if start is None else np.r_[start[0], start[1]]
    target = np.asarray(positive, dtype=np.float64)
    for _ in range(steps):
        p = sigmoid(design @ beta)
        gradient = design.T @ (weights * (p - target)) + ridge * beta
        hessian = (design * (weights * p * (1 - p))[:, None]).T @ design + np.diag(ridge + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-7 * (1 + np.abs(beta).max()):
            break
    return beta[:-1], beta[-1]


def log_loss(positive, p, weights):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.sum(weights * (positive * np.log(p) + (1 - positive) * np.log(1 - p))) / np.sum(weights))


def best_threshold(positive, score):
    """The threshold with the best F1 for one label on the validation split (ties: nearest 0.5), kept in 0.05..0.95."""
    positive = np.asarray(positive, dtype=bool)
    candidates = np.unique(np.r_[0.5, (np.sort(score)[1:] + np.sort(score)[:-1]) / 2])
    candidates = candidates[(candidates >= THRESHOLD_RANGE[0]) & (candidates <= THRESHOLD_RANGE[1])]
    best, best_key = 0.5, None
    for t in candidates:
        chosen = score >= t
        hits = (chosen & positive).sum()
        f1 = 2 * hits / (chosen.sum() + positive.sum()) if (chosen.sum() + positive.sum()) else 0.0
        key = (f1, -abs(t - 0.5))
        if best_key is None or key > best_key:
            best, best_key = float(t), key
    return best


@dataclass
class Head:
    """Standardisation + one logistic regression per label; logits = ((x - mean) / scale) @ weights + bias."""

    labels: list
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # [dims, labels]
    bias: np.ndarray  # [labels]
    penalty: float
    thresholds: np.ndarray  # [labels], on the sigmoid scores

    def logits(self, features):
        return ((np.asarray(features, np.float64) - self.mean) / self.scale) @ self.weights + self.bias

    def scores(self, features):
        return sigmoid(self.logits(features))

    def folded(self):
        """One Gemm (weights [dims, labels], bias [labels]) on raw embeddings whose sigmoid crosses 0.5 exactly
        where each label's own threshold was: standardisation and thresholds folded into the numbers."""
        weights = self.weights / self.scale[:, None]
        shift = np.log(self.thresholds / (1 - self.thresholds))
        bias = self.bias - self.mean @ weights - shift
        return weights.astype(np.float32), bias.astype(np.float32)


def train(labels, train_x, train_y, val_x, val_y, train_weights=None, penalties=PENALTIES, tune=None):
    """Fit the head on the training split; the validation split picks the penalty and each label's threshold.

    train_y / val_y are label indices. train_weights (optional) weigh augmented views so that
    each photo counts once. tune: pick each label's threshold on the validation split (default:
    when every label has TUNE_THRESHOLDS_FROM validation photos), else decide every label at 0.5.
    Tags: train_y / val_y are multi-hot rows [n, labels], and the default tunes each tag on its own (see tuned).
    """
    train_x, val_x = np.asarray(train_x, np.float64), np.asarray(val_x, np.float64)
    train_y, val_y = np.asarray(train_y), np.asarray(val_y)
    mean = train_x.mean(axis=0)
    scale = train_x.std(axis=0) + 1e-6
    standard_train, standard_val = (train_x - mean) / scale, (val_x - mean) / scale
    # An L2-penalised w lies in the span of the training rows: solve in that basis (exact, and far
    # smaller than 1280 dimensions when there are fewer photos than that).
    _, _, basis = np.linalg.svd(standard_train, full_matrices=False)
    reduced_train, reduced_val = standard_train @ basis.T, standard_val @ basis.T
    photo_weights = np.ones(len(train_y)) if train_weights is None else np.asarray(train_weights, np.float64)
    best, starts = None, [None] * len(labels)
    for penalty in penalties:
        fitted, loss = [], 0.0
        for k in range(len(labels)):
            positive = positives(train_y, k)
            z, b = starts[k] = fit_binary(reduced_train, positive, balanced_weights(positive) * photo_weights,
                                          penalty, start=starts[k])
            fitted.append((basis.T @ z, b))
            val_positive = positives(val_y, k)
            loss += log_loss(val_positive, sigmoid(reduced_val @ z + b), balanced_weights(val_positive))
        if best is None or loss < best[0]:
            best = (loss, penalty, fitted)
    _, penalty, fitted = best
    weights = np.stack([w for w, _ in fitted], axis=1)
    bias = np.array([b for _, b in fitted])
    val_scores = sigmoid(standard_val @ weights + bias)
    tune = tuned(val_y, len(labels), tune)
    thresholds = np.array([best_threshold(positives(val_y, k), val_scores[:, k]) if tune[k] else 0.5
                           for k in range(len(labels))])
    return Head(list(labels), mean, scale, weights, bias, penalty, thresholds)


def folds_of(groups, labels, count, seed=0):
    """A fold number per row: whole photos (all views of one `group`) dealt round-robin per label, shuffled."""
    groups, labels = np.asarray(groups), np.asarray(labels)
    rng = np.random.default_rng(seed)
    fold_of_group = {}
    for k in np.unique(labels):
        mine = np.unique(groups[labels == k])
        for position, group in enumerate(rng.permutation(mine)):
            fold_of_group[group] = position % count
    return np.array([fold_of_group[g] for g in groups])


def cross_validated(labels, x, y, weights, groups, folds=5, penalties=PENALTIES, seed=0, sources=None):
    """Out-of-fold scores [rows, labels] for each penalty, each photo scored by a head that never saw it (with
    `sources`, a source per row: each photo by a head that saw no photo of its source)."""
    fold = folds_of(groups if sources is None else sources, y, folds, seed)
    out = {penalty: np.zeros((len(y), len(labels))) for penalty in penalties}
    for f in range(folds):
        held = fold == f
        if not held.any() or held.all():
            continue
        for penalty in penalties:
            part = _fit(labels, x[~held], y[~held], weights[~held], penalty)
            out[penalty][held] = part.scores(x[held])
    return out


def cross_fit(labels, x, y, weights, groups, tune=False, folds=FOLDS, penalties=PENALTIES, sources=None):
    """The head with the best out-of-fold log-loss over `folds` folds of whole photos, refitted on every row.

    groups: the photo of each row, whose first row is its centre view; the loss (and, when `tune`, each
    label's threshold) is measured on centre views, every photo scored by a head that never saw it.
    sources (optional, one per row): folds of whole sources instead, so that the penalty is the one that
    generalises to sources the head never saw."""
    scores = cross_validated(labels, x, y, weights, groups, folds, penalties, sources=sources)
    centre = np.unique(groups, return_index=True)[1]
    truth = [y[centre] == k for k in range(len(labels))]

    def loss(penalty):
        return sum(log_loss(t, scores[penalty][centre, k], balanced_weights(t)) for k, t in enumerate(truth))

    fitted = _fit(labels, x, y, weights, min(penalties, key=loss))
    if tune:
        chosen = scores[fitted.penalty][centre]
        fitted.thresholds = np.array([best_threshold(t, chosen[:, k]) for k, t in enumerate(truth)])
    return fitted


def fit_splits(labels, splits, tune=False):
    """cross_fit on embedded splits pooled (each with features, labels, weights, items, photos() and sources):
    folds of whole sources, over SOURCE_PENALTIES, when any photo names its source, else of whole photos."""
    offsets = np.cumsum([0] + [len(split.items) for split in splits[:-1]])
    photos = np.concatenate([split.photos() + offset for split, offset in zip(splits, offsets)])
    named = [source for split in splits for source in (split.sources or [None] * len(split.items))]
    sources = None
    if any(named):  # a photo without a source is a source of its own
        keys = [source if source else f"\0photo {n}" for n, source in enumerate(named)]
        index = {key: i for i, key in enumerate(dict.fromkeys(keys))}
        sources = np.array([index[keys[photo]] for photo in photos])
    return cross_fit(labels, np.concatenate([split.features for split in splits]),
                     np.concatenate([split.labels for split in splits]),
                     np.concatenate([split.weights for split in splits]), photos, tune,
                     penalties=PENALTIES if sources is None else SOURCE_PENALTIES, sources=sources)


def _fit(labels, x, y, weights, penalty):
    """A head with one penalty and 0.5 thresholds, fitted on all rows."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    standard = (x - mean) / scale
    _, _, basis = np.linalg.svd(standard, full_matrices=False)
    reduced = standard @ basis.T
    fitted = [fit_binary(reduced, y == k, balanced_weights(y == k) * weights, penalty) for k in range(len(labels))]
    weights_ = np.stack([basis.T @ z for z, _ in fitted], axis=1)
    return Head(list(labels), mean, scale, weights_, np.array([b for _, b in fitted]), penalty,
                np.full(len(labels), 0.5))

