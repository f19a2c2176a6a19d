"""The near-miss finder on constructed cases where the right pairs are known by hand."""

from __future__ import annotations

import numpy as np
import pytest

from cabinlens.engine.analysis.near_miss import find_near_misses


def _case():
    # Clips of session A (class 0): 0-90 right, 90-180 wrong (taken for 1), 1000-1090 right (far).
    # Session B (class 0): 0-90 right, with features almost equal to the wrong clip's.
    # Class 1 clips are all right, so they never form a pair.
    files = ["A", "A", "A", "B", "A", "B"]
    starts = [0, 90, 1000, 0, 300, 500]
    ends = [90, 180, 1090, 90, 390, 590]
    labels = [0, 0, 0, 0, 1, 1]
    predicted = [0, 1, 0, 0, 1, 1]
    features = np.array([[1, 0, 0], [0, 1, 0], [0.9, 0.1, 0], [0.05, 1, 0], [0, 0, 1], [0, 0.1, 1]], dtype=np.float32)
    return files, starts, ends, labels, predicted, features


def test_neighbour_in_time_first_then_embedding_neighbour():
    pairs = find_near_misses(*_case(), max_gap=300, nearest=1)
    assert [(p.correct, p.wrong) for p in pairs] == [(0, 1), (3, 1)]
    assert pairs[0].gap == 0 and pairs[0].close_in_time and pairs[0].label == 0 and pairs[0].predicted == 1
    assert pairs[1].gap is None and pairs[1].how() == "neighbours in embedding"
    assert pairs[1].distance == pytest.approx(1 - 1 / np.sqrt(1 + 0.05**2), abs=1e-6)


def test_far_clip_in_the_same_session_is_not_close_in_time():
    files, starts, ends, labels, predicted, features = _case()
    pairs = find_near_misses(files, starts, ends, labels, predicted, None, max_gap=300)
    assert [(p.correct, p.wrong) for p in pairs] == [(0, 1)]  # 1000-1090 is 820 frames away
    assert np.isnan(pairs[0].distance)
    wide = find_near_misses(files, starts, ends, labels, predicted, None, max_gap=1000)
    assert [(p.correct, p.wrong, p.gap) for p in wide] == [(0, 1, 0), (2, 1, 820)]


def test_involving_keeps_pairs_touching_the_selection_and_per_wrong_limits():
    case = _case()
    assert [(p.correct, p.wrong) for p in find_near_misses(*case, nearest=1, involving={3})] == [(3, 1)]
    assert find_near_misses(*case, involving={4, 5}) == []
    assert len(find_near_misses(*case, max_gap=5000, nearest=3, per_wrong=2)) == 2


def test_brute_force_agrees_on_random_data():
    rng = np.random.default_rng(1)
    n = 60
    files = rng.choice(["a", "b", "c"], n).tolist()
    starts = rng.integers(0, 3000, n)
    ends = starts + rng.integers(10, 120, n)
    labels = rng.integers(0, 4, n)
    predicted = np.where(rng.random(n) < 0.7, labels, rng.integers(0, 4, n))
    features = rng.normal(size=(n, 8)).astype(np.float32)
    pairs = find_near_misses(files, starts, ends, labels, predicted, features, max_gap=400, nearest=2, per_wrong=50)
    unit = features / np.linalg.norm(features, axis=1, keepdims=True)
    expected = set()
    for w in range(n):
        if predicted[w] == labels[w]:
            continue
        partners = [p for p in range(n) if labels[p] == labels[w] and predicted[p] == labels[p]]
        dist = {p: 1 - unit[p] @ unit[w] for p in partners}
        for p in partners:
            gap = max(0, max(starts[p], starts[w]) - min(ends[p], ends[w]))
            if files[p] == files[w] and gap <= 400:
                expected.add((p, w))
        expected |= {(p, w) for p in sorted(partners, key=dist.get)[:2]}
    assert {(p.correct, p.wrong) for p in pairs} == expected
    keys = [(not (p.gap is not None and p.gap <= 400), p.gap if p.gap is not None and p.gap <= 400 else 0, p.distance)
            for p in pairs]
    assert keys == sorted(keys)
    for p in pairs:
        assert labels[p.correct] == labels[p.wrong] == p.label
        assert predicted[p.correct] == labels[p.correct] and predicted[p.wrong] != labels[p.wrong]


def test_mismatched_inputs_are_refused():
    files, starts, ends, labels, predicted, features = _case()
    with pytest.raises(ValueError, match="one entry per clip"):
        find_near_misses(files[:-1], starts, ends, labels, predicted)
    with pytest.raises(ValueError, match="features have 2 rows"):
        find_near_misses(files, starts, ends, labels, predicted, features[:2])
