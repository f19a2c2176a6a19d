"""What the analysis panels show for one run, computed on the worker (metrics, t-SNE, Ward).

The panels get plain arrays and never touch the store, so one object feeds them all and a model
switch updates every panel from the same numbers. t-SNE and Ward are cached in the project, so a
run's second opening is a read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from scipy.cluster.hierarchy import leaves_list

from cabinlens.engine import timecode
from cabinlens.engine.progress import Message
from cabinlens.engine.analysis.metrics import Metrics, evaluate, softmax
from cabinlens.engine.analysis.model_compare import ModelComparison, comparable, compare_runs
from cabinlens.engine.analysis.near_miss import NearMiss, find_near_misses
from cabinlens.engine.analysis.separability import Separability, separability
from cabinlens.engine.analysis.store import RunInfo, RunResults, SampleRecord, Store


@dataclass(frozen=True)
class RunChoice:
    """A run the panels can show: a split run with results."""

    id: int
    name: str
    model: str
    subset: str


@dataclass(frozen=True)
class AnalysisData:
    run_id: int
    name: str
    model: str
    classes: tuple[str, ...]
    samples: list[SampleRecord]  # in result order; ``labels`` etc. index them
    labels: np.ndarray  # (N,) class index
    predicted: np.ndarray  # (N,)
    confidence: np.ndarray  # (N,) softmax of the prediction
    top5: np.ndarray  # (N, 5) class indices
    points: np.ndarray  # (N, 2) t-SNE
    metrics: Metrics
    linkage: np.ndarray  # Ward linkage of the class centroids
    linkage_names: list[str]  # the linkage's leaves, in centroid order
    leaf_order: list[str]  # class names in the dendrogram's left-to-right order
    train_counts: dict[str, int]
    table1: list[tuple[str, Metrics]] = field(default_factory=list)  # every split run of the project (Table I)
    near_misses: list[NearMiss] = field(default_factory=list)  # positions index ``samples``
    peers: list[ModelComparison] = field(default_factory=list)  # other models on the same clips, per class
    separability: Separability | None = None  # how well the embedding separates the classes (Fig. 4 in numbers)
    indices: np.ndarray | None = None  # (N,) the store's sample index of each position
    pointing: list | None = None  # per class: how often its Grad-CAM peak lies on the evidence (None: no evidence files)
    evidence_problems: tuple[str, ...] = ()  # evidence files that could not be used, and why
    clip_notes: dict = field(default_factory=dict)  # (file_id, frame_start, frame_end) -> ClipNote of the project

    def disagreements(self, peer: ModelComparison, true: str | None = None) -> list[int]:
        """Positions of the clips (of ground truth ``true``) exactly one of the two models gets right."""
        either = np.asarray(peer.only_mine_clips + peer.only_theirs_clips, dtype=np.int64)
        mask = np.isin(self.indices, either)
        if true is not None:
            mask &= self.labels == self.classes.index(true)
        return [int(i) for i in np.nonzero(mask)[0]]

    def samples_of(self, true: str | None = None, predicted: str | None = None) -> list[int]:
        """Positions of the samples with that ground truth and/or prediction (a confusion cell)."""
        mask = np.ones(len(self.labels), dtype=bool)
        if true is not None:
            mask &= self.labels == self.classes.index(true)
        if predicted is not None:
            mask &= self.predicted == self.classes.index(predicted)
        return [int(i) for i in np.nonzero(mask)[0]]

    def describe(self, i: int) -> str:
        s = self.samples[i]
        return (f"{self.classes[self.labels[i]]} → {self.classes[self.predicted[i]]} ({self.confidence[i]:.0%}) · "
                f"{s.file_id} · {clock(s.frame_start)}–{clock(s.frame_end)}")


def clock(frame: int, fps: float = 30.0) -> str:
    """Tenths are enough in lists of clips."""
    return timecode.clock(frame, fps, decimals=1)


def _subset(info: RunInfo) -> str:
    return str(info.params.get("subset", info.name.rsplit(" ", 1)[-1]))


def run_choices(store: Store) -> list[RunChoice]:
    return [RunChoice(i.id, i.name, i.model, _subset(i)) for i in store.runs() if i.kind == "split" and i.done > 0]


def _metrics(info: RunInfo, results: RunResults) -> tuple[Metrics, np.ndarray, np.ndarray, np.ndarray]:
    """Metrics of the labelled results, with their sample indices, logits and features."""
    labelled = results.labels >= 0
    return (evaluate(results.labels[labelled], results.logits[labelled], info.classes, info.train_counts),
            results.indices[labelled], results.logits[labelled], results.features[labelled])


def tsne_elsewhere(features: np.ndarray, seed: int) -> np.ndarray:
    """t-SNE in a child process. Why: scikit-learn's OpenMP runtime, loaded into the window's
    process beside torch's while a sweep runs, hung that process; a child keeps them apart."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from cabinlens.engine.analysis.embeddings import tsne

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(tsne, np.asarray(features), seed).result()


def load_analysis(project: str, run_id: int) -> Iterator[object]:
    """Yields progress messages, then the ``AnalysisData`` of ``run_id``."""
    from cabinlens.engine.analysis.clip_notes import read_notes
    from cabinlens.engine.analysis.embeddings import cached_tsne, cached_ward
    from cabinlens.engine.analysis.explanations import cached_scores, pointing_per_class  # OpenCV: not at the window's start

    with Store(project) as store:  # writable: t-SNE and Ward are cached in the project
        info = store.run(run_id)
        mine = store.results(run_id)
        metrics, indices, logits, features = _metrics(info, mine)
        all_samples = store.samples(run_id)
        yield Message(f"embedding {info.model} (t-SNE of {info.done} clips) ...")
        tsne_indices, points = cached_tsne(store, run_id, compute=tsne_elsewhere, results=mine)
        linkage, names = cached_ward(store, run_id, mine)
        scored = cached_scores(store, info, mine)
        pointing = pointing_per_class(scored, len(info.classes)) if scored.clips else None
        clip_notes = read_notes(store)
        table1, peers = [], []
        for other in store.runs():
            if other.kind != "split" or other.done == 0:
                continue
            if other.id == run_id:
                table1.append((other.name, metrics))
                continue
            theirs = store.results(other.id)
            table1.append((other.name, _metrics(other, theirs)[0]))
            if comparable(info, other):
                peers.append(compare_runs(info, other, mine, theirs))
    by_index = {int(k): n for n, k in enumerate(tsne_indices)}
    order = [by_index[int(k)] for k in indices]
    probs = softmax(logits)
    top5 = np.argsort(-probs, axis=1, kind="stable")[:, :5]
    samples = [all_samples[int(k)] for k in indices]
    labels = np.array([s.label for s in samples], dtype=np.int64)
    separated = separability(features, labels)
    near = find_near_misses([s.file_id for s in samples], [s.frame_start for s in samples],
                            [s.frame_end for s in samples], labels, probs.argmax(1), features)
    yield AnalysisData(
        run_id=run_id, name=info.name, model=info.model, classes=info.classes,
        samples=samples, labels=labels,
        predicted=probs.argmax(1), confidence=probs.max(1), top5=top5, points=np.asarray(points)[order],
        metrics=metrics, linkage=np.asarray(linkage), linkage_names=list(names),
        leaf_order=[names[int(k)] for k in leaves_list(np.asarray(linkage))], train_counts=dict(info.train_counts),
        table1=table1, near_misses=near, peers=peers, separability=separated, indices=np.asarray(indices),
        pointing=pointing, evidence_problems=scored.problems, clip_notes=clip_notes)
