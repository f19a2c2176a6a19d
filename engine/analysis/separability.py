"""How well a model's embedding separates the classes, in numbers (the paper's Fig. 4 in words).

A t-SNE picture says "I3D's clusters look cleaner"; these two numbers say by how much, in the
embedding itself rather than in the 2-D picture (t-SNE distorts distances):

- silhouette (Rousseeuw 1987), Euclidean, over the labelled clips: near 1 for tight, far-apart
  classes, near 0 for overlapping ones; a class with one clip counts 0, as in scikit-learn;
- k-nearest-neighbour balanced accuracy, leave-one-out: each clip takes the majority class of its k
  nearest other clips (a tie goes to the tied class with the nearest clip); the mean per-class recall,
  like the paper's Eq. 3, so common classes do not dominate.

Plain NumPy on purpose: this runs on the window's worker, where scikit-learn's OpenMP must not load
(see ``app.analysis_data.tsne_elsewhere``). Above ``MAX_SAMPLES`` clips a fixed, stratified-by-chance
subset is used, which keeps the distance matrix small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

K = 5
MAX_SAMPLES = 3000  # a 3000² float64 distance matrix is 72 MB


@dataclass(frozen=True)
class Separability:
    silhouette: float | None  # None with fewer than two classes
    knn_balanced: float | None  # None with fewer than two clips
    k: int
    clips: int  # clips the numbers come from

    def describe(self) -> str:
        sil = "n/a" if self.silhouette is None else f"{self.silhouette:.2f}"
        knn = "n/a" if self.knn_balanced is None else f"{self.knn_balanced:.0%}"
        return f"silhouette {sil} · {self.k}-NN {knn}"


def pairwise_distances(x: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of ``x``, in float64 (the Gram trick, clipped at 0)."""
    x = np.asarray(x, dtype=np.float64)
    sq = np.einsum("ij,ij->i", x, x)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (x @ x.T)
    np.maximum(d2, 0.0, out=d2)
    np.fill_diagonal(d2, 0.0)
    return np.sqrt(d2)


def silhouette(d: np.ndarray, labels: np.ndarray) -> float | None:
    """Mean silhouette of every sample, from the distance matrix ``d``."""
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if not 2 <= len(classes) < len(labels):
        return None
    onehot = np.zeros((len(labels), len(classes)))
    onehot[np.arange(len(labels)), inverse] = 1.0
    sums = d @ onehot  # (N, C) summed distance to each class
    own = counts[inverse]
    a = sums[np.arange(len(labels)), inverse] / np.maximum(own - 1, 1)
    mean_to = sums / counts[None, :]
    mean_to[np.arange(len(labels)), inverse] = np.inf
    b = mean_to.min(1)
    s = np.where(own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
    return float(s.mean())


def knn_balanced(d: np.ndarray, labels: np.ndarray, k: int = K) -> float | None:
    """Leave-one-out k-NN balanced accuracy from the distance matrix ``d``."""
    n = len(labels)
    if n < 2:
        return None
    k = min(k, n - 1)
    d = d.copy()
    np.fill_diagonal(d, np.inf)
    part = np.argpartition(d, k - 1, axis=1)[:, :k]  # the k nearest, unordered
    rows = np.arange(n)[:, None]
    near = np.take_along_axis(part, np.argsort(d[rows, part], axis=1, kind="stable"), axis=1)
    votes = labels[near]  # (N, k), nearest first
    predicted = np.empty(n, dtype=labels.dtype)
    for i in range(n):
        values, counts = np.unique(votes[i], return_counts=True)
        tied = set(values[counts == counts.max()].tolist())
        predicted[i] = next(v for v in votes[i] if v in tied)  # the nearest of the tied classes
    recalls = [float(np.mean(predicted[labels == c] == c)) for c in np.unique(labels)]
    return float(np.mean(recalls))


def separability(features: np.ndarray, labels: np.ndarray, k: int = K, max_samples: int = MAX_SAMPLES,
                 seed: int = 0) -> Separability:
    """Both numbers over the labelled clips (``labels >= 0``) of an (N, D) embedding."""
    labels = np.asarray(labels)
    keep = np.nonzero(labels >= 0)[0]
    if len(keep) > max_samples:
        keep = np.sort(np.random.default_rng(seed).choice(keep, max_samples, replace=False))
    x = np.asarray(features, dtype=np.float32)[keep]
    y = labels[keep]
    if len(y) == 0:
        return Separability(None, None, k, 0)
    d = pairwise_distances(x)
    return Separability(silhouette(d, y), knn_balanced(d, y, k), min(k, max(len(y) - 1, 1)), len(y))
