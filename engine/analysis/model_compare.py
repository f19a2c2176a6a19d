"""Two models on the same clips: per-class differences and whether the overall difference is real.

Users train several architectures on the same split and ask which one to trust for which class.
Comparing two runs' Table II rows only means something on the same clips, so both runs are
evaluated on the labelled clips they both analysed (a sweep still filling in, or a run stopped
half-way, would otherwise compare different samples). Whether one model is better overall is
tested the way paired classifiers are: McNemar's exact test on the clips exactly one of them gets
right (top-1), because both saw the same clips.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cabinlens.engine.analysis.metrics import Metrics, evaluate
from cabinlens.engine.analysis.store import RunInfo, RunResults


@dataclass(frozen=True)
class ClassDelta:
    """One class of both models; ``None`` where a class has no shared clips."""

    name: str
    group: str
    support: int
    recall: tuple[float | None, float | None]  # (mine, theirs)
    f1: tuple[float | None, float | None]

    @property
    def recall_delta(self) -> float | None:
        return _minus(*self.recall)

    @property
    def f1_delta(self) -> float | None:
        return _minus(*self.f1)


@dataclass(frozen=True)
class ModelComparison:
    """Run ``mine`` against run ``theirs`` on their ``shared`` labelled clips."""

    mine: str  # run names
    theirs: str
    mine_id: int
    theirs_id: int
    theirs_model: str
    shared: int
    mine_metrics: Metrics
    theirs_metrics: Metrics
    only_mine_clips: tuple[int, ...]  # sample indices of the shared clips only ``mine`` gets right (top-1)
    only_theirs_clips: tuple[int, ...]

    @property
    def only_mine(self) -> int:
        return len(self.only_mine_clips)

    @property
    def only_theirs(self) -> int:
        return len(self.only_theirs_clips)

    @property
    def p_value(self) -> float | None:
        """McNemar's exact (binomial) test: is the split of the discordant clips more lopsided than chance?"""
        from scipy.stats import binomtest  # here: scipy.stats costs the window half a second at start-up

        n = self.only_mine + self.only_theirs
        return float(binomtest(self.only_mine, n, 0.5).pvalue) if n else None

    def classes(self) -> list[ClassDelta]:
        theirs = {c.name: c for c in self.theirs_metrics.per_class}
        return [ClassDelta(c.name, c.group, c.support, (c.recall, theirs[c.name].recall), (c.f1, theirs[c.name].f1))
                for c in self.mine_metrics.per_class]

    def tally(self) -> tuple[int, int, int]:
        """Classes where ``mine`` has the higher, the lower and the same recall (classes with shared clips)."""
        deltas = [d.recall_delta for d in self.classes() if d.recall_delta is not None]
        return (sum(d > 0 for d in deltas), sum(d < 0 for d in deltas), sum(d == 0 for d in deltas))

    def summary(self) -> str:
        a, b = self.mine_metrics.top1["all"], self.theirs_metrics.top1["all"]
        better, worse, same = self.tally()
        balanced = (f"balanced top-1 {_pct(a)} vs {_pct(b)} ({_signed(_minus(a, b))})"
                    if a is not None and b is not None else "balanced top-1 n/a")
        p = self.p_value
        test = ("no clip right for one model only" if p is None else
                f"right for one model only: {self.only_mine} vs {self.only_theirs} clips, McNemar p = {p:.2g}")
        return (f"vs {self.theirs_model} on {self.shared} shared clips: {balanced}; higher recall on {better} classes, "
                f"lower on {worse}, equal on {same}; {test}")


def job_key(run: RunInfo) -> str:
    """The clips and classes a run covers: equal for runs of the same job, whatever the model."""
    return repr((run.kind, run.dataset_hash, run.annotation_hash, sorted(run.params.items()), run.classes))


def comparable(a: RunInfo, b: RunInfo) -> bool:
    """Two split runs of different weights over the same clips and classes (another model on the
    same job; the same weights again, e.g. with the other CAM mode, predict the same)."""
    return (a.id != b.id and a.checkpoint_sha256 != b.checkpoint_sha256 and a.kind == "split"
            and job_key(a) == job_key(b))


def same_clips(runs: list[RunInfo]) -> list[list[RunInfo]]:
    """Split runs grouped by the clips and classes they cover (one group per job), in run order."""
    groups: dict[str, list[RunInfo]] = {}
    for r in runs:
        if r.kind == "split":
            groups.setdefault(job_key(r), []).append(r)
    return list(groups.values())


def compare_runs(mine: RunInfo, theirs: RunInfo, mine_results: RunResults, theirs_results: RunResults) -> ModelComparison:
    """Both runs evaluated on the labelled clips both analysed (same sample indices: same job)."""
    if not comparable(mine, theirs):
        raise ValueError(f"runs {mine.id} and {theirs.id} are not over the same clips and classes")
    shared = np.intersect1d(mine_results.indices[mine_results.labels >= 0], theirs_results.indices)
    rows_a = np.searchsorted(mine_results.indices, shared)
    rows_b = np.searchsorted(theirs_results.indices, shared)
    labels = mine_results.labels[rows_a]
    logits_a = mine_results.logits[rows_a] if shared.size else np.zeros((0, len(mine.classes)), np.float32)
    logits_b = theirs_results.logits[rows_b] if shared.size else np.zeros((0, len(theirs.classes)), np.float32)
    right_a = logits_a.argmax(1) == labels if shared.size else np.zeros(0, bool)
    right_b = logits_b.argmax(1) == labels if shared.size else np.zeros(0, bool)
    return ModelComparison(
        mine=mine.name, theirs=theirs.name, mine_id=mine.id, theirs_id=theirs.id, theirs_model=theirs.model,
        shared=int(shared.size),
        mine_metrics=evaluate(labels, logits_a, mine.classes, mine.train_counts),
        theirs_metrics=evaluate(labels, logits_b, theirs.classes, theirs.train_counts),
        only_mine_clips=tuple(int(i) for i in shared[right_a & ~right_b]),
        only_theirs_clips=tuple(int(i) for i in shared[right_b & ~right_a]),
    )


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}%"


def _signed(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:+.1f} points"
