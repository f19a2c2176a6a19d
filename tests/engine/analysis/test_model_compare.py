"""Two runs on the same clips: per-class recall against scikit-learn, McNemar against a hand count."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest
from sklearn.metrics import f1_score, recall_score

from cabinlens.engine.analysis.model_compare import comparable, compare_runs
from cabinlens.engine.analysis.store import RunInfo, RunResults

CLASSES = tuple(f"class_{k}" for k in range(6))
COUNTS = {c: 100 - 10 * k for k, c in enumerate(CLASSES)}


def _run(run_id: int, name: str, params: dict | None = None, classes=CLASSES) -> RunInfo:
    return RunInfo(id=run_id, key=str(run_id), name=name, kind="split", model=name, arch="x", checkpoint_sha256=name,
                   dataset_hash="d", annotation_hash="a", spec={}, cam_mode="clip", cam_layer="l",
                   classes=classes, train_counts=COUNTS, params=params or {"subset": "test", "split": 0},
                   total=300, created=0.0, finished=1.0)


def _results(indices: np.ndarray, labels: np.ndarray, logits: np.ndarray) -> RunResults:
    return RunResults(indices, logits.astype(np.float32), np.zeros((len(indices), 2), np.float16), labels,
                      np.zeros(len(indices)))


def _mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar by hand: twice the smaller binomial tail at p = 1/2, at most 1."""
    n = b + c
    tail = sum(comb(n, k) for k in range(min(b, c) + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def test_both_runs_are_evaluated_on_the_shared_labelled_clips_only():
    rng = np.random.default_rng(3)
    n = 300
    labels = rng.integers(0, len(CLASSES), n)
    labels[::17] = -1  # unlabelled windows never count
    logits_a = rng.normal(size=(n, len(CLASSES)))
    logits_a[np.arange(n), np.maximum(labels, 0)] += 1.5  # A is the better model
    logits_b = rng.normal(size=(n, len(CLASSES)))
    logits_b[np.arange(n), np.maximum(labels, 0)] += 0.8
    everything = np.arange(n)
    theirs_done = np.sort(rng.choice(n, 220, replace=False))  # the other run stopped part-way
    mine, theirs = _run(1, "a"), _run(2, "b")
    result = compare_runs(mine, theirs, _results(everything, labels, logits_a),
                          _results(theirs_done, labels[theirs_done], logits_b[theirs_done]))

    shared = theirs_done[labels[theirs_done] >= 0]
    assert result.shared == len(shared) and result.mine_metrics.n_samples == result.theirs_metrics.n_samples == len(shared)
    y = labels[shared]
    pred_a, pred_b = logits_a[shared].argmax(1), logits_b[shared].argmax(1)
    ks = list(range(len(CLASSES)))
    want_recall = zip(recall_score(y, pred_a, labels=ks, average=None), recall_score(y, pred_b, labels=ks, average=None))
    want_f1 = zip(f1_score(y, pred_a, labels=ks, average=None, zero_division=0),
                  f1_score(y, pred_b, labels=ks, average=None, zero_division=0))
    for delta, recalls, f1s in zip(result.classes(), want_recall, want_f1, strict=True):
        assert delta.recall == pytest.approx(recalls) and delta.f1 == pytest.approx(f1s)
        assert delta.recall_delta == pytest.approx(recalls[0] - recalls[1])
    right_a, right_b = pred_a == y, pred_b == y
    assert (result.only_mine, result.only_theirs) == ((right_a & ~right_b).sum(), (right_b & ~right_a).sum())
    assert set(result.only_mine_clips) == set(shared[right_a & ~right_b].tolist())
    assert set(result.only_theirs_clips) == set(shared[right_b & ~right_a].tolist())
    assert result.only_mine > result.only_theirs
    assert result.p_value == pytest.approx(_mcnemar_exact(result.only_mine, result.only_theirs), rel=1e-9)
    better, worse, same = result.tally()
    assert better + worse + same == len(CLASSES)
    assert better == sum(r[0] > r[1] for r in zip(recall_score(y, pred_a, labels=ks, average=None),
                                                  recall_score(y, pred_b, labels=ks, average=None)))
    assert f"on {len(shared)} shared clips" in result.summary() and "McNemar p" in result.summary()


def test_a_class_without_shared_clips_is_none_and_no_discordant_clip_has_no_p_value():
    labels = np.array([0, 0, 1, 1])
    logits = np.eye(len(CLASSES))[labels] * 5.0  # both models right everywhere
    result = compare_runs(_run(1, "a"), _run(2, "b"), _results(np.arange(4), labels, logits),
                          _results(np.arange(4), labels, logits))
    absent = next(d for d in result.classes() if d.name == "class_5")
    assert absent.recall == (None, None) and absent.recall_delta is None
    assert result.p_value is None and "no clip right for one model only" in result.summary()
    assert result.tally() == (0, 0, 2)


def test_runs_over_other_clips_or_classes_are_not_compared():
    a = _run(1, "a")
    assert comparable(a, _run(2, "b"))
    assert not comparable(a, _run(1, "a"))
    assert not comparable(a, _run(2, "a"))  # the same weights again predict the same
    assert not comparable(a, _run(2, "b", params={"subset": "val", "split": 0}))
    assert not comparable(a, _run(2, "b", classes=CLASSES[::-1]))
    empty = _results(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, len(CLASSES))))
    with pytest.raises(ValueError, match="not over the same clips"):
        compare_runs(a, _run(2, "b", params={"subset": "val"}), empty, empty)
