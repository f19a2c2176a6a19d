"""Exports from the window (annotated MP4, a frame as PNG) on a worker of their own, so a session
sweep or an analysis keeps running; progress and Cancel are in the status bar. The engine writes
each file atomically, so a cancelled or failed export leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.worker import EngineWorker
from engine.progress import Message


def _png_job(project: str, specs: list, offsets: list[int], out: str, style, scale: float) -> Iterator[Message]:
    from engine.clips.export import render_frame, write_png

    yield Message(f"saving {Path(out).name} ...")
    write_png(out, render_frame(project, specs, offsets, style=style, scale=scale))
    return out


def _mp4_job(project: str, specs: list, out: str, style, scale: float) -> Iterator[Message]:
    from engine.clips.export import ExportDone, export_clip

    for item in export_clip(project, specs, out, style=style, scale=scale):
        if isinstance(item, ExportDone):
            return str(item.path)
        yield item


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
