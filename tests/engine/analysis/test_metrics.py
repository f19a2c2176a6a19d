"""The paper's metrics against scikit-learn, on random and on real-shaped data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import (
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
    top_k_accuracy_score,
)

from cabinlens.engine.analysis.metrics import evaluate
from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES, DRIVEACT_MIDLEVEL_SPLIT0_TRAIN_COUNTS, common_rare_split

CLASSES = list(DRIVEACT_MIDLEVEL_CLASSES)
COUNTS = dict(DRIVEACT_MIDLEVEL_SPLIT0_TRAIN_COUNTS)


def real_shaped(seed: int, absent: str | None = "opening_backpack", accuracy: float = 0.6):
    """Labels with the real class frequencies (one class absent, like split-0 val) and noisy scores."""
    rng = np.random.default_rng(seed)
    counts = np.array([max(1, COUNTS[c] // 5) for c in CLASSES])
    if absent:
        counts[CLASSES.index(absent)] = 0
    labels = np.repeat(np.arange(len(CLASSES)), counts)
    rng.shuffle(labels)
    scores = rng.normal(size=(labels.size, len(CLASSES)))
    right = rng.random(labels.size) < accuracy
    scores[right, labels[right]] += 4  # a model that is right most of the time
    confusable = (~right) & (rng.random(labels.size) < 0.5)
    scores[confusable, (labels[confusable] + 1) % len(CLASSES)] += 5  # and confuses neighbours
    return labels, scores


def check_against_sklearn(labels, scores, classes, counts):
    m = evaluate(labels, scores, classes, counts)
    predicted = scores.argmax(1)
    present = sorted(set(labels.tolist()))
    all_idx = list(range(len(classes)))
    assert m.top1["all"] == pytest.approx(balanced_accuracy_score(labels, predicted))
    weights = 1.0 / np.bincount(labels, minlength=len(classes))[labels]
    assert m.top5["all"] == pytest.approx(top_k_accuracy_score(labels, scores, k=5, labels=all_idx, sample_weight=weights))
    recall = recall_score(labels, predicted, labels=present, average=None, zero_division=0)
    precision = precision_score(labels, predicted, labels=all_idx, average=None, zero_division=0)
    f1 = f1_score(labels, predicted, labels=present, average=None, zero_division=0)
    for k, i in enumerate(present):
        assert m.per_class[i].recall == pytest.approx(recall[k])
        assert m.per_class[i].f1 == pytest.approx(f1[k])
    for i in all_idx:
        if m.per_class[i].precision is None:
            assert (predicted == i).sum() == 0
        else:
            assert m.per_class[i].precision == pytest.approx(precision[i])
    np.testing.assert_array_equal(m.confusion, confusion_matrix(labels, predicted, labels=all_idx))
    common, rare = common_rare_split(counts, classes)
    for group, members in (("common", common), ("rare", rare)):
        idx = [classes.index(c) for c in members if classes.index(c) in present]
        assert m.top1[group] == pytest.approx(np.mean([recall[present.index(i)] for i in idx]))
    return m


def test_real_shaped_data_with_an_absent_class():
    labels, scores = real_shaped(0)
    m = check_against_sklearn(labels, scores, CLASSES, COUNTS)
    assert m.absent == ("opening_backpack",)
    absent = m.per_class[CLASSES.index("opening_backpack")]
    assert absent.support == 0 and absent.recall is None and absent.f1 is None and absent.top5_recall is None
    assert absent.confused_with is None
    assert m.common[0] == "sitting_still" and len(m.common) == len(m.rare) == 17


@pytest.mark.parametrize("seed", range(5))
def test_random_data(seed):
    rng = np.random.default_rng(seed)
    n_classes = int(rng.integers(3, 12))
    classes = [f"c{i}" for i in range(n_classes)]
    counts = {c: int(rng.integers(1, 100)) for c in classes}
    labels = rng.integers(0, n_classes, int(rng.integers(20, 300)))
    scores = rng.random((labels.size, n_classes))
    check_against_sklearn(labels, scores, classes, counts)


def test_most_common_confusion_and_its_share():
    classes = ["a", "b", "c"]
    labels = np.array([0, 0, 0, 0, 1, 1, 2])
    pred = np.array([0, 1, 2, 2, 1, 1, 0])
    scores = np.eye(3)[pred]
    m = evaluate(labels, scores, classes, {"a": 5, "b": 3, "c": 1})
    a = m.per_class[0]
    assert (a.confused_with, a.confused_share) == ("c", 0.5)
    assert m.per_class[1].confused_with is None and m.per_class[1].recall == 1.0
    assert m.top_confusions(2) == [("a", "c", 2, 0.5), ("a", "b", 1, 0.25)]
    np.testing.assert_allclose(m.confusion_normalised[0], [0.25, 0.25, 0.5])


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="scores must be"):
        evaluate([0, 1], np.zeros((2, 3)), ["a", "b"], {})
    with pytest.raises(ValueError, match="class indices"):
        evaluate([0, 5], np.zeros((2, 2)), ["a", "b"], {})


def test_without_training_frequencies_there_are_no_groups():
    m = evaluate([0, 1, 1], np.eye(3)[[0, 1, 2]], ["a", "b", "c"], {})
    assert m.top1["all"] == pytest.approx(0.75) and m.top1["common"] is None and m.top1["rare"] is None
    assert {c.group for c in m.per_class} == {"unknown"}


def test_a_model_with_more_classes_than_the_data_splits_only_the_datas_classes():
    """A 34-class model on a dataset of 6 labels: common/rare are the halves of those 6 (by their training
    counts), never of the model's 34, so the rare group has a value; the other 28 classes belong to no group."""
    used = ["drinking", "eating", "entering_car", "exiting_car", "reading_magazine", "sitting_still"]
    train = {"eating": 9, "exiting_car": 7, "reading_magazine": 5, "drinking": 3, "entering_car": 2, "sitting_still": 1}
    truth = ["eating", "eating", "exiting_car", "reading_magazine", "drinking", "entering_car", "sitting_still",
             "sitting_still"]
    guess = ["eating", "drinking", "exiting_car", "reading_magazine", "eating", "entering_car", "eating", "eating"]
    labels = np.array([CLASSES.index(c) for c in truth])
    scores = np.zeros((len(truth), len(CLASSES)))
    scores[np.arange(len(truth)), [CLASSES.index(c) for c in guess]] = 1.0
    m = evaluate(labels, scores, CLASSES, train)
    assert set(m.common) == {"eating", "exiting_car", "reading_magazine"}
    assert set(m.rare) == {"drinking", "entering_car", "sitting_still"}
    recall = {"eating": 0.5, "exiting_car": 1.0, "reading_magazine": 1.0, "drinking": 0.0, "entering_car": 1.0,
              "sitting_still": 0.0}
    assert m.top1["common"] == pytest.approx((0.5 + 1 + 1) / 3)
    assert m.top1["rare"] == pytest.approx((0 + 1 + 0) / 3)
    assert m.top1["all"] == pytest.approx(np.mean(list(recall.values())))
    groups = {r.name: r.group for r in m.per_class}
    assert all(groups[c] == "unknown" for c in CLASSES if c not in used)
