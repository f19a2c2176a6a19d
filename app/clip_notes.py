"""Stores the tags and notes the Clips list edits, off the GUI thread.

Why a thread of its own rather than the engine worker: a new job on ``EngineWorker`` aborts the
running one, and a write must neither be dropped nor stop an analysis load. Why not a write on the
GUI thread: SQLite waits up to the store's busy timeout while an analysis or a sweep holds the
write lock, and the window must not freeze for that. One thread runs the writes in the order they
were made (each one short transaction); the result comes back as a signal on the GUI thread.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal


class NoteWriter(QObject):
    written = Signal(str, object)  # project, [ClipNote] as stored
    failed = Signal(str, str)  # project, what went wrong

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool: ThreadPoolExecutor | None = None
        self.pending = 0  # writes not yet done (tests wait for 0)

    def write(self, project: str, edits: list) -> None:
        """Store ``edits`` ([(clip key, tags, note)]) in ``project``, in the background."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="cabinlens-notes")
        self.pending += 1
        self._pool.submit(self._write, project, list(edits))

    def _write(self, project: str, edits: list) -> None:
        from cabinlens.engine.analysis.clip_notes import write_notes
        from cabinlens.engine.analysis.store import Store

        try:
            with Store(project) as store:
                stored = write_notes(store, edits)
        except Exception as exc:  # noqa: BLE001 - every failure reaches the user
            self.failed.emit(project, f"tags not saved: {type(exc).__name__}: {exc}")
        else:
            self.written.emit(project, stored)

    def done(self) -> None:
        """One write has been handled on the GUI thread."""
        self.pending = max(0, self.pending - 1)

    def close(self) -> None:
        """Finish the writes already made, then stop the thread."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
