"""Render one planned run to an H.264 video and its per-frame evidence file.

Evidence format (``<run>.ids_1.evidence.csv`` next to the video), one row per region per frame
of every annotated frame:

    frame,activity,part,role,x0,y0,x1,y1

``frame`` is the 0-based frame of the video, ``activity`` the annotated class, ``part`` what the
box holds (``hand_r``, ``bottle``, ``door``, ``head``, ``driver`` ...), ``role`` is ``evidence``
(the movement or object that defines the activity) or ``distractor`` (a magazine lying in view
that has nothing to do with the activity), and the box is in pixels, ``x1``/``y1`` exclusive.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from cabinlens.engine.data.synth.activities import BACKPACK, SEAT_DROP, Anchors, Params, pose_at
from cabinlens.engine.data.synth.config import FPS
from cabinlens.engine.data.synth.plan import EPISODE_OBJECT, Annotation, RunPlan
from cabinlens.engine.data.synth.pose import Look, Pose
from cabinlens.engine.data.synth.scene import H, W, cabin, paint
from cabinlens.engine.io import atomic_path

EVIDENCE_HEADER = "frame,activity,part,role,x0,y0,x1,y1"
TRANSIENT_OBJECTS = ("pen", "paper", "phone")
#: x264 settings: fast enough to write the small dataset in well under a minute on two cores.
ENCODER_OPTIONS = {"preset": "superfast", "crf": "27", "g": "60", "bf": "2", "threads": "1"}
START = Pose(present=0.0, door_open=0.0, belt=0.0, jacket=1.0, glasses=0.0)


def settle(pose: Pose) -> Pose:
    """The lasting state after an activity: held objects stay in the hand, the rest relaxes."""
    objects = {n: p for n, p in pose.objects.items() if n not in TRANSIENT_OBJECTS}
    held = set(objects.values())
    hand_l = pose.hand_l if (pose.hand_l in held or pose.cap_on < 0.5) else None
    hand_r = pose.hand_r if pose.hand_r in held else None
    return Pose(present=pose.present, door_open=pose.door_open, belt=pose.belt, jacket=pose.jacket,
                glasses=pose.glasses, lid=pose.lid, flap=pose.flap, objects=objects, cap_on=pose.cap_on,
                hand_l=hand_l, hand_r=hand_r)


def next_episode(state: Pose, nxt: Annotation | None) -> Pose:
    """Between episodes, things put away disappear and the next episode's object lies ready."""
    objects = {n: p for n, p in state.objects.items() if p not in (SEAT_DROP, BACKPACK)}
    if nxt is not None and nxt.episode in EPISODE_OBJECT:
        objects[EPISODE_OBJECT[nxt.episode]] = SEAT_DROP
    return state.with_(objects=objects, cap_on=1.0)


@dataclass
class Frame:
    index: int
    image: np.ndarray  # (H, W) uint8
    evidence: list[tuple]  # (frame, activity, part, role, x0, y0, x1, y1)


