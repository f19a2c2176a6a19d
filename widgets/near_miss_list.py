"""Near misses of the analysed run: pairs with the same ground truth, close in time or in the
embedding, one right and one wrong. One click opens a pair side by side in the compare view."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

COLUMNS = ["class", "wrong clip taken for", "how close", "right clip", "wrong clip"]


class NearMissList(QWidget):
    pairClicked = Signal(int)  # row in the shown list
    showAllRequested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.title = QLabel("")
        self.title.setWordWrap(True)
        self.all = QPushButton("Show all pairs")
        self.all.clicked.connect(self.showAllRequested)
        self.all.hide()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.cellClicked.connect(self._clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.title)
        layout.addWidget(self.all)
        layout.addWidget(self.table, 1)

    def _clicked(self, row: int, _column: int) -> None:
        self.pairClicked.emit(row)

    def show_pairs(self, rows: list[tuple[str, str, str, str, str]], title: str, filtered: bool) -> None:
        """``rows``: the five columns' texts, best pair first."""
        self.title.setText(title)
        self.all.setVisible(filtered)
        self.table.setRowCount(len(rows))
        for r, texts in enumerate(rows):
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip("click: open the pair side by side in the compare view")
                if c == 1:
                    item.setForeground(Qt.GlobalColor.red)
                self.table.setItem(r, c, item)
