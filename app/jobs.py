"""Engine jobs the application runs on its worker: generators that yield what the views need.

Torch-dependent modules are imported inside the jobs, on the worker thread, so the window is up
before torch loads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cabinlens.engine.analysis.session import SessionTracks, session_tracks, sessions
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.demo import SHIPPED as SHIPPED_NAMES
from cabinlens.engine.progress import Message


@dataclass(frozen=True)
class SessionLoaded:
    tracks: SessionTracks
    frame_count: int
    fps: float


def warm_up() -> Iterator[object]:
    """Import the inference stack in the background right after the window appears."""
    import torch  # noqa: F401

    import cabinlens.engine.analysis.runner  # noqa: F401

    yield Message("ready")


@dataclass(frozen=True)
class RunChoices:
    """The project's analysed split runs, for the analysis panels' run selector."""

    choices: list


def load_project(path: str, summary: str = "") -> Iterator[object]:
    """The project's run choices, its summary line (``summary`` or the session count), then its sessions.

    The sessions come last: the window opens the first one at once, on this same worker, and
    that supersedes this job, so anything yielded after them may never be shown.
    """
    from cabinlens.app.analysis_data import run_choices

    yield Message(f"reading {Path(path).name} ...")
    with Store(path, readonly=True) as store:
        found = sessions(store)
        choices = run_choices(store)
    yield RunChoices(choices)
    yield Message(summary or f"{Path(path).name}: {len(found)} sessions")
    yield found


def open_session(project: str, file_id: str, near_frame: int, abort: threading.Event, sweep: bool = True) -> Iterator[object]:
    """Load a session's tracks at once, then sweep it with every model, nearest the playhead first."""
    from cabinlens.engine.video.reader import probe

    with Store(project, readonly=True) as store:
        tracks = session_tracks(store, file_id)
        sources = {}
        for info in store.runs():
            if info.source and info.kind == "split":
                sources.setdefault(info.source, info)
    info = probe(tracks.video)
    yield SessionLoaded(tracks, info.frame_count, info.fps)
    if not sweep or not sources:
        return
    from cabinlens.engine.analysis.jobs import open_run, sweep_job
    from cabinlens.engine.analysis.runner import analyse
    from cabinlens.engine.cli.common import model_from_arg

    for source, run in sources.items():
        if abort.is_set():
            return
        yield Message(f"loading {run.model} for the session sweep ...")
        model, spec, display, weights = model_from_arg(source)
        job = sweep_job(tracks.video, spec)
        with Store(project) as store:
            run_id = open_run(store, job, spec, display, weights, run.cam_mode, source=source)
            for progress in analyse(store, run_id, model, spec, batch_size=8, workers=1, cam_mode=run.cam_mode,
                                    abort=abort, near_frame=near_frame):
                yield Message(f"sweeping {tracks.file_id} with {display}", progress.done, progress.total)
                if progress.session_done:
                    yield session_tracks(store, file_id)
    yield Message(f"{tracks.file_id}: swept")


def analyse_dataset(root: str, models: list[str], project: str, abort: threading.Event, subset: str = "test") -> Iterator[object]:
    """Open a dataset with checkpoints: analyse its test subset with each model into ``project``."""
    from cabinlens.engine.analysis.jobs import open_run, split_job
    from cabinlens.engine.analysis.runner import analyse
    from cabinlens.engine.cli.common import model_from_arg

    for name in models:
        yield Message(f"loading {Path(name).name} ...")
        model, spec, display, weights = model_from_arg(name)
        job = split_job(root, spec, subset=subset)
        source = str(Path(name).resolve()) if Path(name).exists() else name
        with Store(project) as store:
            run_id = open_run(store, job, spec, display, weights, "clip", source=source)
            for progress in analyse(store, run_id, model, spec, abort=abort):
                yield Message(f"analysing {job.name} with {display}", progress.done, progress.total)
    yield from load_project(project)


def demo(data_dir: str | None, abort: threading.Event) -> Iterator[object]:
    """The demo's preparation (dataset, analyses, embeddings; cached), then its project's sessions."""
    from cabinlens.engine.demo import DemoReady, prepare

    for item in prepare(data_dir, abort=abort):
        if isinstance(item, DemoReady):
            ready = (f"demo ready: {len(SHIPPED_NAMES)} models on split 0 val and test"
                     + (" (cached)" if item.cached else f" (prepared in {item.seconds:.0f} s)"))
            yield from load_project(str(item.project), summary=ready)
        else:
            yield item
