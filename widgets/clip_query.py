"""Which clips of a run the Clips list shows, and in what order: numpy masks and one argsort over
every clip, so a run of 10,000 clips filters and sorts at once (no per-row Python objects).

No Qt here: the list's model only maps its rows to the positions this computes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

COLUMNS = ("Ground truth", "Predicted", "Conf.", "Session", "Time", "Tags", "Note")
OUTCOMES = ("right or wrong", "right", "wrong")


@dataclass(frozen=True)
class ClipColumns:
    """The columns of every clip of a run, by position (the analysis's sample order)."""

    classes: tuple[str, ...]
    labels: np.ndarray  # (N,) class index
    predicted: np.ndarray  # (N,)
    confidence: np.ndarray  # (N,) in [0, 1]
    sessions: tuple[str, ...]  # distinct file ids, sorted
    session: np.ndarray  # (N,) index into ``sessions``
    start: np.ndarray  # (N,) first frame
    end: np.ndarray  # (N,) frame after the last
    near: np.ndarray  # (N,) bool: in a near-miss pair

    @classmethod
    def of(cls, data) -> ClipColumns:
        """From an analysis (``classes``, ``labels``, ``predicted``, ``confidence``, ``samples``, ``near_misses``)."""
        file_ids = [s.file_id for s in data.samples]
        sessions, session = np.unique(np.asarray(file_ids, dtype=str), return_inverse=True)
        near = np.zeros(len(file_ids), dtype=bool)
        pairs = [(m.correct, m.wrong) for m in getattr(data, "near_misses", [])]
        if pairs:
            near[np.asarray(pairs, dtype=np.int64).ravel()] = True
        return cls(tuple(data.classes), np.asarray(data.labels, np.int64), np.asarray(data.predicted, np.int64),
                   np.asarray(data.confidence, np.float64), tuple(str(s) for s in sessions),
                   np.asarray(session, np.int64), np.array([s.frame_start for s in data.samples], np.int64),
                   np.array([s.frame_end for s in data.samples], np.int64), near)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def right(self) -> np.ndarray:
        return self.labels == self.predicted

    def key(self, position: int) -> tuple[str, int, int]:
        """The clip's identity in the dataset (what its tags are stored under)."""
        return (self.sessions[self.session[position]], int(self.start[position]), int(self.end[position]))


@dataclass(frozen=True)
class ClipQuery:
    """What the filter bar asks for; None or the full range means no restriction."""

    true: int | None = None  # ground-truth class index
    predicted: int | None = None
    session: int | None = None  # index into ``ClipColumns.sessions``
    outcome: str = OUTCOMES[0]
    confidence: tuple[float, float] = (0.0, 1.0)
    near_miss: bool = False
    tag: str | None = None  # "" : clips without a tag

    def mask(self, cols: ClipColumns, tags: Sequence[tuple[str, ...]] | None = None,
             scope: np.ndarray | None = None) -> np.ndarray:
        """(N,) bool: the clips that pass; ``scope`` (positions, e.g. a confusion cell) limits them first."""
        n = len(cols)
        keep = np.ones(n, dtype=bool)
        if scope is not None:
            keep[:] = False
            keep[np.asarray(scope, dtype=np.int64)] = True
        if self.true is not None:
            keep &= cols.labels == self.true
        if self.predicted is not None:
            keep &= cols.predicted == self.predicted
        if self.session is not None:
            keep &= cols.session == self.session
        if self.outcome == "right":
            keep &= cols.right
        elif self.outcome == "wrong":
            keep &= ~cols.right
        low, high = self.confidence
        if low > 0 or high < 1:
            keep &= (cols.confidence >= low - 1e-9) & (cols.confidence <= high + 1e-9)
        if self.near_miss:
            keep &= cols.near
        if self.tag is not None and tags is not None:
            wanted = self.tag
            has = np.fromiter(((wanted in t) if wanted else not t for t in tags), dtype=bool, count=n)
            keep &= has
        return keep


def sort_key(cols: ClipColumns, column: int, tags: Sequence[tuple[str, ...]], notes: Sequence[str]) -> np.ndarray:
    """(N,) values whose order is column ``column``'s (class names alphabetically, sessions by name then time)."""
    name = COLUMNS[column]
    if name in ("Ground truth", "Predicted"):
        rank = np.argsort(np.argsort(np.asarray(cols.classes, dtype=str), kind="stable"), kind="stable")
        return rank[cols.labels if name == "Ground truth" else cols.predicted]
    if name == "Conf.":
        return cols.confidence
    if name == "Session":
        return cols.session * (int(cols.start.max(initial=0)) + 1) + cols.start
    if name == "Time":
        return cols.start
    texts = [", ".join(t) for t in tags] if name == "Tags" else list(notes)
    return np.unique(np.asarray(texts, dtype=str), return_inverse=True)[1] if texts else np.zeros(0, np.int64)


def ordered(keep: np.ndarray, key: np.ndarray | None, descending: bool = False) -> np.ndarray:
    """Positions of the kept clips sorted by ``key`` (stable: ties keep the analysis's order)."""
    rows = np.nonzero(keep)[0]
    if key is None or not len(rows):
        return rows
    values = np.asarray(key)[rows]
    if descending:
        values = -np.unique(values, return_inverse=True)[1]
    return rows[np.argsort(values, kind="stable")]
