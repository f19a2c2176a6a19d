"""The Clips list's table model: rows are positions of a run's clips in the order ``clip_query``
computed; texts are made only for the rows Qt paints, so 10,000 clips cost one array, not 70,000
items."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap

from cabinlens.widgets.clip_query import COLUMNS, ClipColumns, ClipQuery, ordered, sort_key

WRONG = QColor(200, 40, 40)
Index = QModelIndex | QPersistentModelIndex


def clock(frame: int, fps: float = 30.0) -> str:
    """m:ss.s, enough to find a clip in its session."""
    seconds = frame / fps
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


class ClipTableModel(QAbstractTableModel):
    def __init__(self, thumbnails=None) -> None:
        super().__init__()
        self.thumbnails = thumbnails
        self.cols: ClipColumns | None = None
        self.videos: list[str] = []  # per position: the video a preview is read from
        self.tags: list[tuple[str, ...]] = []  # per position
        self.notes: list[str] = []
        self.rows = np.zeros(0, np.int64)  # row -> position
        self.sort_column: int | None = None
        self.descending = False

    # ------------------------------------------------------------------ content
    def set_clips(self, cols: ClipColumns | None, videos: list[str]) -> None:
        self.beginResetModel()
        self.cols, self.videos = cols, videos
        n = len(cols) if cols is not None else 0
        self.tags, self.notes = [()] * n, [""] * n
        self.rows = np.zeros(0, np.int64)
        self.endResetModel()

    def set_notes(self, by_key: dict) -> None:
        """Tags and notes by clip identity (file_id, frame_start, frame_end); values have ``tags`` and ``note``."""
        if self.cols is None:
            return
        for p in range(len(self.cols)):
            found = by_key.get(self.cols.key(p))
            self.tags[p], self.notes[p] = (tuple(found.tags), found.note) if found is not None else ((), "")
        self._changed(COLUMNS.index("Tags"), COLUMNS.index("Note"))

    def set_note(self, position: int, tags: tuple[str, ...], note: str) -> None:
        self.tags[position], self.notes[position] = tuple(tags), note
        self._changed(COLUMNS.index("Tags"), COLUMNS.index("Note"))

    def apply(self, query: ClipQuery, scope: np.ndarray | None) -> None:
        """Show the clips ``query`` keeps (within ``scope``), in the chosen order."""
        if self.cols is None:
            rows = np.zeros(0, np.int64)
        else:
            keep = query.mask(self.cols, self.tags, scope)
            key = None if self.sort_column is None else sort_key(self.cols, self.sort_column, self.tags, self.notes)
            rows = ordered(keep, key, self.descending)
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def position(self, row: int) -> int:
        return int(self.rows[row])

    def row_of(self, position: int) -> int | None:
        found = np.nonzero(self.rows == position)[0]
        return int(found[0]) if len(found) else None

    def refresh_previews(self) -> None:
        self._changed(0, 0)

    def _changed(self, first: int, last: int) -> None:
        if len(self.rows):
            self.dataChanged.emit(self.index(0, first), self.index(len(self.rows) - 1, last))

    # ------------------------------------------------------------------ Qt
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802 - Qt API
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return f"click: sort by {COLUMNS[section].lower()} (again: reverse)"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Re-orders the shown rows only: the filter is not recomputed."""
        if self.cols is None or not 0 <= column < len(COLUMNS):
            return
        self.sort_column, self.descending = column, order == Qt.SortOrder.DescendingOrder
        self.layoutAboutToBeChanged.emit()
        key = sort_key(self.cols, column, self.tags, self.notes)
        keep = np.zeros(len(self.cols), dtype=bool)
        keep[self.rows] = True
        self.rows = ordered(keep, key, self.descending)
        self.layoutChanged.emit()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.cols is None:
            return None
        p, c, cols = int(self.rows[index.row()]), index.column(), self.cols
        name = COLUMNS[c]
        if role == Qt.ItemDataRole.DisplayRole:
            if name == "Ground truth":
                return cols.classes[cols.labels[p]]
            if name == "Predicted":
                return cols.classes[cols.predicted[p]]
            if name == "Conf.":
                return f"{cols.confidence[p]:.0%}"
            if name == "Session":
                return cols.sessions[cols.session[p]]
            if name == "Time":
                return f"{clock(int(cols.start[p]))}–{clock(int(cols.end[p]))}"
            if name == "Tags":
                return ", ".join(self.tags[p])
            return self.notes[p]
        if role == Qt.ItemDataRole.ForegroundRole and name == "Predicted" and not cols.right[p]:
            return QBrush(WRONG)
        if role == Qt.ItemDataRole.DecorationRole and c == 0 and self.thumbnails is not None and self.videos:
            image = self.thumbnails.get(self.videos[p], (int(cols.start[p]) + int(cols.end[p])) // 2)
            return QIcon(QPixmap.fromImage(image)) if image is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            outcome = "right" if cols.right[p] else "wrong"
            text = (f"{cols.classes[cols.labels[p]]} → {cols.classes[cols.predicted[p]]} ({cols.confidence[p]:.0%}, "
                    f"{outcome}) · {cols.sessions[cols.session[p]]} frames {cols.start[p]}–{cols.end[p]}"
                    + (" · in a near miss" if cols.near[p] else ""))
            if self.tags[p]:
                text += f"\ntags: {', '.join(self.tags[p])}"
            if self.notes[p]:
                text += f"\nnote: {self.notes[p]}"
            return text + "\ndouble-click or Enter: open in the player"
        if role == Qt.ItemDataRole.UserRole:
            return p
        return None