class RunRenderer:
    """Frames of one run in order, deterministic for its plan."""

    def __init__(self, plan: RunPlan, *, noise: bool = True, light_changes: bool = True) -> None:
        self.plan = plan
        self.look = Look.random(plan.participant_seed, plan.seed)
        self.anchors = Anchors(self.look)
        self.base = cabin(self.look)
        self.noise, self.light_changes = noise, light_changes
        rng = np.random.default_rng(plan.seed)
        bank = rng.normal(0.0, self.look.noise, (6, H, W))
        self._noise_pos = np.clip(bank, 0, 255).astype(np.uint8)
        self._noise_neg = np.clip(-bank, 0, 255).astype(np.uint8)
        self._noise_order = rng.integers(0, 6, plan.frames)
        self._phase = rng.uniform(0, 2 * math.pi, 3)

    def light(self, index: int) -> tuple[float, float]:
        """(gain of the whole image, brightness of the window) at a frame."""
        if not self.light_changes:
            return self.look.gain, 1.0
        t = index / FPS
        gain = self.look.gain * (1 + 0.05 * math.sin(2 * math.pi * t / 7 + self._phase[0]))
        window = 1 + 0.2 * math.sin(2 * math.pi * t / 23 + self._phase[1])
        window *= 0.6 if math.sin(2 * math.pi * t / 11 + self._phase[2]) > 0.93 else 1.0  # passing shade
        return gain, window

    def frames(self) -> Iterator[Frame]:
        state = START
        annotations = self.plan.annotations
        k = 0
        for index in range(self.plan.frames):
            while k < len(annotations) and index >= annotations[k].end:
                a = annotations[k]
                state = settle(pose_at(a.activity, 1.0, Params.random(a.seed), self.anchors, state,
                                       EPISODE_OBJECT.get(a.episode, "")))
                nxt = annotations[k + 1] if k + 1 < len(annotations) else None
                if nxt is None or nxt.episode != a.episode:
                    state = next_episode(state, nxt)
                k += 1
            current = annotations[k] if k < len(annotations) and annotations[k].start <= index else None
            yield self.frame(index, state, current)

    def frame(self, index: int, state: Pose, a: Annotation | None) -> Frame:
        if a is None:
            pose = state
            magazine = False
        else:
            phase = (index - a.start + 0.5) / (a.end - a.start)
            pose = pose_at(a.activity, phase, Params.random(a.seed), self.anchors, state, EPISODE_OBJECT.get(a.episode, ""))
            magazine = a.magazine_in_view
        gain, window = self.light(index)
        image, boxes = paint(self.base, pose, self.look, self.anchors, window, magazine)
        image = cv2.convertScaleAbs(image, alpha=gain)
        if self.noise:
            n = self._noise_order[index]
            image = cv2.subtract(cv2.add(image, self._noise_pos[n]), self._noise_neg[n])
        evidence = []
        if a is not None:
            evidence = [(index, a.activity, part, "evidence", *boxes[part]) for part in pose.evidence if part in boxes]
            if magazine and "magazine_lying" in boxes:
                evidence.append((index, a.activity, "magazine", "distractor", *boxes["magazine_lying"]))
        return Frame(index, image, evidence)


def render_clip(plan: RunPlan, annotation: int, **options) -> np.ndarray:
    """The frames of one annotation of a run as (T, H, W) uint8 (for tests and previews)."""
    a = plan.annotations[annotation]
    out = [f.image for f in RunRenderer(plan, **options).frames() if a.start <= f.index < a.end]
    return np.stack(out)


def write_run(plan: RunPlan, video: Path, evidence: Path, size: tuple[int, int] = (W, H),
              encoder: dict[str, str] | None = None) -> int:
    """Encode the run (H.264, 30 fps, B-frames) and write its evidence; both files atomically.

    Frames stream to the encoder one at a time, so memory does not grow with the run's length.
    ``encoder``: x264 options over ``ENCODER_OPTIONS`` (a single long session uses every core).
    """
    width, height = size
    sx, sy = width / W, height / H
    rows = [EVIDENCE_HEADER]
    with atomic_path(video) as tmp:
        with av.open(str(tmp), "w", format="mp4") as out:
            stream = out.add_stream("libx264", rate=FPS)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.options = {**ENCODER_OPTIONS, **(encoder or {})}
            for frame in RunRenderer(plan).frames():
                image = frame.image if (width, height) == (W, H) else cv2.resize(frame.image, (width, height), interpolation=cv2.INTER_AREA)
                for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="gray")):
                    out.mux(packet)
                for e in frame.evidence:
                    x0, y0, x1, y1 = e[4:]
                    rows.append(f"{e[0]},{e[1]},{e[2]},{e[3]},{int(x0 * sx)},{int(y0 * sy)},"
                                f"{math.ceil(x1 * sx)},{math.ceil(y1 * sy)}")
            for packet in stream.encode():
                out.mux(packet)
    with atomic_path(evidence) as tmp:
        tmp.write_text("\n".join(rows) + "\n")
    return plan.frames
