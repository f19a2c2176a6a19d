"""The report's figures, drawn with matplotlib's object API (no pyplot, no GUI backend).

Each function returns a ``Figure``; ``save`` writes it as PNG and SVG, atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy.cluster.hierarchy import dendrogram

from cabinlens.engine.analysis.metrics import Metrics
from cabinlens.engine.io import atomic_path


def _palette(n: int) -> np.ndarray:
    from matplotlib import colormaps

    colours = np.concatenate([colormaps["tab20"](np.arange(20)), colormaps["tab20b"](np.arange(20))])
    return colours[np.arange(n) % len(colours)]


def new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def confusion(m: Metrics, title: str) -> Figure:
    n = len(m.classes)
    fig = new_figure(11, 10)
    ax = fig.add_subplot()
    image = ax.imshow(m.confusion_normalised, cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(n), m.classes, rotation=90, fontsize=6)
    ax.set_yticks(range(n), [f"{c} (absent)" if c in m.absent else c for c in m.classes], fontsize=6)
    ax.set_xlabel("predicted")
    ax.set_ylabel("ground truth")
    ax.set_title(f"{title}: confusion matrix (rows normalised)")
    fig.colorbar(image, ax=ax, shrink=0.6)
    return fig


def embedding(points: np.ndarray, labels: np.ndarray, classes: tuple[str, ...], title: str) -> Figure:
    fig = new_figure(10, 8)
    ax = fig.add_subplot()
    colours = _palette(len(classes))
    for i, name in enumerate(classes):
        mask = labels == i
        if mask.any():
            ax.scatter(points[mask, 0], points[mask, 1], s=9, color=colours[i], label=name)
    if (labels < 0).any():
        ax.scatter(points[labels < 0, 0], points[labels < 0, 1], s=6, color="0.6", label="unlabelled")
    ax.set_title(f"{title}: t-SNE of clip embeddings")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(fontsize=6, markerscale=1.5, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return fig


def embeddings_side_by_side(panels: list[tuple[str, np.ndarray, np.ndarray]], classes: tuple[str, ...],
                            title: str) -> Figure:
    """The paper's Fig. 4: one t-SNE per model of the same clips, side by side, one colour per class
    throughout. ``panels`` holds (caption, points (N, 2), labels (N,)) per model."""
    cols = min(3, len(panels))
    rows = -(-len(panels) // cols)
    fig = new_figure(4.2 * cols + 2.4, 4.2 * rows + 0.5)
    colours = _palette(len(classes))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[len(panels):]:
        ax.set_axis_off()
    shown: dict[str, object] = {}
    for ax, (caption, points, labels) in zip(axes, panels, strict=False):
        for i, name in enumerate(classes):
            mask = labels == i
            if mask.any():
                shown[name] = ax.scatter(points[mask, 0], points[mask, 1], s=6, color=colours[i])
        ax.set_title(caption, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"{title}: t-SNE of clip embeddings per model")
    fig.legend(list(shown.values()), list(shown), fontsize=6, markerscale=1.5, loc="outside right center", frameon=False)
    return fig


def ward_dendrogram(z: np.ndarray, names: list[str], title: str) -> Figure:
    fig = new_figure(8, max(4, 0.22 * len(names) + 1))
    ax = fig.add_subplot()
    dendrogram(z, labels=names, orientation="right", ax=ax, leaf_font_size=7, color_threshold=0.7 * z[:, 2].max())
    ax.set_title(f"{title}: Ward clustering of class centroids")
    ax.set_xlabel("Ward distance")
    return fig


def recall_vs_frequency(m: Metrics, title: str) -> Figure:
    fig = new_figure(9, 6)
    ax = fig.add_subplot()
    rows = [c for c in m.per_class if c.recall is not None]
    counts = np.array([max(c.train_count, 1) for c in rows], dtype=float)
    recall = np.array([c.recall for c in rows])
    colours = ["tab:blue" if c.group == "common" else "tab:orange" for c in rows]
    ax.scatter(counts, recall, s=20 + 400 * counts / counts.max(), c=colours, alpha=0.6, edgecolors="k", linewidths=0.4)
    for c, x, y in zip(rows, counts, recall, strict=True):
        ax.annotate(c.name.split(" ")[0], (x, y), fontsize=6, xytext=(3, 3), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("training samples (log)")
    ax.set_ylabel("recall")
    ax.set_title(f"{title}: recall against training frequency (blue common, orange rare)")
    return fig


def top_confusions(m: Metrics, title: str, n: int = 15) -> Figure:
    pairs = m.top_confusions(n)
    fig = new_figure(9, max(3, 0.3 * len(pairs) + 1))
    ax = fig.add_subplot()
    labels = [f"{t} → {p}" for t, p, _, _ in pairs][::-1]
    shares = [s for *_, s in pairs][::-1]
    ax.barh(range(len(pairs)), shares, color="tab:red")
    ax.set_yticks(range(len(pairs)), labels, fontsize=7)
    for k, (_, _, count, _) in enumerate(pairs[::-1]):
        ax.text(shares[k], k, f" {count}", va="center", fontsize=7)
    ax.set_xlabel("share of the true class's samples")
    ax.set_title(f"{title}: most frequent confusions")
    return fig


def save(fig: Figure, stem: Path) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg``."""
    written = []
    for ext in ("png", "svg"):
        path = stem.with_suffix(f".{ext}")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=ext)
        written.append(path)
    return written
