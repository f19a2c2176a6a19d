"""The main window: docks (sessions, video, timeline), menus, recent projects, drag and drop,
and the status bar with the engine's progress and a Cancel button.

torch is not imported here: it loads on the worker thread when a job needs it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
)

from app.analysis_panels import AnalysisPanels
from app.jobs import RunChoices, analyse_dataset, demo, load_project, warm_up
from app.player import Player
from app.state import AppState
from app.worker import EngineWorker
from engine import __version__
from engine.progress import Message
from widgets.session_browser import SessionBrowser
from widgets.timeline import Timeline
from widgets.video_view import VideoView

PROJECT_SUFFIX = ".cabinlens"
CHECKPOINT_SUFFIXES = (".pt", ".pth", ".ckpt", ".bin")
MAX_RECENT = 8


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle(f"CabinLens {__version__}")
        self.resize(1600, 950)
        self.setAcceptDrops(True)
        self.settings = settings or QSettings()
        self.state = AppState()
        self.worker = EngineWorker(self)
        self.video = VideoView(self.state)
        self.setCentralWidget(self.video)
        self.sessions = SessionBrowser(self.state)
        self.timeline = Timeline(self.state)
        sessions_dock = self._dock("Sessions", self.sessions, Qt.DockWidgetArea.LeftDockWidgetArea)
        timeline_dock = self._dock("Timeline", self.timeline, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.resizeDocks([sessions_dock], [330], Qt.Orientation.Horizontal)
        self.resizeDocks([timeline_dock], [260], Qt.Orientation.Vertical)
        self.player = Player(self.state, self.worker, self.video, self.timeline)
        self.analysis = AnalysisPanels(self.state, self)
        self._analysis_docks()
        self.shortcuts = self.player.install_shortcuts(self)
        self._status_bar()
        self._menus()
        self.worker.progress.connect(self._progress)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self._failed)
        # Only the user's Cancel says so; a job superseded by the next one ends silently.
        self.worker.cancelled.connect(lambda g: self._idle("cancelled") if g == self.worker.generation else None)
        self.player.message.connect(self._show)
        self.project_generation = -1
        # Load torch on the worker once the window is up: importing it later, while the user
        # scrubs during a sweep, would hold the interpreter lock for hundreds of milliseconds.
        QTimer.singleShot(300, lambda: self.worker.submit(lambda _abort: warm_up()) if self.worker.generation == 0 else None)

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
            ("Dendrogram", a.dendrogram), ("Failures", a.failures))]
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
        self.status = QLabel("Open a project (Ctrl+O), or a dataset folder with checkpoints, or drop one here.")
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(220)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self.worker.cancel)
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().addPermanentWidget(self.bar)
        self.statusBar().addPermanentWidget(self.cancel)
        self.bar.hide()
        self.cancel.hide()

    def _menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_project = QAction("&Open project...", self, shortcut=QKeySequence.StandardKey.Open)
        open_project.triggered.connect(self._ask_project)
        open_dataset = QAction("Open &dataset with checkpoints...", self)
        open_dataset.triggered.connect(self._ask_dataset)
        self.recent_menu = file_menu.addMenu("&Recent projects")
        file_menu.addActions([open_project, open_dataset])
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        view_menu = self.menuBar().addMenu("&View")
        for dock in self.findChildren(QDockWidget):
            view_menu.addAction(dock.toggleViewAction())
        help_menu = self.menuBar().addMenu("&Help")
        keys = QAction("&Keyboard", self)
        keys.triggered.connect(lambda: QMessageBox.information(self, "Keyboard", Player.__doc__.split("\n\n")[1]))
        help_menu.addAction(keys)
        self._refresh_recent()

    # ------------------------------------------------------------------ opening
    def open_project(self, path: str) -> None:
        if not Path(path).is_file():
            self._error(f"{path}: no such project file")
            return
        self.state.set_project(str(Path(path).resolve()))
        self._remember(self.state.project)
        self.project_generation = self.worker.submit(lambda _abort: load_project(self.state.project))

    def open_dataset(self, root: str, models: list[str], project: str | None = None) -> None:
        self.last_dataset = root
        project = project or (self.state.project if self.state.project and Path(self.state.project).exists()
                              and getattr(self, "project_root", None) == root else str(Path(root) / f"cabinlens{PROJECT_SUFFIX}"))
        self.project_root = root
        self.state.set_project(str(Path(project).resolve()))
        self._remember(self.state.project)
        self.project_generation = self.worker.submit(lambda abort: analyse_dataset(root, models, project, abort))

    def start_demo(self, data_dir: str | None = None) -> None:
        """Open the demo project, preparing it first where needed (progress in the status bar)."""
        from engine.demo import PROJECT, default_data_dir

        folder = Path(data_dir) if data_dir else default_data_dir()
        self.state.set_project(str((folder / PROJECT).resolve()))
        self.last_dataset = str(folder)
        self.project_generation = self.worker.submit(lambda abort: demo(str(folder), abort))

    def _ask_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", "", f"CabinLens projects (*{PROJECT_SUFFIX})")
        if path:
            self.open_project(path)

    def _ask_dataset(self) -> None:
        root = QFileDialog.getExistingDirectory(self, "Dataset folder (Drive&Act format)")
        if not root:
            return
        files, _ = QFileDialog.getOpenFileNames(self, "Checkpoints", root, "Checkpoints (*.pt *.pth *.ckpt *.bin)")
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
        checkpoints = [p for p in paths if p.endswith(CHECKPOINT_SUFFIXES)]
        data = [p for p in paths if Path(p).is_dir() or p.endswith(".csv")]
        if projects:
            self.open_project(projects[0])
        elif data and checkpoints:
            root = data[0] if Path(data[0]).is_dir() else str(Path(data[0]).parent)
            self.open_dataset(root, checkpoints)
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
        if isinstance(item, Message):
            self._show(item)
        elif isinstance(item, RunChoices) and generation == self.project_generation:
            self.analysis.set_runs(item.choices)
        elif isinstance(item, list) and generation == self.project_generation:
            self.sessions.set_sessions(item)
            if item and not self.state.session:
                self.state.set_session(item[0].file_id)

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

    def _error(self, text: str) -> None:
        self.status.setText(text)
        box = QMessageBox(QMessageBox.Icon.Warning, "CabinLens", text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorBox")
        box.setModal(False)
        box.show()
        self.last_error = text

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.state.set_playing(False)
        self.player.close()
        self.analysis.close()
        self.worker.shutdown()
        super().closeEvent(event)
