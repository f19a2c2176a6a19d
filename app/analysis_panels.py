"""Wires the analysis panels to the one selection model: every panel observes ``AppState`` and
updates it; none calls another.

- The run selector sets ``analysis_run``; its data (metrics, t-SNE, Ward) loads on a worker of its
  own (a session sweep on the main worker keeps running), and every panel shows a placeholder
  meanwhile, then the same numbers.
- Confusion cells, scatter boxes, bubbles, bars and table links set ``selection``; the clip list
  shows it and the scatter highlights it. A single clip also opens in the player.
- The dendrogram sets ``class_filter``; the scatter and the matrix follow it.
- Near misses list the run's pairs, or those involving the selection; a click on one, or Compare in
  the clip list, asks the window to show clips side by side (``compareRequested``).
- The explanation checks of the shown run run on workers of their own (``SanityChecks``).
- The clip list filters and sorts every clip of the run (a selection narrows it); the tags and notes
  it edits are stored in the project by ``NoteWriter``, off the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox

from cabinlens.app.analysis_data import AnalysisData, RunChoice, clock, load_analysis
from cabinlens.app.clip_notes import NoteWriter
from cabinlens.engine.progress import Message
from cabinlens.app.dispatch import Dispatch
from cabinlens.app.sanity_checks import SanityChecks
from cabinlens.app.state import AppState
from cabinlens.app.thumbnails import Thumbnails
from cabinlens.app.worker import EngineWorker
from cabinlens.widgets.class_report import ClassReport
from cabinlens.widgets.clip_list import ClipList
from cabinlens.widgets.confusion_matrix import ConfusionPanel
from cabinlens.widgets.dendrogram import Dendrogram
from cabinlens.widgets.embedding_scatter import EmbeddingScatter
from cabinlens.widgets.failure_plots import FailurePlots
from cabinlens.widgets.near_miss_list import NearMissList
from cabinlens.widgets.sanity_panel import SanityPanel

MAX_PAIRS = 300  # listed near misses (the best ones)
MAX_MODEL_PAIRS = 3  # clips compared under two models at once (two panes each)


class AnalysisPanels(QObject):
    compareRequested = Signal(object, object, str)  # PaneSpecs, pane titles, what is compared
    playerRequested = Signal()  # a clip was opened in the player: the window shows the player

    def __init__(self, state: AppState, parent: QObject) -> None:
        super().__init__(parent)
        self.state = state
        self.worker = EngineWorker(self)
        self.thumbnails = Thumbnails()
        self.runs = QComboBox()
        self.runs.setMinimumWidth(320)
        self.runs.setToolTip("the analysed run the panels show (model and subset)")
        self.scatter = EmbeddingScatter(self.thumbnails)
        self.confusion = ConfusionPanel()
        self.report = ClassReport()
        self.dendrogram = Dendrogram()
        self.failures = FailurePlots()
        self.clips = ClipList(self.thumbnails)
        self.near = NearMissList()
        self.sanity = SanityPanel()
        self.checks = SanityChecks(state, self.sanity, self)  # workers of its own: a long job nothing else cancels
        self.notes_writer = NoteWriter(self)
        self.clip_notes: dict = {}  # the project's tags and notes by clip, as the list shows them
        self.shown_pairs: list = []
        self.data: AnalysisData | None = None
        self.generation = -1
        self.selection_what = ""
        self.selection_peer = None  # the other model, while the selection is clips the two disagree on
        self.runs.currentIndexChanged.connect(self._run_chosen)
        state.analysisRunChanged.connect(self._load)
        state.selectionChanged.connect(self._selection)
        state.classFilterChanged.connect(self._filter)
        self.confusion.view.cellClicked.connect(lambda t, p: self.select(self.data.samples_of(t, p), f"{t} → {p}"))
        self.report.confusionClicked.connect(lambda t, p: self.select(self.data.samples_of(t, p), f"{t} → {p}"))
        self.report.classClicked.connect(lambda c: self.select(self.data.samples_of(c), f"ground truth {c}"))
        self.failures.classClicked.connect(lambda c: self.select(self.data.samples_of(c), f"ground truth {c}"))
        self.report.disagreementClicked.connect(self.select_disagreements)
        self.failures.confusionClicked.connect(lambda t, p: self.select(self.data.samples_of(t, p), f"{t} → {p}"))
        self.scatter.clipClicked.connect(lambda i: self.select([i], "clicked in the scatter", open_it=True))
        self.scatter.boxSelected.connect(lambda ids: self.select(ids, "box in the scatter"))
        self.dendrogram.filterChosen.connect(state.set_class_filter)
        self.clips.clipActivated.connect(self.open_clip)
        self.clips.compareRequested.connect(self.compare_clips)
        self.clips.allRequested.connect(self._all_pairs)
        self.clips.notesEdited.connect(self.save_notes)
        self.notes_writer.written.connect(self._notes_written)
        self.notes_writer.failed.connect(self._notes_failed)
        self.near.pairClicked.connect(self.compare_pair)
        self.near.showAllRequested.connect(self._all_pairs)
        self._route = Dispatch({Message: self._waiting, AnalysisData: self._loaded})
        self.worker.progress.connect(self._progress)
        self.worker.failed.connect(self._failed)

    def panels(self) -> list:
        return [self.scatter, self.confusion, self.report, self.dendrogram, self.failures]

    def close(self) -> None:
        self.notes_writer.close()
        self.checks.close()
        self.worker.shutdown()
        self.thumbnails.close()

    # ------------------------------------------------------------------ runs
    def set_runs(self, choices: list[RunChoice]) -> None:
        """The project's analysed runs; shows the first model's test run (else its first run)."""
        self.runs.blockSignals(True)
        self.runs.clear()
        for c in choices:
            self.runs.addItem(c.name, c.id)
        self.runs.blockSignals(False)
        self.checks.set_run_names({c.id: c.name for c in choices})
        if not choices:
            self.state.set_analysis_run(-1)
            self._placeholder("no analysed runs in this project")
            return
        first_model = choices[0].model
        pick = next((k for k, c in enumerate(choices) if c.model == first_model and c.subset == "test"), 0)
        self.runs.setCurrentIndex(pick)
        self._run_chosen(pick)

    def _run_chosen(self, index: int) -> None:
        if index >= 0:
            self.state.set_analysis_run(int(self.runs.itemData(index)))

    def _load(self, run_id: int) -> None:
        self.data = None
        if run_id < 0 or not self.state.project:
            return
        self._placeholder("computing the embedding and the clustering ...")
        project = self.state.project
        self.generation = self.worker.submit(lambda _abort: load_analysis(project, run_id))

    def _failed(self, generation: int, text: str) -> None:
        if generation == self.generation:
            self._placeholder(text)

    def _placeholder(self, text: str) -> None:
        for panel in self.panels():
            panel.set_data(None, text)
        self.clips.show_clips(None, [])
        self.shown_pairs = []
        self.near.show_pairs([], text, False)

    def _progress(self, generation: int, item: object) -> None:
        if generation != self.generation:
            return
        self._route(item)

    def _waiting(self, item: Message) -> None:
        """The panels say what they wait for; the status bar stays the player's."""
        if self.data is None:
            self._placeholder(item.text)

    def _loaded(self, item: AnalysisData) -> None:
        if item.run_id != self.state.analysis_run:
            return
        self.data = item
        for panel in self.panels():
            panel.set_data(item)
        self.clip_notes = dict(item.clip_notes)
        self.clips.set_notes(self.clip_notes)
        self.clips.show_clips(item, [], "")
        self._filter(self.state.class_filter)
        self._pairs()

    # ------------------------------------------------------------------ selection and filter
    def select(self, positions, what: str, open_it: bool = False, peer=None) -> None:
        if self.data is None:
            return
        self.selection_what = what
        self.selection_peer = peer
        self.state.set_selection(positions)
        if open_it and len(positions) == 1:
            self.open_clip(positions[0])

    def select_disagreements(self, true: str) -> None:
        """The clips of class ``true`` that only one of the shown and the compared model gets right;
        Compare then shows each under both models."""
        peer = self.report.peer
        if self.data is None or peer is None:
            return
        self.select(self.data.disagreements(peer, true),
                    f"{true}: right for {self.data.model} or {peer.theirs_model} only", peer=peer)

    def _selection(self, positions) -> None:
        self.clips.show_clips(self.data, positions, self.selection_what)
        self.scatter.set_selected(positions)
        self._pairs()

    # ------------------------------------------------------------------ near misses and compare
    def _all_pairs(self) -> None:
        self.select([], "")

    def _pairs(self) -> None:
        """The run's near misses; with a selection, those with a clip in it (a confusion cell, a box)."""
        d = self.data
        if d is None:
            return
        chosen = set(self.state.selection)
        pairs = [m for m in d.near_misses if not chosen or m.correct in chosen or m.wrong in chosen]
        self.shown_pairs = pairs[:MAX_PAIRS]
        rows = []
        for m in self.shown_pairs:
            c, w = d.samples[m.correct], d.samples[m.wrong]
            rows.append((d.classes[m.label], f"{d.classes[m.predicted]} ({d.confidence[m.wrong]:.0%})", m.how(),
                         f"{c.file_id} {clock(c.frame_start)}", f"{w.file_id} {clock(w.frame_start)}"))
        scope = f"involving the selection ({self.selection_what})" if chosen else f"of {d.name}"
        title = (f"<b>{len(pairs)} near misses</b> {scope}: same ground truth, one right and one wrong, close in "
                 f"time (first) or in the embedding. Click one to compare."
                 + (f" Best {MAX_PAIRS} listed." if len(pairs) > MAX_PAIRS else ""))
        self.near.show_pairs(rows, title, bool(chosen))

    def _spec(self, position: int, model: str | None = None):
        from cabinlens.engine.clips.panes import PaneSpec

        s = self.data.samples[position]
        return PaneSpec(s.file_id, s.frame_start, s.frame_end, model or self.data.model, "pred")

    def compare_pair(self, row: int) -> None:
        if self.data is None or not 0 <= row < len(self.shown_pairs):
            return
        m, d = self.shown_pairs[row], self.data
        self.compareRequested.emit(
            [self._spec(m.correct), self._spec(m.wrong)],
            ["right", f"wrong: {d.classes[m.predicted]}"],
            f"Near miss in {d.name}: <b>{d.classes[m.label]}</b> right and taken for "
            f"<b>{d.classes[m.predicted]}</b>; {m.how()}, feature distance {m.distance:.3f}")

    def compare_clips(self, positions) -> None:
        if self.data is None or not positions:
            return
        peer = self.selection_peer
        if peer is not None and peer.theirs_model != self.data.model:  # panes name models: two of one name look alike
            self.compare_models(positions[:MAX_MODEL_PAIRS], peer)
            return
        d = self.data
        titles = ["right" if d.labels[i] == d.predicted[i] else f"wrong: {d.classes[d.predicted[i]]}" for i in positions]
        self.compareRequested.emit([self._spec(i) for i in positions], titles,
                                   f"{len(positions)} clips of {d.name}" + (f" · {self.selection_what}" if self.selection_what else ""))

    def compare_models(self, positions, peer) -> None:
        """Each clip under the shown model and under ``peer``'s, side by side: where each one looked."""
        d = self.data
        mine_right = set(peer.only_mine_clips)
        specs, titles = [], []
        for i in positions:
            right = int(d.indices[i]) in mine_right
            specs += [self._spec(i), self._spec(i, peer.theirs_model)]
            titles += [f"{d.model}: {'right' if right else 'wrong'}", f"{peer.theirs_model}: {'wrong' if right else 'right'}"]
        self.compareRequested.emit(specs, titles, f"{len(positions)} clip(s) of {d.classes[d.labels[positions[0]]]} "
                                                  f"that only one of {d.model} and {peer.theirs_model} gets right")

    def _filter(self, classes) -> None:
        self.scatter.set_filter(classes)
        self.confusion.set_highlight(classes)
        if classes and self.data is not None:
            self.dendrogram.title.setText(f"<b>filter</b>: {', '.join(sorted(classes))} (click empty space to clear)")

    # ------------------------------------------------------------------ tags and notes
    def save_notes(self, edits) -> None:
        """Tags and notes edited in the clip list: shown at once, stored in the background."""
        from cabinlens.engine.analysis.clip_notes import ClipNote, parse_tags

        project = self.state.project
        if not project or not edits:
            return
        for key, tags, note in edits:
            shown = ClipNote(*key, parse_tags(tags), note)
            if shown.empty:
                self.clip_notes.pop(key, None)
            else:
                self.clip_notes[key] = shown
        self.clips.set_notes(self.clip_notes)
        self.notes_writer.write(project, edits)

    def _notes_written(self, project: str, stored) -> None:
        self.notes_writer.done()
        if project != self.state.project:
            return
        for n in stored:
            if n.empty:
                self.clip_notes.pop(n.key, None)
            else:
                self.clip_notes[n.key] = n

    def _notes_failed(self, project: str, text: str) -> None:
        self.notes_writer.done()
        if project == self.state.project:
            self.clips.show_problem(text)

    def open_clip(self, position: int) -> None:
        """The clip in the player: its session, at its middle frame, with its run's Grad-CAM."""
        if self.data is None:
            return
        s = self.data.samples[position]
        self.state.set_track(self.data.run_id)
        self.state.go_to(s.file_id, (s.frame_start + s.frame_end) // 2)
        self.playerRequested.emit()
