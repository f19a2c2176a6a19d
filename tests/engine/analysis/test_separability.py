"""Embedding separability: silhouette against scikit-learn, k-NN against a loop over every clip."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import silhouette_score

from cabinlens.engine.analysis.separability import knn_balanced, pairwise_distances, separability


def _blobs(rng, n_classes: int, per_class, spread: float, dims: int = 16):
    centres = rng.normal(size=(n_classes, dims)) * 4
    sizes = [per_class] * n_classes if isinstance(per_class, int) else per_class
    x = np.concatenate([centres[c] + spread * rng.normal(size=(m, dims)) for c, m in enumerate(sizes)])
    y = np.concatenate([np.full(m, c) for c, m in enumerate(sizes)])
    return x.astype(np.float32), y


def _knn_by_hand(x: np.ndarray, y: np.ndarray, k: int) -> float:
    hits: dict[int, list[bool]] = {}
    for i in range(len(y)):
        dist = [(float(np.linalg.norm(x[i].astype(np.float64) - x[j])), j) for j in range(len(y)) if j != i]
        nearest = [y[j] for _, j in sorted(dist)[:k]]
        counts = {c: nearest.count(c) for c in set(nearest)}
        best = max(counts.values())
        vote = next(c for c in nearest if counts[c] == best)
        hits.setdefault(int(y[i]), []).append(vote == y[i])
    return float(np.mean([np.mean(v) for v in hits.values()]))


@pytest.mark.parametrize("spread", [0.3, 3.0, 8.0])
def test_silhouette_and_knn_match_independent_computations(spread):
    rng = np.random.default_rng(int(spread * 10))
    x, y = _blobs(rng, 6, [30, 20, 12, 7, 3, 1], spread)  # uneven classes and a singleton
    got = separability(x, y)
    assert got.clips == len(y) and got.k == 5
    assert got.silhouette == pytest.approx(silhouette_score(x.astype(np.float64), y), abs=1e-9)
    assert got.knn_balanced == pytest.approx(_knn_by_hand(x, y, 5), abs=1e-12)
    np.testing.assert_allclose(pairwise_distances(x), np.linalg.norm(x[:, None].astype(np.float64) - x[None], axis=2),
                               atol=1e-9)


def test_tighter_classes_score_higher_and_unlabelled_clips_are_left_out():
    rng = np.random.default_rng(1)
    x, y = _blobs(rng, 5, 25, 0.5)
    tight = separability(x, y)
    loose = separability(*_blobs(np.random.default_rng(1), 5, 25, 6.0))
    assert tight.silhouette > 0.5 > loose.silhouette and tight.knn_balanced == 1.0 > loose.knn_balanced
    y_some_unlabelled = y.copy()
    y_some_unlabelled[::4] = -1
    part = separability(x, y_some_unlabelled)
    keep = y_some_unlabelled >= 0
    assert part.clips == keep.sum()
    assert part.silhouette == pytest.approx(silhouette_score(x[keep].astype(np.float64), y[keep]), abs=1e-9)
    assert "silhouette" in tight.describe() and "5-NN 100%" in tight.describe()


def test_degenerate_inputs_say_n_a_and_large_inputs_are_subsampled():
    one_class = separability(np.ones((4, 3)), np.zeros(4, dtype=int))
    assert one_class.silhouette is None and one_class.knn_balanced == 1.0
    nothing = separability(np.ones((3, 3)), -np.ones(3, dtype=int))
    assert nothing.clips == 0 and nothing.silhouette is None and nothing.knn_balanced is None
    assert "n/a" in nothing.describe()
    rng = np.random.default_rng(2)
    x, y = _blobs(rng, 4, 60, 1.0)
    sub = separability(x, y, max_samples=100)
    assert sub.clips == 100 and sub == separability(x, y, max_samples=100)  # the subset is fixed
    assert knn_balanced(pairwise_distances(x[:2]), y[:2], k=5) is not None  # k shrinks to what there is
