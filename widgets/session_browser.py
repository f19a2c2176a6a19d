"""Participants and their sessions, with analysed samples and accuracy per model."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from cabinlens.engine.analysis.session import SessionSummary
from cabinlens.engine.data.videos import SENSOR_OF_VIEW

VIEW_OF_SENSOR = {sensor: view for view, sensor in SENSOR_OF_VIEW.items()}

FILE_ID = Qt.ItemDataRole.UserRole


class SessionBrowser(QTreeWidget):
    """The sessions of a project by participant; a click emits ``sessionChosen``, ``select`` follows the app."""

    sessionChosen = Signal(str)  # file_id

    def __init__(self) -> None:
        super().__init__()
        self.setHeaderLabels(["session", "view", "samples", "accuracy"])
        self.setRootIsDecorated(True)
        self.setAlternatingRowColors(True)
        self.itemActivated.connect(self._chosen)
        self.itemClicked.connect(self._chosen)

    def set_sessions(self, sessions: list[SessionSummary]) -> None:
        self.clear()
        parents: dict[str, QTreeWidgetItem] = {}
        for s in sessions:
            parent = parents.get(s.participant)
            if parent is None:
                parent = parents[s.participant] = QTreeWidgetItem(self, [s.participant or "sessions", "", "", ""])
            name = s.file_id.split("/", 1)[-1]
            run, _, sensor = name.rpartition(".")
            view = VIEW_OF_SENSOR.get(sensor, sensor)
            samples = ", ".join(f"{n}" for n in s.samples.values())
            accuracy = ", ".join(f"{m.split(' ')[0]} {a:.0%}" for m, a in s.accuracy.items() if a is not None)
            item = QTreeWidgetItem(parent, [run or name, view, samples, accuracy])
            item.setData(0, FILE_ID, s.file_id)
            item.setToolTip(0, s.video)
        self.expandAll()
        for col in range(4):
            self.resizeColumnToContents(col)

    def _chosen(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        file_id = item.data(0, FILE_ID)
        if file_id:
            self.sessionChosen.emit(file_id)

    def select(self, file_id: str) -> None:
        """Show ``file_id`` as the current session (another view may have opened it)."""
        for i in range(self.topLevelItemCount()):
            parent = self.topLevelItem(i)
            for j in range(parent.childCount()):
                item = parent.child(j)
                if item.data(0, FILE_ID) == file_id and not item.isSelected():
                    self.setCurrentItem(item)
