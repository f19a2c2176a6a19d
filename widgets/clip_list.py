"""The clips of the current selection (a confusion cell, a scatter box, a bubble ...): preview,
ground truth → prediction with confidence, session and time. Activating one opens it in the player;
Compare shows the chosen clips (or the first few) side by side."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

MAX_LISTED = 500  # a selection of thousands lists its first 500 (the count says how many there are)
MAX_COMPARED = 6


class ClipList(QWidget):
    clipActivated = Signal(int)  # sample position
    compareRequested = Signal(object)  # sample positions

    def __init__(self, thumbnails=None) -> None:
        super().__init__()
        self.thumbnails = thumbnails
        self.title = QLabel("Select clips in a panel: a confusion cell, a box in the scatter, a bubble ...")
        self.title.setWordWrap(True)
        self.list = QListWidget()
        self.list.setIconSize(QSize(96, 77))
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.compare = QPushButton("Compare")
        self.compare.setToolTip(f"the chosen clips side by side (Ctrl/Shift+click to choose; none chosen: the "
                                f"first {MAX_COMPARED // 2}); near misses of this selection are in the Near misses tab")
        self.compare.clicked.connect(self._compare)
        self.compare.setEnabled(False)
        self.list.itemActivated.connect(self._activated)
        self.list.itemDoubleClicked.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.compare)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        self._items: dict[tuple[str, int], list[QListWidgetItem]] = {}
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnail)

    def _activated(self, item: QListWidgetItem) -> None:
        self.clipActivated.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _compare(self) -> None:
        chosen = [int(item.data(Qt.ItemDataRole.UserRole)) for item in self.list.selectedItems()]
        if len(chosen) < 2:
            chosen = [int(self.list.item(r).data(Qt.ItemDataRole.UserRole)) for r in range(min(self.list.count(), MAX_COMPARED // 2))]
        if chosen:
            self.compareRequested.emit(chosen[:MAX_COMPARED])

    def show_clips(self, data, positions, what: str = "") -> None:
        self.list.clear()
        self._items.clear()
        positions = list(positions)
        self.compare.setEnabled(data is not None and bool(positions))
        if data is None or not positions:
            self.title.setText("No clips selected" if data is not None else "")
            return
        wrong = sum(int(data.labels[i] != data.predicted[i]) for i in positions)
        self.title.setText(f"<b>{len(positions)} clip(s)</b>{' · ' + what if what else ''} · {wrong} wrong"
                           + (f" · first {MAX_LISTED} listed" if len(positions) > MAX_LISTED else ""))
        for i in positions[:MAX_LISTED]:
            s = data.samples[i]
            item = QListWidgetItem(data.describe(i))
            item.setData(Qt.ItemDataRole.UserRole, int(i))
            item.setToolTip("double-click or Enter: open in the player")
            self.list.addItem(item)
            key = (s.video, (s.frame_start + s.frame_end) // 2)
            self._items.setdefault(key, []).append(item)
            if self.thumbnails is not None:
                image = self.thumbnails.get(*key)
                if image is not None:
                    item.setIcon(QIcon(QPixmap.fromImage(image)))

    def _thumbnail(self, key, image) -> None:
        if image is None:
            return
        for item in self._items.get(tuple(key), []):
            item.setIcon(QIcon(QPixmap.fromImage(image)))
