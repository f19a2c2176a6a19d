"""Write a whole synthetic Drive&Act: videos and evidence in parallel, then the annotation CSVs.

Layout (exactly the real one):

    OUT/iccv_activities_3s/activities_3s/inner_mirror/midlevel.chunks_90[.split_K.SUBSET].csv
    OUT/inner_mirror/vpN/<run>.ids_1.mp4            (+ <run>.ids_1.evidence.csv)
    OUT/synth.json                                  (seed, scale, version; "complete" at the end)

Every file is written atomically. ``synth.json`` is written first with ``complete: false``, so a
folder holding another dataset is refused instead of mixed; a re-run with the same seed and scale
keeps the videos already written and finishes the rest. Runs render in separate processes; each
run's output depends only on its own seed, so the number of workers does not change a byte.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from cabinlens.engine.data.synth.config import GENERATOR_VERSION, LEVEL, SCALES, VIEW
from cabinlens.engine.data.synth.plan import RunPlan, plan_dataset, split_files
from cabinlens.engine.errors import InputError
from cabinlens.engine.io import atomic_path

MANIFEST = "synth.json"


@dataclass(frozen=True)
class SynthResult:
    root: Path
    runs: int
    rendered: int  # runs rendered by this call (the rest were already there)
    frames: int
    seconds: float


def annotation_dir(root: Path) -> Path:
    return root / "iccv_activities_3s" / "activities_3s" / VIEW


def video_paths(root: Path, plan: RunPlan) -> tuple[Path, Path]:
    folder = root / VIEW / f"vp{plan.participant}"
    stem = plan.file_id.split("/", 1)[1]
    return folder / f"{stem}.mp4", folder / f"{stem}.evidence.csv"


def _render(plan: RunPlan, root: str, size: tuple[int, int]) -> int:
    from cabinlens.engine.data.synth.render import write_run  # imported in the worker process

    video, evidence = video_paths(Path(root), plan)
    video.parent.mkdir(parents=True, exist_ok=True)
    return write_run(plan, video, evidence, size)


def _check_manifest(root: Path, wanted: dict) -> None:
    path = root / MANIFEST
    if path.exists():
        try:
            found = json.loads(path.read_text())
        except (OSError, ValueError):
            raise InputError(path, "is not a readable synthetic-dataset manifest; use an empty folder") from None
        keys = ("seed", "scale", "version")
        if any(found.get(k) != wanted[k] for k in keys):
            made = ", ".join(f"{k} {found.get(k)}" for k in keys)
            raise InputError(root, f"already holds a synthetic dataset made with {made}; use another folder")
    elif root.exists() and any(root.iterdir()):
        raise InputError(root, "is not empty and holds no synthetic dataset; use an empty or new folder")


def synthesize(
    root: str | Path,
    seed: int = 0,
    scale: str = "small",
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SynthResult:
    """Generate (or finish generating) the dataset in ``root``."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose from {', '.join(SCALES)}")
    root = Path(root)
    t0 = time.perf_counter()
    if is_complete(root, seed, scale):
        plans = plan_dataset(seed, SCALES[scale])
        return SynthResult(root, len(plans), 0, sum(p.frames for p in plans), time.perf_counter() - t0)
    wanted = {"seed": seed, "scale": scale, "version": GENERATOR_VERSION, "view": VIEW, "level": LEVEL}
    _check_manifest(root, wanted)
    root.mkdir(parents=True, exist_ok=True)
    _write_manifest(root, {**wanted, "complete": False})
    config = SCALES[scale]
    plans = plan_dataset(seed, config)
    todo = [p for p in plans if not all(path.exists() for path in video_paths(root, p))]
    size = (config.width, config.height)
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo) or 1))
    done = len(plans) - len(todo)
    if progress:
        progress(done, len(plans))
    if workers == 1:
        for plan in todo:
            _render(plan, str(root), size)
            done += 1
            if progress:
                progress(done, len(plans))
    elif todo:
        # Longest runs first keeps both workers busy to the end.
        todo.sort(key=lambda p: -p.frames)
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(_render, plan, str(root), size) for plan in todo]
            for future in as_completed(futures):
                future.result()
                done += 1
                if progress:
                    progress(done, len(plans))
    folder = annotation_dir(root)
    for name, text in split_files(plans).items():
        with atomic_path(folder / name) as tmp:
            tmp.write_text(text)
    frames = sum(p.frames for p in plans)
    seconds = time.perf_counter() - t0
    _write_manifest(root, {**wanted, "complete": True, "runs": len(plans), "frames": frames,
                           "size": list(size), "fps": 30})
    return SynthResult(root, len(plans), len(todo), frames, seconds)


def _write_manifest(root: Path, data: dict) -> None:
    with atomic_path(root / MANIFEST) as tmp:
        tmp.write_text(json.dumps(data, indent=2) + "\n")


def is_complete(root: str | Path, seed: int, scale: str) -> bool:
    """Whether ``root`` holds the finished dataset for this seed, scale and generator version."""
    try:
        found = json.loads((Path(root) / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return bool(found.get("complete")) and found.get("seed") == seed and found.get("scale") == scale \
        and found.get("version") == GENERATOR_VERSION
