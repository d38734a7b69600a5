"""The model-card metrics and the logistic head agree with scikit-learn on fixed inputs."""

import numpy as np
import pytest
from sklearn import metrics
from sklearn.linear_model import LogisticRegression

from hantei.training import head, measures


@pytest.fixture
def judged():
    """Fixed scores for 200 photos of 4 labels: informative but imperfect, with ties and some "no match"."""
    rng = np.random.default_rng(7)
    truth = rng.integers(0, 4, 200)
    scores = np.round(rng.uniform(0, 0.7, (200, 4)), 2)  # rounding makes tied scores
    scores[np.arange(200), truth] += rng.uniform(0, 0.5, 200)
    thresholds = np.array([0.5, 0.4, 0.6, 0.55])
    return truth, np.clip(scores, 0, 1), thresholds


def sklearn_predictions(scores, thresholds):
    """The best label among those passing their thresholds, else 4 ("no match"), written plainly."""
    passing = scores >= thresholds
    masked = np.where(passing, scores, -1)
    return np.where(passing.any(axis=1), masked.argmax(axis=1), 4)


def test_confusion_accuracy_precision_recall_f1_equal_sklearn(judged):
    truth, scores, thresholds = judged
    report = measures.report(["a", "b", "c", "d"], truth, scores, thresholds)
    predicted = sklearn_predictions(scores, thresholds)
    assert (predicted == 4).sum() > 5  # the fixture really has "no match" photos
    assert np.array_equal(report.confusion, metrics.confusion_matrix(truth, predicted, labels=range(5))[:4])
    assert report.accuracy == pytest.approx(metrics.accuracy_score(truth, predicted))
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        truth, predicted, labels=range(4), zero_division=0)
    assert report.precision == pytest.approx(precision.tolist())
    assert report.recall == pytest.approx(recall.tolist())
    assert report.f1 == pytest.approx(f1.tolist())
    assert report.support == support.tolist()
    macro = metrics.precision_recall_fscore_support(truth, predicted, labels=range(4), average="macro", zero_division=0)
    assert [report.macro["precision"], report.macro["recall"], report.macro["f1"]] == pytest.approx(list(macro[:3]))


def test_roc_curve_and_auc_equal_sklearn_one_label_against_the_rest(judged):
    truth, scores, thresholds = judged
    report = measures.report(["a", "b", "c", "d"], truth, scores, thresholds)
    for k in range(4):
        fpr, tpr, cut = metrics.roc_curve(truth == k, scores[:, k], drop_intermediate=False)
        ours = measures.roc_curve(truth == k, scores[:, k])
        assert np.allclose(ours[0], fpr) and np.allclose(ours[1], tpr) and np.allclose(ours[2][1:], cut[1:])
        assert report.auc[k] == pytest.approx(metrics.roc_auc_score(truth == k, scores[:, k]))
    each = [metrics.roc_auc_score(truth == k, scores[:, k]) for k in range(4)]
    assert report.macro["auc"] == pytest.approx(np.mean(each))


def test_auc_is_undefined_for_a_label_no_photo_has():
    report = measures.report(["a", "b", "c"], [0, 1, 0, 1], np.full((4, 3), 0.7), [0.5] * 3)
    assert report.auc[2] is None and report.support[2] == 0 and report.precision[2] == 0.0


def test_a_photo_under_every_threshold_is_no_match():
    scores = np.array([[0.2, 0.4], [0.9, 0.6], [0.3, 0.7]])
    assert measures.decide(scores, [0.5, 0.5]).tolist() == [measures.NO_MATCH, 0, 1]
    assert measures.decide(scores, [0.95, 0.65]).tolist() == [measures.NO_MATCH, measures.NO_MATCH, 1]


@pytest.mark.parametrize("penalty", [0.1, 10.0])
def test_the_weighted_logistic_regression_equals_sklearn(penalty):
    rng = np.random.default_rng(3)
    features = rng.normal(size=(120, 30))
    positive = (features[:, :3].sum(axis=1) + rng.normal(size=120)) > 1  # unbalanced, not separable
    weights = head.balanced_weights(positive)
    ours_w, ours_b = head.fit_binary(features, positive, weights, penalty)
    theirs = LogisticRegression(C=1 / penalty, tol=1e-10, max_iter=10_000)
    theirs.fit(features, positive, sample_weight=weights)
    assert np.allclose(ours_w, theirs.coef_[0], atol=1e-5) and ours_b == pytest.approx(theirs.intercept_[0], abs=1e-5)


def test_balanced_weights_give_each_side_half_the_total():
    positive = np.array([1, 0, 0, 0, 0, 0, 0, 0], dtype=bool)
    weights = head.balanced_weights(positive)
    assert weights[positive].sum() == pytest.approx(weights[~positive].sum()) == pytest.approx(4)


def test_the_threshold_is_picked_for_the_best_f1_on_validation():
    score = np.array([0.1, 0.2, 0.3, 0.35, 0.8, 0.9])
    positive = np.array([0, 0, 0, 1, 1, 1], dtype=bool)
    assert 0.3 < head.best_threshold(positive, score) <= 0.35


def test_folded_head_decides_at_one_half_where_the_thresholds_were():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(60, 8)) + np.repeat(np.eye(3, 8) * 3, 20, axis=0)
    labels = np.repeat(np.arange(3), 20)
    fitted = head.train(["a", "b", "c"], features[::2], labels[::2], features[1::2], labels[1::2])
    fitted.thresholds = np.array([0.3, 0.5, 0.8])
    weights, bias = fitted.folded()
    served = head.sigmoid(features @ weights + bias)
    assert np.array_equal(served >= 0.5, fitted.scores(features) >= fitted.thresholds)
