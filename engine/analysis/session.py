"""What the session player shows, read from the project store: numpy only (no torch, no Qt).

A session is one video (``file_id``). Its tracks are the samples of every run on that video:
chunks of split runs and windows of sweeps, each with the predicted class, its confidence and
whether it was right. A frame's Grad-CAM comes from the sample whose window covers the frame
(nearest centre), interpolated in time between the layer's time steps exactly as
``engine.explain.frames`` does on the model's device (half-pixel centres).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from cabinlens.engine.analysis.metrics import softmax
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.explain.methods import model_with_method
from cabinlens.engine.errors import InputError
from cabinlens.engine.wording import plural


@dataclass(frozen=True)
class RunOnSession:
    """What one run analysed on a session: runs of one model overlap (all rows, a test subset, a sweep),
    so their counts are shown apart, never added up."""

    run_id: int
    name: str  # "c3d_small: segments.csv test"
    kind: str  # "split" or "sweep"
    model: str
    samples: int  # analysed samples of this run on the session
    accuracy: float | None  # top-1 accuracy of its labelled analysed samples

    def describe(self) -> str:
        acc = "" if self.accuracy is None else f", top-1 {self.accuracy:.0%}"
        return f"run {self.run_id} {self.name} ({self.kind}): {self.samples} {plural(self.samples, 'sample')}{acc}"


@dataclass(frozen=True)
class SessionSummary:
    file_id: str
    video: str
    participant: str
    samples: dict[str, int]  # model -> analysed samples on this session, summed over its runs
    accuracy: dict[str, float | None]  # model -> top-1 accuracy of its labelled samples
    runs: tuple[RunOnSession, ...] = ()  # per run, in run order: what a count of analysed samples means


@dataclass
class Track:
    """The samples of one run on one session, sorted by start frame."""

    run_id: int
    model: str
    kind: str
    classes: tuple[str, ...]
    spec: dict
    indices: np.ndarray  # sample indices in the run
    starts: np.ndarray
    ends: np.ndarray
    labels: np.ndarray  # -1 unlabelled
    predicted: np.ndarray  # -1 not analysed yet
    confidence: np.ndarray  # softmax probability of the prediction, NaN when not analysed
    name: str = ""  # the run's name ("i3d_small: inner_mirror/midlevel split 0 val"), to tell runs apart
    cam_mode: str = "clip"  # how its maps were made (``explain.gradcam.METHODS``)

    @property
    def shown(self) -> str:
        """The model's name with the method of its maps where that is not the paper's Grad-CAM (as ``RunInfo.shown``)."""
        return model_with_method(self.model, self.cam_mode)

    @property
    def centres(self) -> np.ndarray:
        return (self.starts + self.ends - 1) / 2

    def at(self, frame: int) -> int | None:
        """Position (in this track) of the analysed sample for ``frame``: covering it, nearest centre."""
        analysed = self.predicted >= 0
        covering = np.flatnonzero((self.starts <= frame) & (frame < self.ends) & analysed)
        if covering.size == 0:
            return None
        return int(covering[np.argmin(np.abs(self.centres[covering] - frame))])


@dataclass
class SessionTracks:
    file_id: str
    video: str
    ground_truth: list[tuple[int, int, str]]  # (start, end exclusive, class), merged over chunks
    tracks: list[Track] = field(default_factory=list)

    def segment_at(self, frame: int) -> tuple[int, int, str] | None:
        """The ground-truth segment covering ``frame`` (the first in time order), or None."""
        return next((g for g in self.ground_truth if g[0] <= frame < g[1]), None)

    def ground_truth_at(self, frame: int) -> str | None:
        hit = self.segment_at(frame)
        return hit[2] if hit else None

    def of_model(self, model: str | None) -> SessionTracks:
        """This session with only ``model``'s runs (all runs for None), split runs before sweeps, so
        an overlay or a label never comes from another model."""
        mine = [t for t in self.tracks if model is None or t.model == model]
        mine.sort(key=lambda t: (t.kind != "split", t.run_id))
        return SessionTracks(self.file_id, self.video, self.ground_truth, mine)

    def sample_at(self, frame: int) -> tuple[Track, int] | None:
        """The first track (in order) with an analysed sample covering ``frame``, and its position."""
        for track in self.tracks:
            k = track.at(frame)
            if k is not None:
                return track, k
        return None

    def boundaries(self) -> np.ndarray:
        """Every ground-truth segment start and end, sorted (for Shift+arrow jumps)."""
        edges = {s for s, _, _ in self.ground_truth} | {e for _, e, _ in self.ground_truth}
        return np.array(sorted(edges), dtype=np.int64)


def sessions(store: Store) -> list[SessionSummary]:
    """Every video any run of the project has samples on, with counts and accuracy per run (and per model)."""
    videos: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    right: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    per_run: dict[str, list[RunOnSession]] = defaultdict(list)
    for info in store.runs():
        samples = store.samples(info.id)
        results = store.results(info.id)
        predicted = results.logits.argmax(1) if len(results.indices) else np.zeros(0, np.int64)
        for s in samples:
            videos.setdefault(s.file_id, s.video)
        run_counts: dict[str, int] = defaultdict(int)
        run_right: dict[str, list[bool]] = defaultdict(list)
        for j, idx in enumerate(results.indices):
            s = samples[int(idx)]
            run_counts[s.file_id] += 1
            if s.label >= 0:
                run_right[s.file_id].append(bool(predicted[j] == s.label))
        for file_id, n in run_counts.items():
            counts[file_id][info.model] = counts[file_id].get(info.model, 0) + n
            hits = run_right[file_id]
            if hits:
                right[file_id][info.model] += hits
            per_run[file_id].append(RunOnSession(info.id, info.name, info.kind, info.model, n,
                                                 float(np.mean(hits)) if hits else None))
    out = []
    for file_id in sorted(videos, key=_natural):
        acc = {m: (float(np.mean(v)) if v else None) for m, v in right[file_id].items()}
        out.append(SessionSummary(file_id, videos[file_id], file_id.split("/", 1)[0] if "/" in file_id else "",
                                  dict(counts[file_id]), acc, tuple(per_run[file_id])))
    return out


def find_session(store: Store, given: str) -> str:
    """The project's session id that ``given`` names: exactly, without a video extension, or by its last
    folders and name; an error listing the sessions otherwise."""
    from cabinlens.engine.data.videos import names_video, session_id

    known = store.session_videos()
    if given in known:
        return given
    wanted = session_id(given)
    for candidates in ([f for f in known if session_id(f) == wanted],
                       [f for f in known if names_video(f, given) or names_video(given, known[f])]):
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise InputError(store.path, f"{given!r} names {len(candidates)} sessions: {', '.join(candidates[:8])}")
    shown = ", ".join(sorted(known, key=_natural)[:12]) or "none"
    more = f" and {len(known) - 12} more" if len(known) > 12 else ""
    raise InputError(store.path, f"has no session {given!r}; sessions: {shown}{more} (cabinlens sessions "
                                 f"{store.path.name} lists them)")


def _natural(text: str) -> tuple:
    import re

    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text))


def session_tracks(store: Store, file_id: str) -> SessionTracks:
    """Ground truth and one track per run for one session."""
    gt: dict[tuple[int, str], list[int]] = {}
    tracks = []
    video = ""
    for info in store.runs():
        samples = store.samples(info.id)
        mine = [(i, s) for i, s in enumerate(samples) if s.file_id == file_id]
        if not mine:
            continue
        video = video or mine[0][1].video
        for _, s in mine:
            if s.label_name and s.annotation_id >= 0:
                span = gt.setdefault((s.annotation_id, s.label_name), [s.frame_start, s.frame_end])
                span[0], span[1] = min(span[0], s.frame_start), max(span[1], s.frame_end)
        results = store.results(info.id)
        n = len(mine)
        predicted = np.full(n, -1, dtype=np.int64)
        confidence = np.full(n, np.nan)
        position = {idx: k for k, (idx, _) in enumerate(mine)}
        if len(results.indices):
            probs = softmax(results.logits)
            top, conf = probs.argmax(1), probs.max(1)
            for j, idx in enumerate(results.indices):
                k = position.get(int(idx))
                if k is not None:
                    predicted[k], confidence[k] = top[j], conf[j]
        order = np.argsort([s.frame_start for _, s in mine], kind="stable")
        tracks.append(Track(
            run_id=info.id, model=info.model, kind=info.kind, classes=info.classes, spec=info.spec,
            indices=np.array([mine[o][0] for o in order], dtype=np.int64),
            starts=np.array([mine[o][1].frame_start for o in order], dtype=np.int64),
            ends=np.array([mine[o][1].frame_end for o in order], dtype=np.int64),
            labels=np.array([mine[o][1].label for o in order], dtype=np.int64),
            predicted=predicted[order], confidence=confidence[order], name=info.name, cam_mode=info.cam_mode,
        ))
    ground_truth = sorted((a, b, name) for (_, name), (a, b) in gt.items())
    return SessionTracks(file_id, video, ground_truth, tracks)


def layer_positions(sampled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct sampled frames, their positions in the clip) for ``layer_slice``; a frame
    sampled twice sits between its copies. Computed once per clip when slicing many frames."""
    sampled = np.asarray(sampled)
    unique, first = np.unique(sampled, return_index=True)
    last = len(sampled) - 1 - np.unique(sampled[::-1], return_index=True)[1]
    return unique, (first + last) / 2.0


