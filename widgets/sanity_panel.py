"""Explanation checks of the shown run's Grad-CAM: a verdict per check in words, then the numbers.

Three checks say whether a map is worth showing (see ``engine.explain.sanity``): randomising the
model must change the maps, playing a clip backwards must turn a reversible class into its
partner, and deleting the map's top voxels must lower the class probability faster than deleting
random ones. The panel takes an ``ExplanationChecks`` (plain numbers) and asks for a run with
``runRequested``; it never computes anything itself.
"""

from __future__ import annotations

from cabinlens.engine.analysis.sanity_results import (
    REVERSAL_PASS,
    SURVIVAL,
    ExplanationChecks,
)
from cabinlens.widgets.class_report import SORT_ROLE, SortableTable
from cabinlens.widgets.export import TABLE_FILTER, export_button, export_table
from cabinlens.widgets.plots import title_label
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QStandardItem
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

MARKS = {"pass": ("✔", QColor(0, 120, 40)), "fail": ("✘", QColor(190, 30, 30)),
         "mixed": ("~", QColor(190, 120, 0)), "n/a": ("–", QColor(110, 110, 110))}
ORDER_NAMES = {"cam": "Grad-CAM", "random": "random blocks", "evidence": "evidence boxes", "random_boxes": "moved boxes"}
RANDOMISATION_COLUMNS = ["step", "randomised down to", "Spearman", "± sd", "SSIM", "± sd", f"both < {SURVIVAL:g}"]
REVERSAL_COLUMNS = ["class", "reversed partner", "clips", "right forwards %", "to partner %", "partner prob.",
                    "map follows %"]
ORDER_COLUMNS = ["removed first", "clips", "deletion AUC", "insertion AUC"]
CLASS_COLUMNS = ["class", "clips", "deletion AUC Grad-CAM", "deletion AUC random", "Grad-CAM lower"]
CLIPS_TIP = ("Clips the model classifies right, spread over classes, for randomisation and deletion/insertion; "
             "time reversal adds up to 2 clips of each class with a time-reversed partner. More clips: "
             "steadier numbers, longer checks.")
FEWER_SAY = "deletion AUC of the class's checked clips; with one or two clips a class's number is anecdotal"


def _cell(text: str, value: float | None = None, number: bool = False) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    if number:
        item.setData(float("-inf") if value is None else float(value), SORT_ROLE)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    else:
        item.setData(text.lower(), SORT_ROLE)
    return item


def _num(v: float | None, digits: int = 3) -> QStandardItem:
    return _cell("n/a" if v is None else f"{v:.{digits}f}", v, number=True)


def _pct(v: float | None) -> QStandardItem:
    return _cell("n/a" if v is None else f"{100 * v:.0f}", v, number=True)


def _yes(ok: bool) -> QStandardItem:
    item = _cell("yes" if ok else "no")
    item.setForeground(MARKS["pass" if ok else "fail"][1])
    return item


