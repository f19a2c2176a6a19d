"""The engine worker: runs engine generators on a QThread and turns their yields into signals.

Like superqt's GeneratorWorker: a job is a function returning a generator; the worker checks an
abort flag between yields; submitting a new job aborts the running one, and every signal carries
the job's generation number so receivers drop results of an aborted or superseded job. Errors a
user can fix (``CabinLensError``) arrive as their one-line message; anything else as its type and
message, never as a silent failure.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject, QThread, Signal, Slot


class _Runner(QObject):
    progress = Signal(int, object)  # generation, whatever the job yielded
    finished = Signal(int, object)  # generation, the generator's return value
    failed = Signal(int, str)
    cancelled = Signal(int)

    @Slot(int, object, object)
    def run(self, generation: int, make: Callable[[threading.Event], Iterator], abort: threading.Event) -> None:
        try:
            gen = make(abort)
            value = None
            while True:
                if abort.is_set():
                    gen.close()
                    self.cancelled.emit(generation)
                    return
                try:
                    item = next(gen)
                except StopIteration as stop:
                    value = stop.value
                    break
                self.progress.emit(generation, item)
            self.finished.emit(generation, value)
        except Exception as exc:  # noqa: BLE001 - every failure reaches the user
            from cabinlens.engine.errors import CabinLensError

            message = str(exc) if isinstance(exc, CabinLensError) else f"{type(exc).__name__}: {exc}"
            self.failed.emit(generation, message)


class EngineWorker(QObject):
    """One background thread; ``submit`` replaces the running job."""

    progress = Signal(int, object)
    finished = Signal(int, object)
    failed = Signal(int, str)
    cancelled = Signal(int)
    _start = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("cabinlens-engine")
        self._runner = _Runner()
        self._runner.moveToThread(self._thread)
        self._start.connect(self._runner.run)
        for name in ("progress", "finished", "failed", "cancelled"):
            getattr(self._runner, name).connect(getattr(self, name))
        self._counter = itertools.count(1)
        self._abort = threading.Event()
        self.generation = 0
        self._thread.start()

    def submit(self, make: Callable[[threading.Event], Iterator]) -> int:
        """Run ``make(abort_event)``'s generator in the background; returns its generation."""
        self._abort.set()  # the running job stops at its next yield
        self._abort = threading.Event()
        self.generation = next(self._counter)
        self._start.emit(self.generation, make, self._abort)
        return self.generation

    def cancel(self) -> None:
        self._abort.set()

    def is_current(self, generation: int) -> bool:
        return generation == self.generation

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Stop the job at its next yield and the thread after it; wait up to ``timeout_ms``.

        A job that is still inside one long step then (a t-SNE, an evidence scoring) keeps its thread
        and runner alive in ``_FINISHING`` until it ends: destroying a running QThread (when Python
        collects this worker) would abort the process.
        """
        self._abort.set()
        self._thread.quit()
        if not self._thread.wait(timeout_ms):
            _FINISHING.append((self._thread, self._runner))
        _FINISHING[:] = [(t, r) for t, r in _FINISHING if not t.isFinished()]  # released here, on the GUI thread


_FINISHING: list[tuple[QThread, QObject]] = []  # threads of shut-down workers whose job has not yet returned