def layer_slice(maps: np.ndarray, sampled: np.ndarray, frame: int,
                positions: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """(T', H', W') layer map of a clip -> the (H', W') map at original ``frame``.

    The frame's position among the sampled frames (linear between neighbours, clamped) is mapped
    to the layer's time axis with half-pixel centres and blended linearly, as the trilinear
    upsampling of ``engine.explain.frames`` does.
    """
    t_layer = maps.shape[0]
    t_in = len(sampled)
    unique, centre = positions if positions is not None else layer_positions(sampled)
    position = float(np.interp(frame, unique, centre))
    t = (position + 0.5) * t_layer / t_in - 0.5
    t = min(max(t, 0.0), t_layer - 1.0)
    lo = int(np.floor(t))
    hi = min(lo + 1, t_layer - 1)
    a = t - lo
    return (1 - a) * maps[lo].astype(np.float32) + a * maps[hi].astype(np.float32)


def frame_cam(store: Store, track: Track, frame: int, target: str = "pred") -> tuple[int, np.ndarray, float] | None:
    """(class, (H', W') map, divisor for per-clip normalisation) of ``frame``, or None.

    ``target``: ``pred`` (top-1), ``gt`` (the ground truth, when labelled), or ``top2`` ... ``top5``.
    """
    k = track.at(frame)
    if k is None:
        return None
    targets, maps = store.cams(track.run_id, int(track.indices[k]))
    if target == "gt":
        if track.labels[k] < 0 or len(targets) <= 5:
            return None
        slot = 5
    elif target == "pred":
        slot = 0
    else:
        slot = int(target.removeprefix("top")) - 1
    from cabinlens.engine.video.sampling import sample_indices  # keeps the video stack out of window start-up

    inp = track.spec["input"]
    sampled = sample_indices(int(track.starts[k]), int(track.ends[k]), inp["frames"], inp["sampling"])
    peak = float(maps[slot].max())
    return int(targets[slot]), layer_slice(maps[slot], sampled, frame), peak if peak > 0 else 1.0

