"""Table II (per class) as a sortable table, Table I (every model of the project), and the
per-class differences to another model analysed on the same clips.

Numbers sort as numbers (a sort role on a proxy model: no Python comparison overrides, which
PySide calls thousands of times per sort); rare classes are marked; a click on a class's most common confusion
selects the clips of that confusion cell.
"""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor, QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QTableView, QVBoxLayout, QWidget

from cabinlens.engine.analysis import tables
from cabinlens.widgets.export import TABLE_FILTER, export_button, export_table
from cabinlens.widgets.plots import title_label

RARE = QColor(255, 244, 214)
BETTER, WORSE = QColor(0, 120, 40), QColor(190, 30, 30)
COLUMNS = ["class", "group", "precision", "recall", "F1", "support", "train count", "most common confusion", "share",
           "CAM on evidence"]
POINTING_TIP = ("How often the Grad-CAM of the true class peaks on the evidence (the files beside the videos), over "
                "this class's clips; by chance about the evidence's share of the picture. n/a: no evidence files.")
VERSUS_COLUMNS = ["Δ recall", "Δ F1", "other's recall"]  # shown after the group while another model is chosen
NO_PEER = "vs no other model"

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # numbers sort as numbers; a missing value sorts below all


def _cell(text: str, value: float | None = None, number: bool = False) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    if number:
        item.setData(float("-inf") if value is None else float(value), SORT_ROLE)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    else:
        item.setData(text.lower(), SORT_ROLE)
    return item


def _pct(v: float | None) -> QStandardItem:
    return _cell("n/a" if v is None else f"{100 * v:.1f}", v, number=True)


def _delta(v: float | None) -> QStandardItem:
    """Percentage points, signed and coloured: green where this model is ahead."""
    item = _cell("n/a" if v is None else "0.0" if v == 0 else f"{100 * v:+.1f}", v, number=True)
    if v:
        item.setForeground(BETTER if v > 0 else WORSE)
    return item


def columns(versus: bool) -> list[str]:
    """The per-class table's header, with the comparison columns up front while another model is chosen."""
    if not versus:
        return list(COLUMNS)
    at = COLUMNS.index("group") + 1
    return COLUMNS[:at] + VERSUS_COLUMNS + COLUMNS[at:]


class SortableTable(QTableView):
    """A read-only table whose columns sort by the numbers behind the shown text."""

    def __init__(self, header: list[str]) -> None:
        super().__init__()
        self.source = QStandardItemModel(0, len(header))
        self.source.setHorizontalHeaderLabels(header)
        self.proxy = QSortFilterProxyModel()
        self.proxy.setSourceModel(self.source)
        self.proxy.setSortRole(SORT_ROLE)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().hide()
        self.fit_rows = 0  # > 0: as tall as its rows, up to this many (then it scrolls)

    def fit_height(self) -> None:
        """Be exactly as tall as the header, the rows (up to ``fit_rows``) and, where the columns are
        wider than the view, the horizontal scroll bar: no row hidden behind the bar or the edge."""
        if not self.fit_rows:
            return
        rows = min(self.proxy.rowCount(), self.fit_rows)
        height = 2 * self.frameWidth() + self.horizontalHeader().height()
        height += sum(self.rowHeight(r) for r in range(rows)) if rows else self.verticalHeader().defaultSectionSize()
        if self.horizontalHeader().length() > self.viewport().width():
            height += self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(height)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self.fit_height()

    def set_rows(self, rows: list[list[QStandardItem]], sort_column: int = -1,
                 order: Qt.SortOrder = Qt.SortOrder.DescendingOrder) -> None:
        """Replace the rows; sorted by ``sort_column`` (-1: in the order given) until a header is clicked."""
        self.source.removeRows(0, self.source.rowCount())
        for row in rows:
            self.source.appendRow(row)
        self.horizontalHeader().setSortIndicator(sort_column, order)
        self.proxy.sort(sort_column, order)
        self.resizeColumnsToContents()
        self.fit_height()

    def text(self, row: int, col: int) -> str:
        """The text shown at (row, col) in the current sorted order."""
        return str(self.proxy.index(row, col).data())

    def value(self, row: int, col: int):
        return self.proxy.index(row, col).data(SORT_ROLE)

    def rows(self) -> tuple[list[str], list[list[str]]]:
        header = [str(self.proxy.headerData(k, Qt.Orientation.Horizontal)) for k in range(self.proxy.columnCount())]
        return header, [[self.text(r, k) for k in range(self.proxy.columnCount())] for r in range(self.proxy.rowCount())]