class SanityPanel(QWidget):
    runRequested = Signal(int)  # the number of clips to check

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("sanityPanel")
        self.title = title_label()
        self.clips = QSpinBox()
        self.clips.setRange(2, 64)
        self.clips.setValue(8)
        self.clips.setPrefix("clips: ")
        self.clips.setToolTip(CLIPS_TIP)
        self.run = QPushButton("Run checks")
        self.run.setToolTip("Load the run's model and check its Grad-CAM in the background (minutes on a CPU)")
        self.run.clicked.connect(lambda: self.runRequested.emit(self.clips.value()))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setObjectName("sanityStatus")
        self.verdicts = [QLabel() for _ in range(3)]
        for label in self.verdicts:
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
        self.randomisation = SortableTable(RANDOMISATION_COLUMNS)
        self.reversal = SortableTable(REVERSAL_COLUMNS)
        self.orders = SortableTable(ORDER_COLUMNS)
        self.orders.fit_rows = 4
        self.per_class = SortableTable(CLASS_COLUMNS)
        self.per_class_title = QLabel()
        self.per_class_title.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.randomisation, "Randomisation")
        self.tabs.addTab(self.reversal, "Time reversal")
        faith = QWidget()
        f = QVBoxLayout(faith)
        f.setContentsMargins(0, 0, 0, 0)
        f.addWidget(self.orders)
        f.addWidget(self.per_class_title)
        f.addWidget(self.per_class, 1)
        self.tabs.addTab(faith, "Deletion / insertion")
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.clips)
        bar.addWidget(self.run)
        bar.addWidget(export_button(self, "Export the shown table", TABLE_FILTER, self.export))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        for label in self.verdicts:
            layout.addWidget(label)
        layout.addWidget(self.tabs, 1)
        self.checks: ExplanationChecks | None = None
        self.running = False
        self.blocker = ""
        self.show_checks(None, "no analysed run shown")

    # ------------------------------------------------------------------ state
    def set_title(self, run_name: str) -> None:
        self.title.setText(f"<b>{run_name}</b> · can its Grad-CAM be trusted?" if run_name else "Explanation checks")

    def set_blocker(self, text: str) -> None:
        """Why the checks cannot run for this run ("" when they can): shown, and the button disabled."""
        self.blocker = text
        self._button()
        if text:
            self.status.setText(f"<span style='color:#b01e1e'>{text}</span>")

    def set_running(self, text: str | None) -> None:
        """``text``: what the running checks do now; None: no check runs (the button is offered again)."""
        self.running = text is not None
        self._button()
        if text is not None:
            self.status.setText(text)

    def _button(self) -> None:
        self.run.setEnabled(not self.running and not self.blocker)
        self.clips.setEnabled(not self.running)
        self.run.setText("Running…" if self.running else ("Run again" if self.checks is not None else "Run checks"))

    def show_checks(self, checks: ExplanationChecks | None, message: str = "") -> None:
        """The checks' verdicts and tables, or ``message`` with empty tables."""
        self.checks = checks
        self._button()
        if checks is None:
            self.status.setText(message)
            for label in self.verdicts:
                label.setText("")
                label.hide()
            for table in (self.randomisation, self.reversal, self.orders, self.per_class):
                table.set_rows([])
            self.per_class_title.setText("")
            return
        said = [checks.when()] + list(checks.problems) + ([message] if message else [])
        self.status.setText(" · ".join(said))
        for label, verdict in zip(self.verdicts, checks.verdicts(), strict=True):
            mark, colour = MARKS.get(verdict.status, MARKS["n/a"])
            label.setText(f"<span style='color:{colour.name()}'><b>{mark} {verdict.check}</b></span>: {verdict.text}")
            label.setToolTip(verdict.text)
            label.show()
        self.randomisation.set_rows([
            [_cell(str(k + 1), k + 1, number=True), _cell(r.block), _num(r.spearman), _num(r.spearman_sd), _num(r.ssim),
             _num(r.ssim_sd), _yes(r.spearman < SURVIVAL and r.ssim < SURVIVAL)]
            for k, r in enumerate(checks.randomisation)])
        self.reversal.set_rows([
            [_cell(r.name), _cell(r.partner), _cell(str(r.clips), r.clips, number=True), _pct(r.right_forward),
             self._flip(r.to_partner), _num(r.partner_probability, 2), _pct(r.follows)] for r in checks.reversal])
        self.orders.set_rows([
            [_cell(ORDER_NAMES.get(o.order, o.order)), _cell(str(o.clips), o.clips, number=True), _num(o.deletion_auc),
             _num(o.insertion_auc)] for o in checks.faithfulness])
        self.per_class_title.setText(f"<b>Per class</b>: {FEWER_SAY}." if checks.per_class else "")
        self.per_class.set_rows([
            [_cell(c.name), _cell(str(c.clips), c.clips, number=True), _num(c.cam), _num(c.random), _yes(c.cam < c.random)]
            for c in checks.per_class])

    @staticmethod
    def _flip(share: float) -> QStandardItem:
        item = _pct(share)
        item.setForeground(MARKS["pass" if share >= REVERSAL_PASS else "fail"][1])
        return item

    # ------------------------------------------------------------------ export
    def shown_table(self) -> SortableTable:
        page = self.tabs.currentIndex()
        return (self.randomisation, self.reversal, self.orders)[page]

    def export(self, path: str) -> None:
        """The shown tab's table (on the deletion tab, the orders and then the per-class rows)."""
        table = self.shown_table()
        header, rows = table.rows()
        if table is self.orders and self.per_class.proxy.rowCount():
            extra_header, extra = self.per_class.rows()
            width = max(len(header), len(extra_header))
            rows = [r + [""] * (width - len(r)) for r in rows + [extra_header] + extra]
            header = header + [""] * (width - len(header))
        caption = f"Explanation checks: {self.tabs.tabText(self.tabs.currentIndex())}"
        export_table(header, rows, path, caption)
