"""The clips of the analysed run, to find the ones worth a look: filters (ground truth, prediction,
session, right or wrong, confidence, near misses, tag), a sortable table, and tags and a note per
clip. A selection made in a panel (a confusion cell, a scatter box, a bubble ...) narrows the list
to its clips; "All clips" widens it again. Activating a clip opens it in the player; Compare shows
the chosen clips (or the first few) side by side.

The list never writes the project: it emits ``notesEdited`` and the application stores them.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QTableView,
                               QVBoxLayout, QWidget)

from cabinlens.widgets.clip_filters import ClipFilterBar, FilterStrip
from cabinlens.widgets.clip_model import ClipTableModel
from cabinlens.widgets.clip_query import ClipColumns, ClipQuery

MAX_COMPARED = 6


class ClipList(QWidget):
    clipActivated = Signal(int)  # sample position
    compareRequested = Signal(object)  # sample positions
    notesEdited = Signal(object)  # [((file_id, frame_start, frame_end), tags, note)] to store
    allRequested = Signal()  # widen the list from a panel's selection to every clip of the run

    def __init__(self, thumbnails=None) -> None:
        super().__init__()
        self.title = QLabel("Open a project: the clips of its analysed run are listed here.")
        self.title.setWordWrap(True)
        self.title.setMinimumWidth(40)
        self.compare = QPushButton("Compare")
        self.compare.setToolTip(f"the chosen clips side by side (Ctrl/Shift+click to choose; none chosen: the "
                                f"first {MAX_COMPARED // 2}); near misses of this selection are in the Near misses tab")
        self.compare.clicked.connect(self._compare)
        self.compare.setEnabled(False)
        self.all = QPushButton("All clips")
        self.all.setToolTip("list every clip of the run, not only the panel's selection")
        self.all.clicked.connect(self.allRequested)
        self.all.hide()
        self.filters = ClipFilterBar()
        self.filters.changed.connect(self._refilter)
        self.model = ClipTableModel(thumbnails)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # analysis order until a click
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setIconSize(QSize(48, 38))
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)  # the whole text is in the tooltip
        self.table.verticalHeader().setDefaultSectionSize(40)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setDefaultSectionSize(110)
        header.setMinimumSectionSize(40)
        for column, width in enumerate((170, 150, 48, 110, 100, 110)):
            header.resizeSection(column, width)
        self.table.activated.connect(self._activated)
        self.table.doubleClicked.connect(self._activated)
        self.table.selectionModel().currentRowChanged.connect(self._current)
        self.table.selectionModel().selectionChanged.connect(self._chosen_changed)
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("tags, comma-separated")
        self.tags.setToolTip("the tags of the chosen clips, kept in the project (comma-separated; empty: no tags)")
        self.note = QLineEdit()
        self.note.setPlaceholderText("note")
        self.note.setToolTip("a note on the chosen clips, kept in the project and shown in exports and the report")
        self.save = QPushButton("Save")
        self.save.setToolTip("give the chosen clips these tags and this note (Enter in either field)")
        self.save.clicked.connect(self._save)
        self.tags.returnPressed.connect(self._save)
        self.note.returnPressed.connect(self._save)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(3)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.all)
        top.addWidget(self.compare)
        layout.addLayout(top)
        layout.addWidget(FilterStrip(self.filters))
        layout.addWidget(self.table, 1)
        edit = QHBoxLayout()
        edit.addWidget(self.tags, 2)
        edit.addWidget(self.note, 3)
        edit.addWidget(self.save)
        layout.addLayout(edit)
        self.data = None
        self.scope: np.ndarray | None = None
        self.what = ""
        self.notes: dict = {}  # (file_id, frame_start, frame_end) -> object with tags and note
        self._set_editable(False)
        if thumbnails is not None:
            thumbnails.ready.connect(lambda _key, image: image is not None and self.model.refresh_previews())

    # ------------------------------------------------------------------ what is listed
    def show_clips(self, data, positions, what: str = "") -> None:
        """The clips of ``data`` (an analysis); ``positions`` non-empty narrows them to a panel's selection."""
        if data is not self.data:
            self.data = data
            cols = ClipColumns.of(data) if data is not None else None
            self.model.set_clips(cols, [s.video for s in data.samples] if data is not None else [])
            self.model.set_notes(self.notes)
            self.filters.set_choices(cols, self._all_tags())  # resets the filters and refilters
        positions = list(positions)
        self.scope = np.asarray(positions, dtype=np.int64) if positions else None
        self.what = what
        self._refilter()

    def set_notes(self, by_key: dict) -> None:
        """The project's tags and notes by clip identity (values with ``tags`` and ``note``)."""
        self.notes = dict(by_key)
        self.model.set_notes(self.notes)
        self.filters.set_tags(self._all_tags())
        self._current(self.table.currentIndex())

    def show_problem(self, text: str) -> None:
        """A write that failed (the list then shows what the project holds)."""
        self.title.setText(f"<span style='color:#c62828'>{text}</span>")

    def _all_tags(self) -> list[str]:
        return sorted({t for n in self.notes.values() for t in n.tags})

    def _refilter(self, query: ClipQuery | None = None) -> None:
        cols = self.model.cols
        self.model.apply(query or self.filters.query(), self.scope)
        self.compare.setEnabled(self.count() > 0)
        self.all.setVisible(self.scope is not None)
        if cols is None:
            self.title.setText("" if self.data is None else "No clips")
            self._set_editable(False)
            return
        shown = self.model.rows
        wrong = int(np.count_nonzero(~cols.right[shown]))
        scope = (f"<b>{len(self.scope)} clip(s)</b> · {self.what}" if self.scope is not None
                 else f"<b>all {len(cols)} clips</b> of the run")
        filtered = self.filters.describe()
        self.title.setText(f"{scope}{' · ' + filtered if filtered else ''} · {len(shown)} listed, {wrong} wrong")
        self._current(self.table.currentIndex())

    # ------------------------------------------------------------------ rows
    def count(self) -> int:
        """Rows listed now."""
        return self.model.rowCount()

    def position(self, row: int) -> int:
        return self.model.position(row)

    def positions(self) -> list[int]:
        """Every listed clip's position, in the listed order."""
        return [int(p) for p in self.model.rows]

    def chosen(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.position(r) for r in rows]

    def select_rows(self, rows: list[int]) -> None:
        """Choose these rows (as Ctrl+click does), the first one current."""
        selection = QItemSelection()
        for r in rows:
            selection.select(self.model.index(r, 0), self.model.index(r, self.model.columnCount() - 1))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().select(selection, flags)
        if rows:
            self.table.selectionModel().setCurrentIndex(self.model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate)

    def activate(self, row: int) -> None:
        self._activated(self.model.index(row, 0))

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.clipActivated.emit(self.model.position(index.row()))

    def _compare(self) -> None:
        chosen = self.chosen()
        if len(chosen) < 2:
            chosen = self.positions()[: MAX_COMPARED // 2]
        if chosen:
            self.compareRequested.emit(chosen[:MAX_COMPARED])

    # ------------------------------------------------------------------ tags and notes
    def _set_editable(self, on: bool) -> None:
        for w in (self.tags, self.note, self.save):
            w.setEnabled(on)

    def _current(self, index: QModelIndex) -> None:
        """The editors show the current clip's tags and note."""
        valid = index.isValid() and index.row() < self.count()
        self._set_editable(valid)
        if valid:
            p = self.model.position(index.row())
            self.tags.setText(", ".join(self.model.tags[p]))
            self.note.setText(self.model.notes[p])
        else:
            self.tags.clear()
            self.note.clear()
        self._chosen_changed()

    def _chosen_changed(self, *_args) -> None:
        n = len(self.table.selectionModel().selectedRows())
        self.save.setText(f"Save to {n} clips" if n > 1 else "Save")

    def _save(self) -> None:
        chosen = self.chosen() or ([self.model.position(self.table.currentIndex().row())]
                                   if self.table.currentIndex().isValid() else [])
        if not chosen or self.model.cols is None:
            return
        tags = tuple(dict.fromkeys(t.strip() for t in self.tags.text().split(",") if t.strip()))
        note = self.note.text().strip()
        edits = []
        for p in chosen:
            key = self.model.cols.key(p)
            self.model.set_note(p, tags, note)
            edits.append((key, tags, note))
        self.notesEdited.emit(edits)
