"""The paper's metrics (Eq. 3, Tables I and II, Fig. 6) from labels and scores.

Balanced top-k accuracy is the mean over classes of per-class top-k recall, over the classes that
have samples in the evaluated subset; classes without samples are listed in ``absent`` and carry
``None`` where a number would be meaningless, never a silent 0 or NaN. Common and rare are the
top and bottom half of the classes by training frequency (``common_rare_split``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from cabinlens.engine.data.vocabulary import common_rare_split


@dataclass(frozen=True)
class ClassReport:
    name: str
    group: str  # "common", "rare", or "unknown" without training frequencies
    train_count: int
    support: int  # samples of this class in the evaluated subset
    predicted: int  # samples predicted as this class
    precision: float | None  # None when the class was never predicted
    recall: float | None  # None when the class has no samples (absent)
    f1: float | None
    top5_recall: float | None
    confused_with: str | None  # the most common wrong prediction for this class
    confused_share: float | None  # its share of this class's samples

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Metrics:
    classes: tuple[str, ...]
    n_samples: int
    top1: dict[str, float | None]  # "all", "common", "rare" -> balanced top-1 accuracy
    top5: dict[str, float | None]
    per_class: tuple[ClassReport, ...]
    confusion: np.ndarray  # (C, C) counts, rows = ground truth, columns = prediction
    absent: tuple[str, ...]
    common: tuple[str, ...]
    rare: tuple[str, ...]

    @property
    def confusion_normalised(self) -> np.ndarray:
        """Rows divided by their support; rows of absent classes stay 0."""
        rows = self.confusion.sum(1, keepdims=True)
        return np.divide(self.confusion, rows, out=np.zeros(self.confusion.shape), where=rows > 0)

    def top_confusions(self, n: int = 10) -> list[tuple[str, str, int, float]]:
        """(true, predicted, count, share of the true class) of the largest off-diagonal cells."""
        off = self.confusion.copy()
        np.fill_diagonal(off, 0)
        order = np.argsort(-off, axis=None, kind="stable")[:n]
        out = []
        for flat in order:
            t, p = divmod(int(flat), len(self.classes))
            if off[t, p] == 0:
                break
            out.append((self.classes[t], self.classes[p], int(off[t, p]), float(off[t, p] / self.confusion[t].sum())))
        return out

    def to_dict(self) -> dict:
        return {
            "classes": list(self.classes), "n_samples": self.n_samples, "top1": self.top1, "top5": self.top5,
            "per_class": [c.to_dict() for c in self.per_class], "absent": list(self.absent),
            "common": list(self.common), "rare": list(self.rare), "confusion": self.confusion.tolist(),
            "top_confusions": [list(c) for c in self.top_confusions()],
        }


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64 (scores for tables and confidences for the player)."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def evaluate(
    labels: Sequence[int] | np.ndarray,
    scores: np.ndarray,
    classes: Sequence[str],
    train_counts: Mapping[str, int],
    k: int = 5,
) -> Metrics:
    """Metrics of predictions ``scores`` (N, C) against ``labels`` (N,) class indices."""
    labels = np.asarray(labels, dtype=np.int64)
    scores = np.asarray(scores)
    n_classes = len(classes)
    if scores.ndim != 2 or scores.shape != (labels.shape[0], n_classes):
        raise ValueError(f"scores must be (N, {n_classes}) for N = {labels.shape[0]} labels, got {scores.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError("labels must be class indices in 0..C-1")
    predicted = scores.argmax(1) if labels.size else np.zeros(0, dtype=np.int64)
    topk = np.argsort(-scores, axis=1, kind="stable")[:, : min(k, n_classes)]
    hit_k = (topk == labels[:, None]).any(1)
    confusion = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    if any(train_counts.get(c, 0) for c in classes):
        # The dataset's classes: trained, or evaluated here. A model's other classes belong to no group.
        support = confusion.sum(1)
        in_data = [c for i, c in enumerate(classes) if train_counts.get(c, 0) > 0 or support[i] > 0]
        common, rare = common_rare_split(train_counts, in_data)
    else:  # no training frequencies (e.g. a session sweep): no common/rare groups, said as n/a
        common, rare = [], []
    group_of = {c: "common" for c in common} | {c: "rare" for c in rare}

    reports = []
    for i, name in enumerate(classes):
        support = int(confusion[i].sum())
        n_pred = int(confusion[:, i].sum())
        tp = int(confusion[i, i])
        precision = tp / n_pred if n_pred else None
        recall = tp / support if support else None
        f1 = None
        if recall is not None:
            p = precision or 0.0
            f1 = 2 * p * recall / (p + recall) if (p + recall) > 0 else 0.0
        wrong = confusion[i].copy()
        wrong[i] = 0
        confused = int(wrong.argmax()) if wrong.any() else None
        reports.append(ClassReport(
            name=name, group=group_of.get(name, "unknown"), train_count=int(train_counts.get(name, 0)), support=support,
            predicted=n_pred, precision=precision, recall=recall, f1=f1,
            top5_recall=float(hit_k[labels == i].mean()) if support else None,
            confused_with=classes[confused] if confused is not None else None,
            confused_share=float(wrong[confused] / support) if confused is not None else None,
        ))

    def balanced(attr: str) -> dict[str, float | None]:
        out = {}
        for group, members in (("all", list(classes)), ("common", common), ("rare", rare)):
            out[group] = _mean([getattr(r, attr) for r in reports if r.name in members and r.support > 0])
        return out

    return Metrics(
        classes=tuple(classes), n_samples=int(labels.size), top1=balanced("recall"), top5=balanced("top5_recall"),
        per_class=tuple(reports), confusion=confusion, absent=tuple(r.name for r in reports if r.support == 0),
        common=tuple(common), rare=tuple(rare),
    )
