"""Where did each model look, in numbers: its stored Grad-CAMs scored against the evidence files.

For every labelled clip of a run whose video has an evidence file, the Grad-CAM of the ground-truth
class (the pointing game's convention: where is the evidence *for the true class*?) is scored on
each distinct sampled frame that has evidence of the clip's activity (``engine.explain.evidence``),
then averaged per clip, then over clips: all of them, the right and the wrong ones apart. Wrong
clips looking elsewhere than right ones is the quantitative form of the paper's Fig. 2.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import astuple, dataclass

import numpy as np

from cabinlens.engine.analysis.session import layer_positions, layer_slice
from cabinlens.engine.analysis.store import RunInfo, RunResults, Store
from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.explain.evidence import GRID, Box, evidence_path, read_evidence, score_frame
from cabinlens.engine.video.geometry import input_region

GT_SLOT = 5  # the store keeps the top-5 predicted classes' maps, then the ground truth's


@dataclass(frozen=True)
class ClipScore:
    index: int  # sample index in the run
    label: int  # ground-truth class index
    right: bool  # top-1 correct
    pointing: float  # share of its scored frames whose peak is on the evidence
    energy: float
    area: float
    distractor: float | None


@dataclass(frozen=True)
class RunExplanations:
    run_id: int
    clips: tuple[ClipScore, ...]
    without_evidence: int  # labelled clips whose video has no usable evidence file (or no evidence in view)
    problems: tuple[str, ...] = ()  # evidence files (or their videos) that could not be used, and why

    def _mean(self, attr: str, right: bool | None = None) -> float | None:
        values = [getattr(c, attr) for c in self.clips if (right is None or c.right == right)
                  and getattr(c, attr) is not None]
        return float(np.mean(values)) if values else None

    @property
    def summary(self) -> dict[str, float | int | None]:
        energy, area = self._mean("energy"), self._mean("area")
        return {
            "clips": len(self.clips), "without_evidence": self.without_evidence,
            "pointing": self._mean("pointing"), "pointing_right": self._mean("pointing", True),
            "pointing_wrong": self._mean("pointing", False), "energy": energy, "area": area,
            "lift": energy / area if energy is not None and area else None,
            "distractor": self._mean("distractor"), "problems": list(self.problems),
        }


def _fingerprint(store: Store, info: RunInfo) -> str:
    """What the scores depend on besides the stored maps: the run's progress and its evidence files."""
    files = []
    for video in sorted({s.video for s in store.samples(info.id)}):
        path = evidence_path(video)
        stat = path.stat() if path.is_file() else None
        files.append((str(path), stat.st_size, stat.st_mtime_ns) if stat else (str(path),))
    digest = hashlib.sha256(json.dumps([info.done, GRID, files, 2]).encode()).hexdigest()[:16]  # 2: the format
    return f"explanations:{digest}"


def cached_scores(store: Store, info: RunInfo, results: RunResults | None = None) -> RunExplanations:
    """``score_run``, kept in the project's cache until the run grows or an evidence file changes
    (a read-only store computes without keeping)."""
    name = _fingerprint(store, info)
    blob = store.cache_get(info.id, name)
    if blob is not None:
        kept = json.loads(blob)
        return RunExplanations(info.id, tuple(ClipScore(*c) for c in kept["clips"]), kept["without_evidence"],
                               tuple(kept["problems"]))
    scored = score_run(store, info, results)
    if not store.readonly:
        store.cache_put(info.id, name, json.dumps({"clips": [astuple(c) for c in scored.clips],
                                                   "without_evidence": scored.without_evidence,
                                                   "problems": list(scored.problems)}).encode())
    return scored


def pointing_per_class(scored: RunExplanations, n_classes: int) -> list[float | None]:
    """The pointing score of each class's scored clips (None for a class without any)."""
    out: list[float | None] = []
    for k in range(n_classes):
        values = [c.pointing for c in scored.clips if c.label == k]
        out.append(float(np.mean(values)) if values else None)
    return out


def score_run(store: Store, info: RunInfo, results: RunResults | None = None) -> RunExplanations:
    """Score every labelled, analysed clip of run ``info`` that has evidence (videos are only probed
    for their frame size; evidence files are read once per video)."""
    from cabinlens.engine.video.reader import frame_size
    from cabinlens.engine.video.sampling import sample_indices

    inp = info.spec["input"]
    results = results if results is not None else store.results(info.id)
    samples = store.samples(info.id)
    per_video: dict[str, tuple[dict[int, list[Box]], tuple[float, float, float, float]] | None] = {}
    clips, missing, problems = [], 0, []
    for idx, logits, label in zip(results.indices, results.logits, results.labels, strict=True):
        if label < 0:
            continue
        s = samples[int(idx)]
        if s.video not in per_video:
            path = evidence_path(s.video)
            per_video[s.video] = None
            if path.is_file():
                try:  # one unusable file costs its own clips, not the run's scores
                    region = input_region(frame_size(s.video), tuple(inp["size"]), inp.get("resize", "short_side_center_crop"))
                    per_video[s.video] = (read_evidence(path), region)
                except CabinLensError as exc:
                    problems.append(str(exc))
        known = per_video[s.video]
        if known is None:
            missing += 1
            continue
        targets, maps = store.cams(info.id, int(idx))
        if len(targets) <= GT_SLOT:
            missing += 1
            continue
        boxes, region = known
        sampled = sample_indices(s.frame_start, s.frame_end, inp["frames"], inp["sampling"])
        positions = layer_positions(sampled)
        scores = []
        for frame in positions[0]:
            here = boxes.get(int(frame), [])
            evidence = [b for b in here if b.role == "evidence" and b.activity == s.label_name]
            if not evidence:
                continue
            distractors = [b for b in here if b.role == "distractor"]
            score = score_frame(layer_slice(maps[GT_SLOT], sampled, int(frame), positions), region, evidence, distractors)
            if score is not None:
                scores.append(score)
        if not scores:
            missing += 1
            continue
        shares = [f.distractor for f in scores if f.distractor is not None]
        clips.append(ClipScore(int(idx), int(label), bool(int(np.argmax(logits)) == label),
                               float(np.mean([f.hit for f in scores])), float(np.mean([f.energy for f in scores])),
                               float(np.mean([f.area for f in scores])), float(np.mean(shares)) if shares else None))
    return RunExplanations(info.id, tuple(clips), missing, tuple(problems))
