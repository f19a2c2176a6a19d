"""Engine jobs the application runs on its worker: generators that yield what the views need.

Torch-dependent modules are imported inside the jobs, on the worker thread, so the window is up
before torch loads.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cabinlens.engine.analysis.events import ModelWarning
from cabinlens.engine.analysis.relocate import locate_checkpoint
from cabinlens.engine.analysis.session import SessionTracks, session_tracks, sessions
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.background import Pacer, in_background
from cabinlens.engine.demo import SHIPPED as SHIPPED_NAMES
from cabinlens.engine.errors import InputError
from cabinlens.engine.progress import Message
from cabinlens.engine.rate import ProgressRate, progress_text


@dataclass(frozen=True)
class SessionLoaded:
    tracks: SessionTracks
    frame_count: int
    fps: float


@dataclass(frozen=True)
class SessionsFound:
    """The project's sessions (``SessionSummary`` each), for the session browser."""

    sessions: list


@dataclass(frozen=True)
class ProjectOpened:
    """The project file was read: from here on it is the window's project (and a recent one)."""

    path: str


@dataclass(frozen=True)
class RunChoices:
    """The project's analysed split runs, for the analysis panels' run selector."""

    choices: list


def load_project(path: str, summary: str = "") -> Iterator[object]:
    """That the project opened, its run choices, its summary line (``summary`` or the session count),
    then its sessions. A file that cannot be read fails the job before anything is yielded but a message.

    The sessions come last: the window opens the first one at once, on this same worker, and
    that supersedes this job, so anything yielded after them may never be shown.
    """
    from cabinlens.app.analysis_data import run_choices

    yield Message(f"reading {Path(path).name} ...")
    try:
        with Store(path, readonly=True) as store:
            found = sessions(store)
            choices = run_choices(store)
    except sqlite3.DatabaseError as exc:  # a header that reads but pages that do not (truncated, overwritten)
        raise InputError(path, f"is damaged or not a CabinLens project ({exc})") from None
    yield ProjectOpened(path)
    yield RunChoices(choices)
    yield Message(summary or f"{Path(path).name}: {len(found)} sessions")
    yield SessionsFound(found)


def _service_events(events: Iterator[object], what: str, unit: str, after_batch=None) -> Iterator[object]:
    """The service's events as the window takes them: progress as a status-bar Message with the count,
    the rate and the time left (then whatever ``after_batch()`` yields once a batch is stored), warnings
    and run starts (with the device) as they are.

    ``what`` names the work, with ``{model}`` and ``{device}`` filled in per run.
    """
    from cabinlens.engine.analysis.runner import Progress
    from cabinlens.engine.analysis.service import RunStarted

    model, device = "a model", ""
    meter = ProgressRate()
    for event in events:
        if isinstance(event, Progress):
            rate = meter.add(event.done)
            counted = progress_text(event.done, event.total, rate, unit)
            title = what.replace("{model}", model).replace("{device}", device)
            yield Message(f"{title}: {counted}", event.done, event.total)
            if after_batch is not None and event.session_done:
                yield from after_batch()
            continue
        if isinstance(event, RunStarted):
            model, device = event.model, event.device
            meter.reset()
        yield event


def open_session(project: str, file_id: str, near_frame: int, abort: threading.Event, sweep: bool = True,
                 device: str = "auto", span: int | None = None) -> Iterator[object]:
    """Load a session's tracks at once, then sweep it with every model, nearest the playhead first.

    ``span``: sweep only the windows whose centre is that many frames or fewer from ``near_frame``
    (None: the whole session). The sweep runs at background priority (``engine.background``): fewer
    torch threads, a lower OS priority and a pause between batches, so playback keeps its rate.
    """
    from cabinlens.engine.video.reader import probe

    with Store(project, readonly=True) as store:
        tracks = session_tracks(store, file_id)
        sources = {}
        lost: dict[str, str] = {}  # model -> the checkpoint path its run stored, found nowhere now
        seen: set[str] = set()
        for info in store.runs():
            if info.source and info.kind == "split" and info.source not in seen:
                seen.add(info.source)
                found = info.source if not _is_path(info.source) else \
                    locate_checkpoint(info.source, info.checkpoint_sha256, Path(project))
                if found is None:
                    lost.setdefault(info.model, info.source)
                else:
                    sources.setdefault(found, info)
    info = probe(tracks.video)
    yield SessionLoaded(tracks, info.frame_count, info.fps)
    for model, path in lost.items():  # a background sweep is not worth a dialog: say it once, go on
        yield ModelWarning(model, f"not swept: its checkpoint {path} is not there any more (nor beside the project)")
    if not sweep or not sources:
        return
    # On a thread of its own that ends with the sweep: the engine worker keeps its priority.
    yield from in_background(lambda: _sweep(project, tracks, sources, near_frame, span, abort, device))
    yield Message(f"{tracks.file_id}: swept" + (" around the playhead" if span is not None else ""))


