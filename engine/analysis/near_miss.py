"""Near misses: pairs of clips with the same ground truth, close to each other, one classified
correctly and one wrongly (the paper's Fig. 2). Looking at such a pair side by side shows what
changed the model's mind when the behaviour did not change.

Two kinds of closeness, both reported on every pair:
- ``gap``: frames between the two clips when they are in the same session (0 = adjacent or
  overlapping), ``None`` for different sessions;
- ``distance``: cosine distance of the model's clip features (its embedding space).

A pair qualifies when it is close in time (``gap <= max_gap``) or when the correct clip is among
the ``k`` nearest correct clips of its class to the wrong clip in feature space. Ranking: pairs
close in time first, by gap, then by feature distance; then pairs close only in feature space, by
distance. Each wrong clip contributes at most ``per_wrong`` pairs, so a list is not filled by one clip.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

MAX_GAP = 300  # frames (10 s at 30 fps): "neighbouring" in a session
NEAREST = 3  # nearest correct clips per wrong clip in feature space
PER_WRONG = 3


@dataclass(frozen=True)
class NearMiss:
    correct: int  # position of the correctly classified clip
    wrong: int  # position of the misclassified clip
    label: int  # their common ground truth
    predicted: int  # what the wrong clip was taken for
    gap: int | None  # frames strictly between them in their session (0: touching); None: other sessions
    distance: float  # cosine distance of their features (NaN without features)

    @property
    def close_in_time(self) -> bool:
        return self.gap is not None

    def how(self, max_gap: int = MAX_GAP) -> str:
        return f"{self.gap} frames apart" if self.gap is not None and self.gap <= max_gap else "neighbours in embedding"


def _unit(features: np.ndarray) -> np.ndarray:
    f = np.asarray(features, dtype=np.float32)
    norm = np.linalg.norm(f, axis=1, keepdims=True)
    return f / np.where(norm > 0, norm, 1.0)


def find_near_misses(
    file_ids: Sequence[str],
    starts: Sequence[int] | np.ndarray,
    ends: Sequence[int] | np.ndarray,
    labels: Sequence[int] | np.ndarray,
    predicted: Sequence[int] | np.ndarray,
    features: np.ndarray | None = None,
    *,
    max_gap: int = MAX_GAP,
    nearest: int = NEAREST,
    per_wrong: int = PER_WRONG,
    involving: Iterable[int] | None = None,
) -> list[NearMiss]:
    """Ranked near-miss pairs among clips given by parallel arrays (positions index them).

    ``involving``: keep only pairs with at least one clip in this set (a confusion cell's or a
    scatter box's clips). Unlabelled clips (label < 0) never pair.
    """
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    labels, predicted = np.asarray(labels, dtype=np.int64), np.asarray(predicted, dtype=np.int64)
    n = len(labels)
    if not (len(file_ids) == len(starts) == len(ends) == len(predicted) == n):
        raise ValueError("near-miss inputs must have one entry per clip")
    if features is not None and len(features) != n:
        raise ValueError(f"features have {len(features)} rows for {n} clips")
    unit = _unit(features) if features is not None else None
    keep = None if involving is None else set(int(i) for i in involving)
    sessions = np.asarray(file_ids, dtype=object)
    right = (labels >= 0) & (predicted == labels)
    wrong = (labels >= 0) & (predicted != labels)
    pairs: list[NearMiss] = []
    for w in np.flatnonzero(wrong):
        partners = np.flatnonzero(right & (labels == labels[w]))
        if keep is not None and int(w) not in keep:
            partners = partners[[int(p) in keep for p in partners]]
        if partners.size == 0:
            continue
        dist = (1.0 - unit[partners] @ unit[w]) if unit is not None else np.full(partners.size, np.nan)
        same = sessions[partners] == sessions[w]
        gaps = np.maximum(0, np.maximum(starts[w], starts[partners]) - np.minimum(ends[w], ends[partners]))
        gaps = np.where(same, gaps, -1)
        in_time = same & (gaps <= max_gap)
        time_key = np.where(in_time, gaps, np.iinfo(np.int64).max)
        dist_key = np.nan_to_num(dist, nan=np.inf)
        candidates = set(np.flatnonzero(in_time).tolist())
        if unit is not None:
            candidates |= set(np.argsort(dist_key, kind="stable")[:nearest].tolist())
        best = sorted(candidates, key=lambda j: (time_key[j], dist_key[j], partners[j]))[:per_wrong]
        for j in best:
            p = int(partners[j])
            pairs.append(NearMiss(p, int(w), int(labels[w]), int(predicted[w]),
                                  int(gaps[j]) if same[j] else None, float(dist[j])))
    pairs.sort(key=lambda m: (not (m.gap is not None and m.gap <= max_gap),
                              m.gap if m.gap is not None and m.gap <= max_gap else 0,
                              np.inf if np.isnan(m.distance) else m.distance, m.wrong, m.correct))
    return pairs


@dataclass(frozen=True)
class RunClips:
    """A run's labelled, analysed clips in result order (what near-miss positions index)."""

    samples: list  # SampleRecord
    labels: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray
    features: np.ndarray


def run_clips(store, run_id: int) -> RunClips:
    """The labelled clips of ``run_id`` with their predictions and features (from the project)."""
    from cabinlens.engine.analysis.metrics import softmax

    results = store.results(run_id)
    samples = store.samples(run_id)
    keep = results.labels >= 0
    probs = softmax(results.logits[keep]) if keep.any() else np.zeros((0, 1))
    return RunClips([samples[int(i)] for i in results.indices[keep]], results.labels[keep],
                    probs.argmax(1) if len(probs) else np.zeros(0, np.int64), probs.max(1) if len(probs) else np.zeros(0),
                    results.features[keep].astype(np.float32))


def near_misses_of_run(clips: RunClips, **options) -> list[NearMiss]:
    s = clips.samples
    return find_near_misses([x.file_id for x in s], [x.frame_start for x in s], [x.frame_end for x in s],
                            clips.labels, clips.predicted, clips.features, **options)
