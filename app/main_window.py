"""The main window: the player and the compare view as tabs, docks (sessions, timeline, analysis
panels, near misses), menus, recent projects, drag and drop, and the status bar with the engine's
progress and a Cancel button (and an export's, with its own Cancel).

torch is not imported here: it loads on a background thread once the window is up (app.devices).
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTabWidget,
)

from cabinlens.app.analysis_panels import AnalysisPanels
from cabinlens.app.bindings import bind_session_browser, bind_timeline, bind_video_view
from cabinlens.app.compare import CompareController
from cabinlens.app.exports import Exports, report_folder
from cabinlens.app.dispatch import Dispatch
from cabinlens.app.devices import DeviceProbe, auto_label
from cabinlens.app.keyboard import help_sections
from cabinlens.app.model_paths import DIALOG_FILTER, is_model_path
from cabinlens.app.jobs import ProjectOpened, RunChoices, SessionsFound, analyse_dataset, demo, load_project
from cabinlens.app.player import Player
from cabinlens.app.project_file import project_file_problem
from cabinlens.app.state import AppState
from cabinlens.app.sweep_menu import SweepMenu
from cabinlens.app.worker import EngineWorker
from cabinlens.engine import __version__
from cabinlens.engine.analysis.events import DataNote, ModelWarning, RunStarted
from cabinlens.engine.explain.normalisation import LABELS
from cabinlens.engine.progress import Message
from cabinlens.widgets.compare_view import CompareView
from cabinlens.widgets.log_view import LogView
from cabinlens.widgets.plots import TitleLabel
from cabinlens.widgets.range_dialog import TimeRangeDialog
from cabinlens.widgets.session_browser import SessionBrowser
from cabinlens.widgets.shortcuts_help import ShortcutsHelp
from cabinlens.widgets.timeline import Timeline
from cabinlens.widgets.video_view import VideoView

PROJECT_SUFFIX = ".cabinlens"
COMPARE_LAYOUTS = "compareLayouts"  # QSettings: {project path: layout}, most recent first
DEVICE = "device"  # QSettings: the engine's device (auto, cpu, cuda:N)
MAX_RECENT = 8


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, device: str | None = None) -> None:
        """``device`` (the command line's ``--device``) overrides the kept preference for this window."""
        super().__init__()
        self.setWindowTitle(f"CabinLens {__version__}")
        self.resize(1600, 950)
        self.setAcceptDrops(True)
        self.settings = settings or QSettings()
        self.state = AppState()
        self.state.set_device(device or str(self.settings.value(DEVICE, "auto")) or "auto")
        self.devices: list[tuple[str, str]] = []  # (choice, label) the engine found; empty until torch loads
        self.worker = EngineWorker(self)
        self.video = VideoView()
        bind_video_view(self.video, self.state)
        self.compare_view = CompareView()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("centralTabs")
        self.tabs.addTab(self.video, "Player")
        self.tabs.addTab(self.compare_view, "Compare")
        self.setCentralWidget(self.tabs)
        self.sessions = SessionBrowser()
        bind_session_browser(self.sessions, self.state)
        self.timeline = Timeline()
        bind_timeline(self.timeline, self.state)
        sessions_dock = self._dock("Sessions", self.sessions, Qt.DockWidgetArea.LeftDockWidgetArea)
        timeline_dock = self._dock("Timeline", self.timeline, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.resizeDocks([sessions_dock], [330], Qt.Orientation.Horizontal)
        self.resizeDocks([timeline_dock], [260], Qt.Orientation.Vertical)
        self.log = LogView()
        self.log_dock = self._dock("Log", self.log, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.log_dock.hide()  # opened from the status bar's warning count, or View → Log
        self.player = Player(self.state, self.worker, self.video, self.timeline, self.settings)
        self.compare = CompareController(self.state, self.compare_view)
        self.exports = Exports(self)
        self.analysis = AnalysisPanels(self.state, self)
        self._analysis_docks()
        self.shortcuts = self.player.install_shortcuts(self, route=self._keys)
        self._status_bar()
        self._menus()
        self._route = Dispatch({
            Message: self._show, ProjectOpened: self._project_opened, RunChoices: self._run_choices,
            SessionsFound: self._sessions_found,
            ModelWarning: self._warn, DataNote: self._data_note, RunStarted: self._run_started,
        })
        self._routing = -1  # the generation whose item is being routed
        self.worker.progress.connect(self._progress)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self._failed)
        # Only the user's Cancel says so; a job superseded by the next one ends silently.
        self.worker.cancelled.connect(
            lambda g: self._idle(self.player.cancelled_text(g)) if g == self.worker.generation else None)
        self.player.message.connect(self._show)
        self.compare.message.connect(self._show)
        self.compare.exportAsked.connect(self.export_layout)
        self.compare.layoutChanged.connect(self.keep_compare_layout)
        self._layout_restored_for = ""  # the project whose kept compare layout was reopened
        self.layout_problem = ""  # why it was not, when it was not
        self.compare.pngAsked.connect(self.save_layout_png)
        self.analysis.compareRequested.connect(self.show_compare)
        self.analysis.playerRequested.connect(lambda: self.tabs.setCurrentWidget(self.video))
        self.exports.progress.connect(self._export_progress)
        self.exports.done.connect(self._export_done)
        self.exports.failed.connect(self._export_failed)
        self.exports.cancelled.connect(lambda: self._export_idle("export cancelled; no file written"))
        self.project_generation = -1
        self._fresh_project = False  # another project opened: its session loads afresh (the same one, if it has it)
        self.warnings: list[str] = []
        # Load torch in the background once the window is up (importing it later, while the user
        # scrubs during a sweep, would hold the interpreter lock for hundreds of milliseconds), and
        # learn the devices it has.
        self.device_probe = DeviceProbe()
        self._probe_timer = QTimer(self)
        self._probe_timer.setInterval(200)
        self._probe_timer.timeout.connect(self._probe_done)
        QTimer.singleShot(300, self._start_probe)

    def _dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _analysis_docks(self) -> None:
        """The linked analysis panels, tabbed on the right; the selection's clips under the sessions."""
        a = self.analysis
        docks = [self._dock(title, widget, Qt.DockWidgetArea.RightDockWidgetArea) for title, widget in (
            ("Embedding", a.scatter), ("Confusion matrix", a.confusion), ("Classes", a.report),
            ("Dendrogram", a.dendrogram), ("Failures", a.failures), ("Near misses", a.near),
            ("Explanation checks", a.sanity))]
        for dock in docks[1:]:
            self.tabifyDockWidget(docks[0], dock)
        docks[0].raise_()
        self.resizeDocks([docks[0]], [560], Qt.Orientation.Horizontal)
        self.analysis_docks = docks
        clips = self._dock("Clips", a.clips, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.resizeDocks([clips], [300], Qt.Orientation.Vertical)
        toolbar = self.addToolBar("Analysis")
        toolbar.setObjectName("analysisToolbar")
        toolbar.addWidget(QLabel(" Analysis of "))
        toolbar.addWidget(a.runs)

    def _status_bar(self) -> None:
        # Elided, the whole line in its tooltip (and the Log panel): a long message must not widen the window.
        self.status = TitleLabel("Open a project (Ctrl+O), or a dataset folder with checkpoints, or drop one here.")
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(220)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self.worker.cancel)
        self.statusBar().addWidget(self.status, 1)
        self.warnings_button = QPushButton("")
        self.warnings_button.setObjectName("warningsButton")
        self.warnings_button.setFlat(True)
        self.warnings_button.clicked.connect(self.show_log)
        self.warnings_button.hide()
        self.device_status = QLabel("")
        self.device_status.setObjectName("deviceStatus")
        self.statusBar().addPermanentWidget(self.warnings_button)
        self.statusBar().addPermanentWidget(self.device_status)
        self.statusBar().addPermanentWidget(self.bar)
        self.statusBar().addPermanentWidget(self.cancel)
        self.bar.hide()
        self.cancel.hide()
        self.export_status = QLabel("")
        self.export_bar = QProgressBar()
        self.export_bar.setMaximumWidth(160)
        self.export_cancel = QPushButton("Cancel export")
        self.export_cancel.clicked.connect(self.exports.cancel)
        for w in (self.export_status, self.export_bar, self.export_cancel):
            self.statusBar().addPermanentWidget(w)
            w.hide()
        for w in self.analysis.checks.status_widgets():  # the explanation checks' own progress and Cancel
            self.statusBar().addPermanentWidget(w)

    def _menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_project = QAction("&Open project...", self, shortcut=QKeySequence.StandardKey.Open)
        open_project.triggered.connect(self._ask_project)
        open_dataset = QAction("Open &dataset with checkpoints...", self)
        open_dataset.triggered.connect(self._ask_dataset)
        open_segments = QAction("Open &segments CSV with checkpoints...", self)
        open_segments.setToolTip("your own videos: a CSV of video,frame_start,frame_end,label[,subset] rows")
        open_segments.triggered.connect(self._ask_segments)
        self.recent_menu = file_menu.addMenu("&Recent projects")
        file_menu.addActions([open_project, open_dataset, open_segments])
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        export_menu = self.menuBar().addMenu("&Export")
        for text, slot, key in (
                ("Current &segment as MP4 ...", self.export_segment, "Ctrl+E"),
                ("Time &range of the session as MP4 ...", self.export_range, None),
                ("Current &frame as PNG ...", self.save_frame_png, "Ctrl+Shift+S"),
                ("&Compare all models on the current segment", self.compare_models_here, None),
                ("Compare &layout as MP4 ...", self.compare.request_export, None),
                ("Project &report (tables, figures, predictions) ...", self.export_report, None)):
            action = QAction(text, self)
            if key:
                action.setShortcut(QKeySequence(key))
            action.triggered.connect(slot)
            export_menu.addAction(action)
        engine_menu = self.menuBar().addMenu("E&ngine")
        self.device_menu = engine_menu.addMenu("&Device for analyses and sweeps")
        self.device_group = QActionGroup(self)
        self.device_group.setExclusive(True)
        self._device_actions()
        self.sweep_menu = SweepMenu(engine_menu, self.player)
        view_menu = self.menuBar().addMenu("&View")
        for dock in self.findChildren(QDockWidget):
            view_menu.addAction(dock.toggleViewAction())
        help_menu = self.menuBar().addMenu("&Help")
        keys = QAction("&Keyboard and mouse", self)
        keys.triggered.connect(self.show_keys_help)
        help_menu.addAction(keys)
        self._refresh_recent()

    def show_keys_help(self) -> ShortcutsHelp:
        """Every key and mouse gesture of the window, from the table the keys are bound from."""
        self.keys_help = ShortcutsHelp(help_sections(self.menuBar()), self)
        self.keys_help.show()
        return self.keys_help

    # ------------------------------------------------------------------ opening
    def open_project(self, path: str) -> None:
        """Open a project. Until it has been read the open one stays, player and panels included; a
        file that is no project changes nothing but the status line (and enters no recent list)."""
        problem = project_file_problem(path)
        if problem:
            self._error(problem)
            return
        project = str(Path(path).resolve())
        self.project_generation = self.worker.submit(lambda _abort: load_project(project))

    def open_dataset(self, root: str, models: list[str], project: str | None = None) -> None:
        """Analyse a dataset (a Drive&Act folder, or a segments CSV) with checkpoints; the project goes beside it."""
        self.last_dataset = root
        beside = (Path(root).with_suffix(PROJECT_SUFFIX) if Path(root).is_file()
                  else Path(root) / f"cabinlens{PROJECT_SUFFIX}")
        project = project or (self.state.project if self.state.project and Path(self.state.project).exists()
                              and getattr(self, "project_root", None) == root else str(beside))
        self.project_root = root
        device = self.state.device
        self.project_generation = self.worker.submit(lambda abort: analyse_dataset(root, models, project, abort,
                                                                                   device=device))

    def start_demo(self, data_dir: str | None = None) -> None:
        """Open the demo project, preparing it first where needed (progress in the status bar)."""
        from cabinlens.engine.demo import default_data_dir

        folder = Path(data_dir) if data_dir else default_data_dir()
        self.last_dataset = str(folder)
        device = self.state.device
        self.project_generation = self.worker.submit(lambda abort: demo(str(folder), abort, device=device))

    def _ask_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", "", f"CabinLens projects (*{PROJECT_SUFFIX})")
        if path:
            self.open_project(path)

    def _ask_dataset(self) -> None:
        self._ask_checkpoints_for(QFileDialog.getExistingDirectory(self, "Dataset folder (Drive&Act format)"))

    def _ask_segments(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Segments CSV (video,frame_start,frame_end,label[,subset])", "",
                                              "CSV files (*.csv);;All files (*)")
        self._ask_checkpoints_for(path)

    def _ask_checkpoints_for(self, root: str) -> None:
        if not root:
            return
        start = root if Path(root).is_dir() else str(Path(root).parent)
        files, _ = QFileDialog.getOpenFileNames(self, "Checkpoints", start, DIALOG_FILTER)
        if not files:
            arch, ok = QInputDialog.getText(self, "No checkpoint", "Architecture for random weights (e.g. i3d_small):")
            files = [arch] if ok and arch else []
        if files:
            self.open_dataset(root, files)

    def _remember(self, path: str) -> None:
        recent = [p for p in self.settings.value("recent", [], type=list) if p != path]
        self.settings.setValue("recent", [path, *recent][:MAX_RECENT])
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.value("recent", [], type=list):
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_project(p))
        self.recent_menu.setEnabled(bool(self.recent_menu.actions()))

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        self.open_paths(paths)

    def open_paths(self, paths: list[str]) -> None:
        """What a drop means: a project opens; a folder or CSV with checkpoints starts an analysis."""
        projects = [p for p in paths if p.endswith(PROJECT_SUFFIX)]
        checkpoints = [p for p in paths if is_model_path(p)]  # a Hugging Face model folder is a model, not data
        data = [p for p in paths if (Path(p).is_dir() and p not in checkpoints) or p.endswith(".csv")]
        if projects:
            self.open_project(projects[0])
        elif data and checkpoints:
            self.open_dataset(data[0], checkpoints)  # a folder, or a CSV itself (its rows, not its folder's)
        elif checkpoints:
            # A checkpoint alone: analyse the dataset already open, or ask which one.
            root = getattr(self, "last_dataset", None) or QFileDialog.getExistingDirectory(
                self, f"Dataset to analyse with {Path(checkpoints[0]).name}")
            if root:
                self.open_dataset(root, checkpoints)
        elif data:
            self._show(Message("drop a dataset folder (or CSV) together with one or more checkpoints"))
        else:
            self._show(Message("nothing to open in " + ", ".join(Path(p).name for p in paths)))

    # ------------------------------------------------------------------ worker feedback
    def _progress(self, generation: int, item: object) -> None:
        if generation != self.worker.generation:
            return  # a superseded job
        self._routing = generation
        self._route(item)

    def _project_opened(self, item: ProjectOpened) -> None:
        """The job's project was read: it becomes the window's (a different one starts afresh) and a recent one."""
        if self._routing != self.project_generation:
            return
        path = str(Path(item.path).resolve())
        if path != self.state.project:
            self._fresh_project = True
            self.state.set_analysis_run(-1)  # a run of the same id in the new project loads anew
            self.state.set_project(path)
        self._remember(path)

    def _run_choices(self, item: RunChoices) -> None:
        if self._routing == self.project_generation:
            self.analysis.set_runs(item.choices)

    def _sessions_found(self, item: SessionsFound) -> None:
        if self._routing != self.project_generation:
            return
        found = item.sessions
        self.sessions.set_sessions(found)
        if self._fresh_project:  # the player holds the previous project's tracks: load this one's
            self._fresh_project = False
            kept = self.state.session if self.state.session in [s.file_id for s in found] else ""
            self.state.set_session("")
            if kept:
                self.state.set_session(kept)
        if found and not self.state.session:
            self.state.set_session(found[0].file_id)
        if found and self._layout_restored_for != self.state.project:
            self._layout_restored_for = self.state.project
            self.restore_compare_layout()

    # ------------------------------------------------------------------ the engine's device and warnings
    def _device_actions(self) -> None:
        """Auto, CPU, and each CUDA device the engine found (listed once torch has loaded, off the GUI thread)."""
        self.device_menu.clear()
        for action in self.device_group.actions():
            self.device_group.removeAction(action)
        choices = [("auto", "Auto (a GPU when there is one)")] + (self.devices or [("cpu", "CPU")])
        if self.state.device not in [c for c, _ in choices]:
            choices.append((self.state.device, f"{self.state.device} (not found here)"))
        for choice, label in choices:
            action = QAction(label, self, checkable=True)
            action.setData(choice)
            action.setChecked(choice == self.state.device)
            action.triggered.connect(lambda _c=False, c=choice: self.set_device(c))
            self.device_group.addAction(action)
            self.device_menu.addAction(action)
        self._device_status()

    def set_device(self, choice: str) -> None:
        """The device every analysis, sweep and demo the window starts from now on runs on; kept."""
        self.state.set_device(choice)
        self.settings.setValue(DEVICE, choice)
        for action in self.device_group.actions():
            action.setChecked(action.data() == choice)
        self._device_status()

    def _device_status(self, using: str | None = None) -> None:
        if using is None:
            known = dict(self.devices)
            if self.state.device == "auto" and self.devices:
                using = auto_label(self.devices)  # says which device auto picked: "auto (CPU)" without a GPU
            else:
                using = known.get(self.state.device, "auto (finding the devices ...)" if self.state.device == "auto" else self.state.device)
        self.device_status.setText(f"engine: {using}")
        self.device_status.setToolTip(f"Analyses and sweeps run on {using} (Engine → Device; kept for the next start)")

    def _start_probe(self) -> None:
        self.device_probe.start()
        self._probe_timer.start()

    def _probe_done(self) -> None:
        if self.device_probe.result is None:
            return
        self._probe_timer.stop()
        if self.device_probe.error:
            self._warn(ModelWarning("engine", f"could not list the GPUs ({self.device_probe.error}); using the CPU"))
        self._devices_found(self.device_probe.result)

    def _devices_found(self, devices: list[tuple[str, str]]) -> None:
        self.devices = list(devices)
        if self.state.device != "auto" and self.state.device not in dict(self.devices):
            self._warn(ModelWarning("engine", f"the kept device {self.state.device} is not available here; using auto"))
            self.state.set_device("auto")
        self._device_actions()

    def _run_started(self, item: RunStarted) -> None:
        self._device_status(item.device)

    def _data_note(self, note: DataNote) -> None:
        """What the engine says about the data (skipped or repeated rows, ignored files): listed like a warning."""
        self._warn(ModelWarning("data", note.text))

    def _warn(self, warning: ModelWarning) -> None:
        """A warning in the status bar (the full list on hover of the count, and in the log)."""
        text = str(warning)
        self.status.setText(f"warning: {text}")
        self.status.setToolTip(text)
        if text in self.warnings:
            return  # the same model's warning again (each session sweep loads it): listed once
        self.warnings.append(text)
        self.log.add("warning", text)
        self.warnings_button.setText(f"⚠ {len(self.warnings)}")
        self.warnings_button.setToolTip("\n".join(self.warnings[-20:]) + "\n(click for the log)")
        self.warnings_button.show()

    def show_log(self) -> None:
        self.log_dock.show()
        self.log_dock.raise_()

    def _show(self, message: Message) -> None:
        self.status.setText(message.text)
        busy = message.total > 0 and message.done < message.total
        self.bar.setVisible(busy)
        self.cancel.setVisible(busy)
        if message.total:
            self.bar.setRange(0, message.total)
            self.bar.setValue(message.done)

    def _finished(self, generation: int, _value: object) -> None:
        if generation == self.worker.generation:
            self.bar.hide()
            self.cancel.hide()

    def _idle(self, text: str) -> None:
        self.status.setText(text)
        self.bar.hide()
        self.cancel.hide()

    def _failed(self, generation: int, text: str) -> None:
        if generation == self.worker.generation:
            self._idle(text)
            self._error(text)
            if generation == self.project_generation and self.state.session:
                self.player.reopen()  # the failed open superseded the open session's sweep: resume it

    def _error(self, text: str) -> None:
        self.status.setText(text)
        self.log.add("error", text)
        box = QMessageBox(QMessageBox.Icon.Warning, "CabinLens", text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorBox")
        box.setModal(False)
        box.show()
        self.last_error = text

    # ------------------------------------------------------------------ compare and export
    def _keys(self):
        """Where the editor keys go: the compare view when its tab is shown, else the player."""
        return self.compare if self.tabs.currentWidget() is self.compare_view else self.player

    def show_compare(self, specs, titles=None, what: str = "") -> None:
        self.state.set_playing(False)
        self.compare.open(list(specs), list(titles) if titles else None, what)
        self.tabs.setCurrentWidget(self.compare_view)

    def _style(self):
        from cabinlens.engine.clips.draw import OverlayStyle

        return OverlayStyle(on=self.state.overlay_on, opacity=self.state.opacity, colormap=self.state.colormap,
                            normalisation=self.state.normalisation, look=self.state.overlay_look)

    def _segment_here(self) -> tuple[int, int] | None:
        """The ground-truth segment under the playhead, else the analysed clip under it."""
        tracks, f = self.player.tracks, self.state.frame
        if tracks is None:
            return None
        segment = tracks.segment_at(f)
        if segment is not None:
            return segment[0], segment[1]
        found = tracks.sample_at(f)
        return (int(found[0].starts[found[1]]), int(found[0].ends[found[1]])) if found else None

    def _player_model(self) -> str | None:
        tracks = self.player.tracks
        track = next((t for t in tracks.tracks if t.run_id == self.state.track), None) if tracks else None
        return track.model if track else None

    def _player_spec(self, start: int, end: int):
        from cabinlens.engine.clips.panes import PaneSpec

        return PaneSpec(self.state.session, start, end, self._player_model(), self.state.target)

    def _ask_path(self, title: str, suggestion: str, pattern: str) -> str | None:
        if self.exports.busy:
            self._show(Message("an export is running; wait for it or cancel it first"))
            return None
        folder = self.settings.value("exportFolder", str(Path.home()))
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path(folder) / suggestion), pattern)
        if path:
            self.settings.setValue("exportFolder", str(Path(path).parent))
        return path or None

    def _clip_name(self, spec, suffix: str) -> str:
        return f"{spec.file_id.replace('/', '_')}_{spec.start}-{spec.end}_{spec.model or 'model'}{suffix}"

    def export_segment(self, path: str | None = None) -> None:
        segment = self._segment_here()
        if not self.state.project or segment is None:
            self._show(Message("no analysed segment under the playhead to export"))
            return
        spec = self._player_spec(*segment)
        path = path or self._ask_path("Export segment", self._clip_name(spec, ".mp4"), "MP4 video (*.mp4)")
        if path:
            self.exports.mp4(self.state.project, [spec], path, self._style(), self.compare_view.export_scale)

    def export_range(self, path: str | None = None, start: int | None = None, end: int | None = None) -> None:
        if not self.state.project or self.player.tracks is None:
            self._show(Message("open a session first"))
            return
        if start is None or end is None:
            a, b = self._segment_here() or (self.state.frame, self.state.frame + 90)
            dialog = TimeRangeDialog(self.player.fps, self.state.frame_count, a, min(b, self.state.frame_count), self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            start, end = dialog.start, dialog.end
        if not 0 <= start < end or (self.state.frame_count and end > self.state.frame_count):
            self._error(f"frames {start}-{end} are not a range inside the session's {self.state.frame_count} frames")
            return
        spec = self._player_spec(start, end)
        path = path or self._ask_path("Export time range", self._clip_name(spec, ".mp4"), "MP4 video (*.mp4)")
        if path:
            self.exports.mp4(self.state.project, [spec], path, self._style(), self.compare_view.export_scale)

    def save_frame_png(self, path: str | None = None) -> None:
        """The player's frame (in the compare tab: the layout's), annotated like an exported clip."""
        if self.tabs.currentWidget() is self.compare_view:
            self.compare.request_png()
            return
        segment = self._segment_here() or (self.state.frame, self.state.frame + 1)
        if not self.state.project or self.player.tracks is None:
            self._show(Message("open a session first"))
            return
        spec = self._player_spec(*segment)
        path = path or self._ask_path("Save frame", f"{spec.file_id.replace('/', '_')}_{self.state.frame}.png", "PNG image (*.png)")
        if path:
            self.exports.png(self.state.project, [spec], [self.state.frame - spec.start], path, self._style(),
                             self.compare_view.export_scale)

    def export_report(self, folder: str | None = None) -> None:
        """``cabinlens report`` of the open project into a new folder under ``folder`` (asked when not given)."""
        if not self.state.project:
            self._show(Message("open a project first"))
            return
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Folder for the report",
                                                      self.settings.value("exportFolder", str(Path.home())))
        if folder:
            self.settings.setValue("exportFolder", folder)
            self.exports.report(self.state.project, report_folder(folder, self.state.project))

    def compare_models_here(self) -> None:
        """The segment under the playhead under every model of the session, side by side."""
        segment, tracks = self._segment_here(), self.player.tracks
        if segment is None or tracks is None:
            self._show(Message("no analysed segment under the playhead"))
            return
        from cabinlens.engine.clips.panes import PaneSpec

        models = list(dict.fromkeys(t.model for t in tracks.tracks))
        self.show_compare([PaneSpec(self.state.session, *segment, m, self.state.target) for m in models], models,
                          f"Segment {segment[0]}-{segment[1]} of {self.state.session} under {len(models)} models")
        self.compare.offset = 0
        self.compare.set_offset(self.state.frame - segment[0])

    def export_layout(self, specs, scale: float, path: str | None = None) -> None:
        if not self.state.project:
            return
        path = path or self._ask_path("Export compare layout", self._clip_name(specs[0], f"_compare{len(specs)}.mp4"),
                                      "MP4 video (*.mp4)")
        if path:
            self.exports.mp4(self.state.project, list(specs), path, self._style(), scale)

    def save_layout_png(self, specs, offsets, scale: float, path: str | None = None) -> None:
        if not self.state.project:
            return
        path = path or self._ask_path("Save compare frame", self._clip_name(specs[0], "_compare.png"), "PNG image (*.png)")
        if path:
            self.exports.png(self.state.project, list(specs), list(offsets), path, self._style(), scale)

    def _export_progress(self, message: Message) -> None:
        self.export_status.setText(message.text)
        self.export_status.show()
        self.export_cancel.show()
        self.export_bar.setVisible(message.total > 0)
        if message.total:
            self.export_bar.setRange(0, message.total)
            self.export_bar.setValue(message.done)

    def _export_idle(self, text: str) -> None:
        for w in (self.export_bar, self.export_cancel):
            w.hide()
        self.export_status.setText(text)
        self.export_status.show()
        self.last_export_status = text

    def _export_done(self, path: str) -> None:
        style = self.exports.style
        if style is None and path.endswith("index.html"):
            self._export_idle(f"report written: {Path(path).parent.name}/index.html")
            self.export_status.setToolTip(path)
            return
        how = "" if style is None or not style.on else f"; Grad-CAM {LABELS[style.normalisation]}"
        self._export_idle(f"exported {Path(path).name}{how}")
        self.export_status.setToolTip(path)

    def _export_failed(self, text: str) -> None:
        self._export_idle("export failed")
        self._error(text)

    # ------------------------------------------------------------------ the compare layout, per project
    def _kept_layouts(self) -> dict:
        try:
            kept = json.loads(str(self.settings.value(COMPARE_LAYOUTS, "{}")))
        except ValueError:
            return {}  # a settings file edited by hand: start afresh rather than fail
        return kept if isinstance(kept, dict) else {}

    def keep_compare_layout(self) -> None:
        """Remember the compare view of this project for the next time it is opened."""
        project = self.state.project
        if not project or self._layout_restored_for != project:
            return  # not yet offered the kept one: nothing the user made to keep
        kept = {k: v for k, v in self._kept_layouts().items() if k != project}
        if self.compare.panes:
            kept = {project: self.compare.layout(), **kept}
        self.settings.setValue(COMPARE_LAYOUTS, json.dumps(dict(list(kept.items())[:MAX_RECENT])))

    def restore_compare_layout(self) -> None:
        layout = self._kept_layouts().get(self.state.project)
        if not layout or self.compare.panes:
            return
        try:
            self.compare.restore(layout)
        except ValueError as exc:
            self.layout_problem = f"the kept compare layout of this project was not reopened: {exc}"
            self._show(Message(self.layout_problem))
            return
        self._show(Message(f"compare view: reopened the last layout of this project ({len(self.compare.panes)} panes)"))

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.keep_compare_layout()  # with the position reached
        self.state.set_playing(False)
        self.player.close()
        self.compare.close()
        self.exports.close()
        self.analysis.close()
        self.worker.shutdown()
        self.device_probe.join(10)
        super().closeEvent(event)