def _sweep(project: str, tracks: SessionTracks, sources: dict, near_frame: int, span: int | None,
           abort: threading.Event, device: str) -> Iterator[object]:
    """Each model's sweep of the session, with a pause after every batch (see ``open_session``)."""
    from cabinlens.engine.analysis.jobs import sweep_job
    from cabinlens.engine.analysis.service import Analysis, analyse_models

    file_id = tracks.file_id
    where = " around the playhead" if span is not None else ""

    pause = Pacer()
    last_read = [0.0]

    def after_batch() -> list[SessionTracks]:
        """The grown tracks, read at most once a second (the player draws them no more often; an
        hour's tracks are thousands of rows per model, and a GPU stores a batch every few milliseconds)."""
        pause()
        if time.monotonic() - last_read[0] < TRACKS_EVERY_S:
            return []
        last_read[0] = time.monotonic()
        return [_tracks(project, file_id)]

    for source, run in sources.items():
        if abort.is_set():
            return
        yield Message(f"loading {run.model} for the session sweep ...")
        # The model as the run built it: its architecture and input spec (a bare state dict's --arch/--frames/--size).
        clip = run.spec.get("input", {})
        how = Analysis(device=device, cam_mode=run.cam_mode, batch_size=None, workers=1, near_frame=near_frame,
                       near_span=span, arch=run.arch or None, frames=clip.get("frames"),
                       size=_size_of(clip.get("size")))
        events = analyse_models(project, [source], lambda spec: sweep_job(tracks.video, spec, file_id=file_id), how, abort=abort)
        yield from _service_events(events, "Sweep {model}" + where, "window", after_batch=after_batch)
        yield _tracks(project, file_id)  # what the last batches added


TRACKS_EVERY_S = 1.0


def _is_path(source: str) -> bool:
    """A run's source is a checkpoint path, or an architecture name (random weights)."""
    return "/" in source or "\\" in source or Path(source).suffix != ""


def _size_of(size: object) -> tuple[int, int] | None:
    return (int(size[0]), int(size[1])) if isinstance(size, (list, tuple)) and len(size) == 2 else None


def _tracks(project: str, file_id: str) -> SessionTracks:
    with Store(project, readonly=True) as store:
        return session_tracks(store, file_id)


def analyse_dataset(root: str, models: list[str], project: str, abort: threading.Event, subset: str | None = None,
                    device: str = "auto") -> Iterator[object]:
    """Open a dataset with checkpoints: analyse it with each model into ``project``.

    ``subset`` None: a Drive&Act layout's test subset, or every row of a segments CSV."""
    from cabinlens.engine.analysis.jobs import split_job
    from cabinlens.engine.analysis.service import Analysis, analyse_models

    yield Message(f"loading {', '.join(Path(m).name for m in models)} ...")
    events = analyse_models(project, models, lambda spec: split_job(root, spec, subset=subset), Analysis(device=device),
                            abort=abort)
    yield from _service_events(events, f"Analysing {subset or Path(root).name} with {{model}} on {{device}}", "clip")
    if abort.is_set():
        return
    yield from load_project(project)


def demo(data_dir: str | None, abort: threading.Event, device: str = "auto") -> Iterator[object]:
    """The demo's preparation (dataset, analyses, embeddings; cached), then its project's sessions."""
    from cabinlens.engine.demo import DemoReady, prepare

    for item in prepare(data_dir, abort=abort, device=device):
        if isinstance(item, DemoReady):
            ready = (f"demo ready: {len(SHIPPED_NAMES)} models on split 0 val and test"
                     + (" (cached)" if item.cached else f" (prepared in {item.seconds:.0f} s)"))
            yield from load_project(str(item.project), summary=ready)
        else:
            yield item
