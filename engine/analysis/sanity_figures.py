"""Figures of the sanity checks (``engine.analysis.sanity``), drawn like the report's others."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from cabinlens.engine.analysis.figures import new_figure

COLOURS = {"cam": "tab:red", "random": "0.4", "evidence": "tab:green", "random_boxes": "tab:olive"}


def randomisation(result, title: str) -> Figure:
    """Mean Spearman and SSIM against the trained maps as blocks are randomised from the top."""
    fig = new_figure(8, 4.5)
    ax = fig.add_subplot()
    names = ["trained"] + [s.block for s in result.steps]
    x = np.arange(len(names))
    for what, colour in (("spearman", "tab:blue"), ("ssim", "tab:orange")):
        values = np.array([1.0] + [float(np.mean(getattr(s, what))) for s in result.steps])
        spread = np.array([0.0] + [float(np.std(getattr(s, what))) for s in result.steps])
        ax.plot(x, values, marker="o", color=colour, label="Spearman rank correlation" if what == "spearman" else "SSIM")
        ax.fill_between(x, values - spread, values + spread, color=colour, alpha=0.15)
    ax.axhline(0, color="0.7", linewidth=0.8)
    ax.set_xticks(x, names, rotation=60, ha="right", fontsize=7)
    ax.set_ylim(-0.3, 1.05)
    ax.set_xlabel("randomised from the output down to")
    ax.set_ylabel("similarity to the trained model's map")
    ax.set_title(f"{title}: cascading randomisation ({result.clips} clips)")
    ax.legend(fontsize=8)
    return fig


def faithfulness(result, title: str) -> Figure:
    """Mean deletion and insertion curves of each order."""
    fig = new_figure(10, 4.2)
    axes = fig.subplots(1, 2)
    for ax, kind in zip(axes, ("deletion", "insertion"), strict=True):
        curves = result.deletion if kind == "deletion" else result.insertion
        for order, c in curves.items():
            mean = np.nanmean(c, axis=0) if not np.isnan(c).all() else None
            if mean is not None:
                auc = result.mean_auc(kind, order)
                ax.plot(result.fractions, mean, marker="o", color=COLOURS.get(order), label=f"{order} (AUC {auc:.3f})")
        ax.set_xlabel("share of voxels " + ("removed" if kind == "deletion" else "put back"))
        ax.set_ylabel("probability of the class")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(kind)
        ax.legend(fontsize=8)
    fig.suptitle(f"{title}: deletion and insertion in space-time")
    return fig
