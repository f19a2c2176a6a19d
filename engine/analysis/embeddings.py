"""What the network learned: t-SNE of clip embeddings and Ward clustering of class centroids.

Both are computed once per run and kept in the store's cache, keyed by the number of samples
they saw (a run still being analysed gets a fresh one later) and the seed.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from scipy.cluster.hierarchy import linkage

from cabinlens.engine.analysis.store import RunResults, Store
from cabinlens.engine.compute import COMPUTE


def tsne(features: np.ndarray, seed: int = 0) -> np.ndarray:
    """(N, D) -> (N, 2): PCA to 50 dimensions first (as is standard), then t-SNE with a fixed seed."""
    from sklearn.decomposition import PCA  # here: the window's process never loads scikit-learn's OpenMP
    from sklearn.manifold import TSNE

    x = np.asarray(features, dtype=np.float32)
    n = x.shape[0]
    if n < 4:
        raise ValueError(f"t-SNE needs at least 4 samples, got {n}")
    dims = min(50, x.shape[1], n)
    perplexity = float(min(30.0, (n - 1) / 3))
    with COMPUTE:  # scikit-learn's OpenMP never runs beside torch's (see engine.compute)
        if x.shape[1] > dims:
            x = PCA(n_components=dims, random_state=seed).fit_transform(x)
        return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(x).astype(np.float32)


def class_centroids(features: np.ndarray, labels: np.ndarray, classes: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    """Mean embedding of each class that has samples, and those classes' names."""
    present = [i for i in range(len(classes)) if np.any(labels == i)]
    centroids = np.stack([features[labels == i].astype(np.float64).mean(0) for i in present]) if present else np.zeros((0, features.shape[1]))
    return centroids, [classes[i] for i in present]


def ward(features: np.ndarray, labels: np.ndarray, classes: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    """SciPy Ward linkage of the class centroids: (k-1, 4) matrix and the k class names."""
    centroids, names = class_centroids(features, labels, classes)
    if len(names) < 2:
        raise ValueError("Ward clustering needs at least two classes with samples")
    with COMPUTE:
        return linkage(centroids, method="ward"), names


def _pack(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _unpack(blob: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def cached_tsne(store: Store, run_id: int, seed: int = 0,
                compute: Callable[[np.ndarray, int], np.ndarray] | None = None,
                results: RunResults | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(sample indices, (N, 2) points) of a run, computed once (by ``compute``, default ``tsne``).
    ``results``: the run's results when the caller holds them already (saves reading them again)."""
    results = results if results is not None else store.results(run_id)
    name = f"tsne:{len(results.indices)}:{seed}"
    blob = store.cache_get(run_id, name)
    if blob is None:
        points = (compute or tsne)(results.features, seed)
        store.cache_put(run_id, name, _pack(indices=results.indices, points=points))
        return results.indices, points
    data = _unpack(blob)
    return data["indices"], data["points"]


def cached_ward(store: Store, run_id: int, results: RunResults | None = None) -> tuple[np.ndarray, list[str]]:
    info = store.run(run_id)
    results = results if results is not None else store.results(run_id)
    labelled = results.labels >= 0
    name = f"ward:{len(results.indices)}"
    blob = store.cache_get(run_id, name)
    if blob is None:
        z, names = ward(results.features[labelled], results.labels[labelled], info.classes)
        store.cache_put(run_id, name, _pack(linkage=z, names=np.array(names, dtype=str)))
        return z, names
    data = _unpack(blob)
    return data["linkage"], data["names"].tolist()
