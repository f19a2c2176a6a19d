"""Wires the explanation-checks panel to the shown analysis run and to two workers of its own.

- When the shown run changes, a cheap job reads what is known about its checks (stored results
  beside the project, a missing checkpoint, missing evidence files) on the ``lookup`` worker.
- "Run checks" starts ``engine.analysis.sanity_job.run_checks`` on the ``checks`` worker: minutes on a
  CPU, so it has a worker of its own (opening a session or another run never cancels it), its
  progress and Cancel in the status bar, and one job at a time: a click while it runs does nothing.
- Results are kept per (project, run) for the window's life and on disk by the job, so showing a
  run again, or reopening the project, shows them without recomputing.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QProgressBar, QPushButton, QSizePolicy

from cabinlens.app.state import AppState
from cabinlens.app.worker import EngineWorker
from cabinlens.engine.analysis.sanity import Budget
from cabinlens.engine.analysis.sanity_job import Readiness, readiness, run_checks
from cabinlens.engine.analysis.sanity_results import ExplanationChecks
from cabinlens.engine.progress import Message
from cabinlens.widgets.plots import TitleLabel
from cabinlens.widgets.sanity_panel import SanityPanel

NOT_YET = ("Not checked yet. Run checks loads the model and, on a small set of this run's clips, randomises it "
           "block by block, plays reversible actions backwards and deletes the map's top voxels (minutes on a CPU).")


class SanityChecks(QObject):
    progress = Signal(object)  # Message: the running checks' step, for the status bar
    ended = Signal(str)  # the checks finished, failed or were cancelled: what to say

    def __init__(self, state: AppState, panel: SanityPanel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.panel = panel
        self.lookup = EngineWorker(self)
        self.checks = EngineWorker(self)
        self.known: dict[tuple[str, int], ExplanationChecks] = {}
        self.readiness: Readiness | None = None
        self.running: tuple[str, int] | None = None  # (project, run) being checked
        self.run_names: dict[int, str] = {}
        self.budget = Budget()  # per_class, batch size and seed; the panel chooses the clips
        self.lookup_generation = -1
        self.checks_generation = -1
        self.starts = 0  # jobs started (a second click while one runs starts none)
        self.last_step = ""  # what the running checks do now
        self.status_parts: tuple = ()
        state.analysisRunChanged.connect(self.show_run)
        panel.runRequested.connect(self.start)
        self.lookup.progress.connect(self._looked_up)
        self.lookup.failed.connect(self._lookup_failed)
        self.checks.progress.connect(self._step)
        self.checks.finished.connect(self._finished)
        self.checks.failed.connect(self._failed)
        self.checks.cancelled.connect(self._cancelled)

    # ------------------------------------------------------------------ the shown run
    def set_run_names(self, names: dict[int, str]) -> None:
        self.run_names = dict(names)
        self.panel.set_title(self.run_names.get(self.state.analysis_run, ""))

    def show_run(self, run_id: int) -> None:
        self.readiness = None
        self.panel.set_title(self.run_names.get(run_id, ""))
        self.panel.set_blocker("")
        project = self.state.project
        if run_id < 0 or not project:
            self.panel.show_checks(None, "no analysed run shown")
            return
        kept = self.known.get((project, run_id))
        self.panel.show_checks(kept, "" if kept else "looking for stored checks ...")
        self._show_running()
        self.lookup_generation = self.lookup.submit(lambda _abort: readiness(project, run_id))

    def _shown(self) -> tuple[str, int]:
        return self.state.project, self.state.analysis_run

    def _looked_up(self, generation: int, item: object) -> None:
        if generation != self.lookup_generation or not isinstance(item, Readiness) or \
                (self.state.project, item.run_id) != self._shown():
            return
        self.readiness = item
        key = self._shown()
        if item.stored is not None and key not in self.known:
            self.known[key] = item.stored
        kept = self.known.get(key)
        notes = " ".join(item.notes)
        self.panel.show_checks(kept, notes if kept else f"{NOT_YET} {notes}".strip())
        self.panel.set_blocker(item.blocker)
        self._show_running()

    def _lookup_failed(self, generation: int, text: str) -> None:
        if generation == self.lookup_generation:
            self.panel.set_blocker(f"the run's checks cannot be read: {text}")

    def _show_running(self) -> None:
        """The button waits while any check runs; the status line says which run is checked."""
        if self.running is None:
            self.panel.set_running(None)
        elif self.running == self._shown():
            self.panel.set_running(self.last_step or "running the checks ...")
        else:
            self.panel.set_running(f"the checks of {self.run_names.get(self.running[1], 'another run')} are running; "
                                   "one run is checked at a time")

    # ------------------------------------------------------------------ running
    def start(self, clips: int | None = None) -> bool:
        """Check the shown run in the background; False (and nothing started) while checks run or cannot."""
        project, run_id = self._shown()
        if self.running is not None or run_id < 0 or not project or self.panel.blocker:
            return False
        budget = Budget(clips=clips or self.budget.clips, per_class=self.budget.per_class,
                        batch_size=self.budget.batch_size, seed=self.budget.seed)
        device = self.state.device
        self.running = (project, run_id)
        self.starts += 1
        self.last_step = "starting the checks ..."
        self._show_running()
        self.checks_generation = self.checks.submit(
            lambda _abort: run_checks(project, run_id, budget=budget, device=device))
        return True

    def cancel(self) -> None:
        self.checks.cancel()

    def _step(self, generation: int, item: object) -> None:
        if generation != self.checks_generation or not isinstance(item, Message):
            return
        self.last_step = item.text
        self.progress.emit(item)
        if self.running == self._shown():
            self.panel.set_running(item.text)

    def _done(self) -> tuple[str, int] | None:
        key, self.running, self.last_step = self.running, None, ""
        self._show_running()
        return key

    def _finished(self, generation: int, value: object) -> None:
        if generation != self.checks_generation:
            return
        key = self._done()
        if isinstance(value, ExplanationChecks) and key is not None:
            self.known[key] = value
            if key == self._shown():
                self.panel.show_checks(value, " ".join(self.readiness.notes) if self.readiness else "")
            self.ended.emit(f"explanation checks of {value.model} done: " +
                            "; ".join(f"{v.check.lower()} {v.status}" for v in value.verdicts()))

    def _failed(self, generation: int, text: str) -> None:
        if generation != self.checks_generation:
            return
        key = self._done()
        if key == self._shown():
            self.panel.status.setText(f"<span style='color:#b01e1e'>the checks failed: {text}</span>")
        self.ended.emit(f"explanation checks failed: {text}")

    def _cancelled(self, generation: int) -> None:
        if generation != self.checks_generation:
            return
        key = self._done()
        if key == self._shown():
            kept = self.known.get(key)
            self.panel.show_checks(kept, "" if kept else "checks cancelled; nothing kept. " + NOT_YET)
        self.ended.emit("explanation checks cancelled; nothing kept")

    def status_widgets(self) -> list:
        """A label, a progress bar and a Cancel button for the window's status bar (hidden while idle)."""
        label, bar, cancel = TitleLabel(""), QProgressBar(), QPushButton("Cancel checks")
        label.setObjectName("checksStatus")
        # Elided at a width of its own: a long step or verdict must not widen the window past a small screen.
        label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        label.setMaximumWidth(320)
        bar.setMaximumWidth(140)
        cancel.clicked.connect(self.cancel)

        def step(message: Message) -> None:
            label.setText(message.text)
            bar.setRange(0, max(1, message.total))
            bar.setValue(message.done)
            for w in (label, bar, cancel):
                w.show()

        def ended(text: str) -> None:
            bar.hide()
            cancel.hide()
            label.setText(text)
            label.show()

        self.progress.connect(step)
        self.ended.connect(ended)
        for w in (label, bar, cancel):
            w.hide()
        self.status_parts = (label, bar, cancel)
        return [label, bar, cancel]

    def close(self) -> None:
        self.lookup.shutdown()
        self.checks.shutdown()
