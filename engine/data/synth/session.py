"""One synthetic session of real size: a Drive&Act-long drive at the real resolution, in the real layout.

The dataset's runs last a few minutes at 320x256 with about 12.8 annotations a minute; a real
session lasts 20-40 minutes at 1280x1024 with fewer, longer activities and unannotated stretches
between them. A session here chains the episodes of several planned runs (one intro, one outro),
keeps each activity's duration, and spreads the rest of the time as unannotated gaps so the
annotation density is the real one. It exists to measure the engine and the window at real scale.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from cabinlens.engine.data.synth.config import FPS, GENERATOR_VERSION, LEVEL, SCALES, VIEW
from cabinlens.engine.data.synth.plan import Annotation, RunPlan, plan_run, split_files
from cabinlens.engine.errors import InputError
from cabinlens.engine.io import atomic_path
from cabinlens.engine.video.reader import usable_cores

#: Midlevel annotations per minute of video in the real files (a_column_co_driver midlevel.chunks_90.csv:
#: 29 sessions, 677 minutes up to their last annotated frame, 4.88 annotations and 15.3 chunk rows a minute).
REAL_ANNOTATIONS_PER_MINUTE = 4.88
#: The real NIR files' GOP (see DESIGN: long GOPs with B-frames are the hard case for seeking).
SESSION_ENCODER = {"g": "300", "keyint_min": "300", "bf": "3", "threads": "0"}
MANIFEST = "synth.json"


@dataclass(frozen=True)
class SessionResult:
    root: Path
    video: Path
    annotations: int
    frames: int
    seconds: float


def plan_session(minutes: float, seed: int = 0, per_minute: float = REAL_ANNOTATIONS_PER_MINUTE) -> RunPlan:
    """A run of ``minutes`` with about ``per_minute`` annotations a minute, deterministic for its seed."""
    frames = max(1, round(minutes * 60 * FPS))
    wanted = max(1, round(per_minute * minutes))
    root = np.random.SeedSequence([seed, 0x5E55])
    first = plan_run(1, 0, SCALES["small"], root.spawn(1)[0])
    intro = [a for a in first.annotations if a.episode == "intro"]
    outro = [a for a in first.annotations if a.episode == "outro"]
    middle: list[Annotation] = []
    k = 1
    while len(intro) + len(middle) + len(outro) < wanted:
        more = plan_run(1, k, SCALES["small"], root.spawn(1)[0]) if k > 1 else first
        middle += [a for a in more.annotations if a.episode not in ("intro", "outro")]
        k += 1
    chosen = intro + middle[: max(0, wanted - len(intro) - len(outro))] + outro
    while chosen and sum(a.end - a.start for a in chosen) > frames:
        chosen.pop(len(chosen) // 2)  # too short a session for this density: fewer activities
    rng = np.random.default_rng(root.spawn(1)[0])
    spare = frames - sum(a.end - a.start for a in chosen)
    gaps = np.floor(rng.dirichlet(np.ones(len(chosen) + 1)) * spare).astype(int)
    annotations, t = [], 0
    for a, gap in zip(chosen, gaps[:-1], strict=True):
        t += int(gap)
        annotations.append(replace(a, start=t, end=t + a.end - a.start))
        t += a.end - a.start
    return RunPlan(1, first.run, frames, tuple(annotations), first.seed, int(root.generate_state(1)[0]))


def write_session(root: str | Path, minutes: float, size: tuple[int, int] = (1280, 1024), seed: int = 0) -> SessionResult:
    """Render one session into ``root`` in the Drive&Act layout (video, evidence, midlevel CSVs)."""
    from cabinlens.engine.data.synth.generate import annotation_dir, video_paths
    from cabinlens.engine.data.synth.render import write_run

    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise InputError(root, "is not empty; a session is written into an empty or new folder")
    t0 = time.perf_counter()
    plan = plan_session(minutes, seed)
    video, evidence = video_paths(root, plan)
    video.parent.mkdir(parents=True, exist_ok=True)
    write_run(plan, video, evidence, size, encoder={**SESSION_ENCODER, "threads": str(usable_cores())})
    folder = annotation_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in split_files([plan]).items():
        with atomic_path(folder / name) as tmp:
            tmp.write_text(text)
    with atomic_path(root / MANIFEST) as tmp:
        tmp.write_text(json.dumps({"seed": seed, "session_minutes": minutes, "version": GENERATOR_VERSION,
                                   "view": VIEW, "level": LEVEL, "complete": True, "runs": 1, "frames": plan.frames,
                                   "size": list(size), "fps": FPS}, indent=2) + "\n")
    return SessionResult(root, video, len(plan.annotations), plan.frames, time.perf_counter() - t0)
