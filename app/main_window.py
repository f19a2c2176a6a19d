"""The main window: menus, status bar and (as views arrive) the docks of the analysis panels."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow

from engine import __version__


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(f"CabinLens {__version__}")
        self.resize(1280, 800)
        placeholder = QLabel("Open a project, a dataset folder or a checkpoint to begin.")
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        placeholder.setObjectName("welcome")
        self.setCentralWidget(placeholder)
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        self.statusBar().showMessage("Ready")