class ClassReport(QWidget):
    confusionClicked = Signal(str, str)  # true class, the class it is most often mistaken for
    classClicked = Signal(str)
    disagreementClicked = Signal(str)  # a class whose clips one of the two compared models gets right

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("classReport")
        self.title = title_label()
        self.table = SortableTable(COLUMNS)
        self.columns = list(COLUMNS)
        self.table.clicked.connect(lambda index: self._clicked(index.row(), index.column()))
        self.models = SortableTable(["model", "samples", "top-1 all", "top-1 common", "top-1 rare",
                                     "top-5 all", "top-5 common", "top-5 rare"])
        self.models.fit_rows = 8  # Table I: every run of a project shows; more than 8 scroll
        self.which = QComboBox()
        self.which.addItems(["Table II (this model)", "Table I (all models)"])
        self.versus = QComboBox()
        self.versus.setToolTip("Compare per class with another model analysed on the same clips")
        self.versus.addItem(NO_PEER)
        self.versus.setEnabled(False)
        self.versus.currentIndexChanged.connect(self._versus_chosen)
        self.comparison = QLabel()
        self.comparison.setWordWrap(True)
        self.comparison.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.comparison.hide()
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.versus)
        bar.addWidget(self.which)
        bar.addWidget(export_button(self, "Export the table", TABLE_FILTER, self.export))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.models)
        layout.addWidget(self.comparison)
        layout.addWidget(self.table, 1)
        self.data = None

    @property
    def peer(self):
        """The other model's comparison shown in the table, or None."""
        k = self.versus.currentIndex() - 1
        return self.data.peers[k] if self.data is not None and 0 <= k < len(self.data.peers) else None

    def set_data(self, data, placeholder: str = "") -> None:
        self.data = data
        if data is None:
            self.title.setText(placeholder)
            self._set_peers([])
            self.table.set_rows([])
            self.models.set_rows([])
            return
        self.title.setText(f"<b>{data.name}</b> · rare classes shaded")
        problems = getattr(data, "evidence_problems", ())
        if problems:
            self.title.setText(f"{self.title.text()} · {len(problems)} evidence file(s) not used")
            self.title.setToolTip(f"{self.title.toolTip()}\n\nEvidence files not used (their clips are not scored):\n"
                                  + "\n".join(problems))
        self._set_peers(data.peers)
        self._fill_classes()
        model_rows = []
        for row in tables.table1(data.table1):
            cells = [_cell(row[0])] + [_cell(t, None if t == "n/a" else float(t), number=True) for t in row[1:]]
            if row[0] == data.name:
                for item in cells:
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
            model_rows.append(cells)
        self.models.set_rows(model_rows)

    def compare_with(self, run_id: int | None) -> None:
        """Show the per-class differences to run ``run_id`` (None: no comparison)."""
        ids = [self.versus.itemData(k) for k in range(self.versus.count())]
        self.versus.setCurrentIndex(ids.index(run_id) if run_id in ids else 0)

    def _set_peers(self, peers) -> None:
        """The comparable runs in the selector; the chosen one stays chosen while it is still there."""
        kept = self.versus.currentData()
        models = [p.theirs_model for p in peers] + ([self.data.model] if self.data is not None else [])
        self.versus.blockSignals(True)
        self.versus.clear()
        self.versus.addItem(NO_PEER, None)
        for peer in peers:
            twice = models.count(peer.theirs_model) > 1  # two checkpoints of one architecture: say which run
            self.versus.addItem(f"vs {peer.theirs_model}" + (f" (run {peer.theirs_id})" if twice else ""), peer.theirs_id)
            self.versus.setItemData(self.versus.count() - 1, peer.theirs, Qt.ItemDataRole.ToolTipRole)
        ids = [p.theirs_id for p in peers]
        self.versus.setCurrentIndex(ids.index(kept) + 1 if kept in ids else 0)
        self.versus.setEnabled(bool(peers))
        self.versus.blockSignals(False)

    def _versus_chosen(self, _index: int) -> None:
        if self.data is not None:
            self._fill_classes()

    def _fill_classes(self) -> None:
        data, peer = self.data, self.peer
        self.columns = columns(peer is not None)
        self.table.source.setColumnCount(len(self.columns))
        self.table.source.setHorizontalHeaderLabels(self.columns)
        versus = {d.name: d for d in peer.classes()} if peer is not None else {}
        if peer is not None:
            self.comparison.setText(f"<b>{data.model}</b> {peer.summary()}. Δ: {data.model} minus "
                                    f"{peer.theirs_model}, in percentage points, on the shared clips. A click on "
                                    "a Δ lists the class's clips only one of the two gets right.")
        self.comparison.setVisible(peer is not None)
        confusion_column = self.columns.index("most common confusion")
        rows = []
        for c in sorted(data.metrics.per_class, key=lambda c: (-c.train_count, c.name)):
            cells = [_cell(c.name), _cell(c.group)]
            if peer is not None:
                d = versus[c.name]
                cells += [_delta(d.recall_delta), _delta(d.f1_delta), _pct(d.recall[1])]
            pointing = data.pointing[data.classes.index(c.name)] if getattr(data, "pointing", None) else None
            cells += [_pct(c.precision), _pct(c.recall), _pct(c.f1), _cell(str(c.support), c.support, number=True),
                      _cell(str(c.train_count), c.train_count, number=True),
                      _cell(c.confused_with or "–"), _pct(c.confused_share), _pct(pointing)]
            cells[-1].setToolTip(POINTING_TIP)
            if c.group == "rare":
                for item in cells:
                    item.setBackground(RARE)
            if c.confused_with:
                link = cells[confusion_column]
                link.setForeground(QColor(20, 90, 200))
                font = QFont(link.font())
                font.setUnderline(True)
                link.setFont(font)
                link.setToolTip(f"show the clips of {c.name} predicted as {c.confused_with}")
            rows.append(cells)
        self.table.set_rows(rows, self.columns.index("train count"))  # the paper's order: most frequent first

    def _clicked(self, row: int, col: int) -> None:
        name = self.table.text(row, 0)
        if col == self.columns.index("most common confusion") and self.table.text(row, col) != "–":
            self.confusionClicked.emit(name, self.table.text(row, col))
        elif self.columns[col] in VERSUS_COLUMNS:
            self.disagreementClicked.emit(name)
        else:
            self.classClicked.emit(name)

    def export(self, path: str) -> None:
        which = self.models if self.which.currentIndex() == 1 else self.table
        header, rows = which.rows()
        if which is self.models:
            caption = "Balanced accuracy (%)"
        else:
            caption = f"Per-class results of {self.data.name if self.data else ''}"
            if self.peer is not None:
                caption += (f"; Δ: minus {self.peer.theirs}, in percentage points, on {self.peer.shared} shared clips")
        export_table(header, rows, path, caption)
