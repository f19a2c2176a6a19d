"""Table II (per class) as a sortable table and Table I (every model of the project).

Numbers sort as numbers (a sort role on a proxy model: no Python comparison overrides, which
PySide calls thousands of times per sort); rare classes are marked; a click on a class's most common confusion
selects the clips of that confusion cell.
"""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor, QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHBoxLayout, QTableView, QVBoxLayout, QWidget

from engine.analysis import tables
from widgets.export import TABLE_FILTER, export_button, export_table
from widgets.plots import title_label

RARE = QColor(255, 244, 214)
COLUMNS = ["class", "group", "precision", "recall", "F1", "support", "train count", "most common confusion", "share"]
CONFUSION_COLUMN = COLUMNS.index("most common confusion")




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

    def set_rows(self, rows: list[list[QStandardItem]], sort_column: int = -1,
                 order: Qt.SortOrder = Qt.SortOrder.DescendingOrder) -> None:
        """Replace the rows; sorted by ``sort_column`` (-1: in the order given) until a header is clicked."""
        self.source.removeRows(0, self.source.rowCount())
        for row in rows:
            self.source.appendRow(row)
        self.horizontalHeader().setSortIndicator(sort_column, order)
        self.proxy.sort(sort_column, order)
        self.resizeColumnsToContents()

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

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("classReport")
        self.title = title_label()
        self.table = SortableTable(COLUMNS)
        self.table.clicked.connect(lambda index: self._clicked(index.row(), index.column()))
        self.models = SortableTable(["model", "samples", "top-1 all", "top-1 common", "top-1 rare",
                                     "top-5 all", "top-5 common", "top-5 rare"])
        self.models.setMaximumHeight(150)
        self.which = QComboBox()
        self.which.addItems(["Table II (this model)", "Table I (all models)"])
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.which)
        bar.addWidget(export_button(self, "Export the table", TABLE_FILTER, self.export))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.models)
        layout.addWidget(self.table, 1)
        self.data = None

    def set_data(self, data, placeholder: str = "") -> None:
        self.data = data
        if data is None:
            self.title.setText(placeholder)
            self.table.set_rows([])
            self.models.set_rows([])
            return
        self.title.setText(f"<b>{data.name}</b> · rare classes shaded")
        rows = []
        for c in sorted(data.metrics.per_class, key=lambda c: (-c.train_count, c.name)):
            cells = [_cell(c.name), _cell(c.group), _pct(c.precision), _pct(c.recall), _pct(c.f1),
                     _cell(str(c.support), c.support, number=True), _cell(str(c.train_count), c.train_count, number=True),
                     _cell(c.confused_with or "–"), _pct(c.confused_share)]
            if c.group == "rare":
                for item in cells:
                    item.setBackground(RARE)
            if c.confused_with:
                link = cells[CONFUSION_COLUMN]
                link.setForeground(QColor(20, 90, 200))
                font = QFont(link.font())
                font.setUnderline(True)
                link.setFont(font)
                link.setToolTip(f"show the clips of {c.name} predicted as {c.confused_with}")
            rows.append(cells)
        self.table.set_rows(rows, COLUMNS.index("train count"))  # the paper's order: most frequent first
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

    def _clicked(self, row: int, col: int) -> None:
        name = self.table.text(row, 0)
        if col == CONFUSION_COLUMN and self.table.text(row, col) != "–":
            self.confusionClicked.emit(name, self.table.text(row, col))
        else:
            self.classClicked.emit(name)

    def export(self, path: str) -> None:
        which = self.models if self.which.currentIndex() == 1 else self.table
        header, rows = which.rows()
        caption = "Balanced accuracy (%)" if which is self.models else f"Per-class results of {self.data.name if self.data else ''}"
        export_table(header, rows, path, caption)
