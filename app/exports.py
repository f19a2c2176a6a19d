"""Exports from the window (annotated MP4, a frame as PNG, the project's report) on a worker of
their own, so a session sweep or an analysis keeps running; progress and Cancel are in the status
bar. The engine writes each file atomically, so a cancelled or failed export leaves nothing behind."""

from __future__ import annotations

import queue
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from cabinlens.app.worker import EngineWorker
from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.progress import Message

REPORT_STEP = re.compile(r"report: (\d+)/(\d+) (.*)")


def _png_job(project: str, specs: list, offsets: list[int], out: str, style, scale: float) -> Iterator[Message]:
    from cabinlens.engine.clips.export import save_frame

    yield Message(f"saving {Path(out).name} ...")
    save_frame(project, specs, offsets, out, style=style, scale=scale)
    return out


def _mp4_job(project: str, specs: list, out: str, style, scale: float) -> Iterator[Message]:
    from cabinlens.engine.clips.export import ExportDone, export_clip

    for item in export_clip(project, specs, out, style=style, scale=scale):
        if isinstance(item, ExportDone):
            return str(item.path)
        yield item


def report_folder(parent: str | Path, project: str | Path) -> Path:
    """``<parent>/<project>-report``, or ``-report-2`` ... when that exists: a report never overwrites."""
    stem = Path(project).name.rsplit(".", 1)[0]
    candidate, n = Path(parent) / f"{stem}-report", 1
    while candidate.exists():
        n += 1
        candidate = Path(parent) / f"{stem}-report-{n}"
    return candidate


def _report_job(project: str, out: str) -> Iterator[Message]:
    """``cabinlens report`` in a child process (which writes a hidden folder renamed when complete).

    A child, because the report may compute t-SNE with scikit-learn, whose OpenMP must not load
    beside torch's in the window's process (see ``app.analysis_data.tsne_elsewhere``); and because
    a cancel can then stop it at once. A cancelled or failed report leaves no folder behind."""
    target = Path(out)
    partial = target.with_name(f".{target.name}.partial")  # the child's folder until it is complete
    child = subprocess.Popen([sys.executable, "-m", "cabinlens", "report", project, "--out", str(target)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in child.stderr], name="cabinlens-report-log")
    reader.start()
    said: list[str] = []
    try:
        yield Message(f"report of {Path(project).name} ...")
        while child.poll() is None or not lines.empty():
            try:
                line = lines.get(timeout=0.2).rstrip()
            except queue.Empty:
                yield Message(f"report of {Path(project).name} ...") if not said else Message(said[-1])
                continue
            step = REPORT_STEP.fullmatch(line)
            if step:
                said.append(f"report: {step[3]}")
                yield Message(said[-1], int(step[1]), int(step[2]))
            elif line:
                said.append(line)
        if child.returncode != 0:
            problem = next((x for x in reversed(said) if x.startswith("cabinlens: error:")), said[-1] if said else "")
            problem = problem.removeprefix("cabinlens: error: ") or f"exit status {child.returncode}"
            where = "" if project in problem else f" of {project}"
            raise CabinLensError(f"report{where} not written: {problem}")
        return str(target / "index.html")
    finally:
        if child.poll() is None:
            child.terminate()
            child.wait()
        reader.join(timeout=10)
        child.stderr.close()
        shutil.rmtree(partial, ignore_errors=True)


class Exports(QObject):
    progress = Signal(object)  # Message
    done = Signal(str)  # path of the finished file
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = EngineWorker(self)
        self.generation = -1
        self.busy = False
        self.style = None  # the overlay style of the running (or last) export
        self.worker.progress.connect(self._progress)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self._failed)
        self.worker.cancelled.connect(self._cancelled)

    def mp4(self, project: str, specs: list, out: str, style, scale: float = 1.0) -> None:
        self.style = style
        self._start(lambda _abort: _mp4_job(project, list(specs), out, style, scale))

    def png(self, project: str, specs: list, offsets: list[int], out: str, style, scale: float = 1.0) -> None:
        self.style = style
        self._start(lambda _abort: _png_job(project, list(specs), list(offsets), out, style, scale))

    def report(self, project: str, out: str | Path) -> None:
        """The whole report of ``project`` (``cabinlens report``) into the new folder ``out``."""
        self.style = None
        self._start(lambda _abort: _report_job(project, str(out)))

    def _start(self, make) -> None:
        self.busy = True
        self.generation = self.worker.submit(make)

    def cancel(self) -> None:
        self.worker.cancel()

    def close(self) -> None:
        self.worker.shutdown()

    def _progress(self, generation: int, item: object) -> None:
        if generation == self.generation and isinstance(item, Message):
            self.progress.emit(item)

    def _finished(self, generation: int, value: object) -> None:
        if generation == self.generation:
            self.busy = False
            self.done.emit(str(value))

    def _failed(self, generation: int, text: str) -> None:
        if generation == self.generation:
            self.busy = False
            self.failed.emit(text)

    def _cancelled(self, generation: int) -> None:
        if generation == self.generation:
            self.busy = False
            self.cancelled.emit()
