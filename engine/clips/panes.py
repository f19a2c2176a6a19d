"""What one pane of an annotated clip shows, resolved from a project: numpy only, no Qt.

A pane is a frame range of one session under one model and one Grad-CAM target. At every frame
it knows the ground truth, the model's prediction there (the analysed clip covering the frame,
nearest centre, split runs before sweeps), the CAM of that clip interpolated to the frame exactly
as the player shows it, and the segments its timeline strip draws.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace

import numpy as np

from cabinlens.engine.analysis.cam_scale import CamScales
from cabinlens.engine.explain.normalisation import check
from cabinlens.engine.analysis.session import (SessionTracks, Track, find_session, layer_positions, layer_slice,
                                               session_tracks)
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.errors import InputError

TARGETS = ("pred", "gt", "top2", "top3", "top4", "top5")


@dataclass(frozen=True)
class PaneSpec:
    """A session's frames ``[start, end)`` under ``model`` (None: the first model on the session)."""

    file_id: str
    start: int
    end: int
    model: str | None = None
    target: str = "pred"  # Grad-CAM of: pred (top-1), gt, top2 ... top5

    def __post_init__(self) -> None:
        if self.end <= self.start or self.start < 0:
            raise ValueError(f"frame range [{self.start}, {self.end}) of {self.file_id} is empty or negative")
        if self.target not in TARGETS:
            raise ValueError(f"unknown Grad-CAM target {self.target!r}; choose from {', '.join(TARGETS)}")

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class FrameNotes:
    """What a pane says about one frame."""

    frame: int
    ground_truth: str | None
    model: str
    predicted: str | None
    confidence: float
    right: bool | None  # None: unlabelled or not analysed
    cam_class: str | None  # the class whose Grad-CAM is drawn
    remark: str = ""  # the user's tags and note on the clip this frame belongs to


def frame_notes(tracks: SessionTracks, frame: int, cam_class: str | None = None) -> FrameNotes:
    """What one model's tracks (``SessionTracks.of_model``) say about ``frame``."""
    model = tracks.tracks[0].model if tracks.tracks else ""
    found = tracks.sample_at(frame)
    if found is None:
        return FrameNotes(frame, tracks.ground_truth_at(frame), model, None, float("nan"), None, cam_class)
    track, k = found
    right = None if track.labels[k] < 0 else bool(track.predicted[k] == track.labels[k])
    return FrameNotes(frame, tracks.ground_truth_at(frame), model, track.classes[track.predicted[k]],
                      float(track.confidence[k]), right, cam_class)


@dataclass
class Pane:
    spec: PaneSpec
    video: str
    tracks: SessionTracks  # the model's runs only (``SessionTracks.of_model``)
    store: Store = field(repr=False)
    normalisation: str = "clip"  # see engine.analysis.cam_scale
    scales: CamScales = field(default_factory=CamScales, repr=False)
    _cams: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _last: tuple = field(default=(None, None), repr=False)  # (frame, sample found there): asked twice per frame

    @property
    def model(self) -> str:
        return self.tracks.tracks[0].model

    @property
    def classes(self) -> tuple[str, ...]:
        return self.tracks.tracks[0].classes

    def _sample_at(self, frame: int) -> tuple[Track, int] | None:
        if self._last[0] == frame:
            return self._last[1]
        found = self.tracks.sample_at(frame)
        self._last = (frame, found)
        return found

    def cam(self, frame: int) -> tuple[str, np.ndarray, dict] | None:
        """(class name, (H', W') map under the pane's normalisation, the run's input spec) or None."""
        found = self._sample_at(frame)
        if found is None:
            return None
        track, k = found
        key = (track.run_id, int(track.indices[k]))
        if key not in self._cams:
            from cabinlens.engine.video.sampling import sample_indices

            targets, maps = self.store.cams(track.run_id, int(track.indices[k]))
            inp = track.spec["input"]
            sampled = sample_indices(int(track.starts[k]), int(track.ends[k]), inp["frames"], inp["sampling"])
            self._cams[key] = (targets, maps, sampled, layer_positions(sampled), int(track.labels[k]))
            if len(self._cams) > 64:
                self._cams.popitem(last=False)
        targets, maps, sampled, positions, label = self._cams[key]
        target = self.spec.target
        if target == "gt":
            if label < 0 or len(targets) <= 5:
                return None
            slot = 5
        else:
            slot = 0 if target == "pred" else int(target.removeprefix("top")) - 1
        divisor = self.scales.divisor(self.store, track.run_id, self.normalisation, float(maps[slot].max()))
        cam = layer_slice(maps[slot], sampled, frame, positions) / divisor
        cls = int(targets[slot])
        return (track.classes[cls] if cls < len(track.classes) else str(cls)), cam, track.spec["input"]

    def strip_rows(self, width: int) -> tuple[np.ndarray, np.ndarray]:
        """Per column of a ``width``-pixel strip over the pane's range: (ground-truth class index or
        -1, prediction outcome: 1 right, 0 wrong, -1 unknown, -2 not analysed)."""
        frames = self.spec.start + (np.arange(width) + 0.5) * self.spec.length / width
        frames = frames.astype(np.int64)
        gt = np.full(width, -1, dtype=np.int64)
        for a, b, name in self.tracks.ground_truth:
            if name in self.classes:
                gt[(frames >= a) & (frames < b)] = self.classes.index(name)
        outcome = np.full(width, -2, dtype=np.int64)
        for col, f in enumerate(frames):
            found = self._sample_at(int(f))
            if found is not None:
                track, k = found
                outcome[col] = -1 if track.labels[k] < 0 else int(track.predicted[k] == track.labels[k])
        return gt, outcome


def resolve_panes(store: Store, specs: list[PaneSpec], normalisation: str = "clip") -> list[Pane]:
    """Panes for ``specs``, with a message naming what is missing (session, model, frames)."""
    check(normalisation)
    scales = CamScales()
    cache: dict[str, SessionTracks] = {}
    panes = []
    for spec in specs:
        spec = replace(spec, file_id=find_session(store, spec.file_id))
        if spec.file_id not in cache:
            cache[spec.file_id] = session_tracks(store, spec.file_id)
        tracks = cache[spec.file_id]
        if not tracks.tracks:
            raise InputError(store.path, f"has no analysed session {spec.file_id!r}")
        models = list(dict.fromkeys(t.model for t in tracks.tracks))
        model = spec.model or models[0]
        mine = tracks.of_model(model)
        if not mine.tracks:
            raise InputError(store.path, f"has no run of model {model!r} on {spec.file_id} "
                             f"(models there: {', '.join(models)})")
        panes.append(Pane(spec, tracks.video, mine, store, normalisation, scales))
    return panes
