"""Explanation checks of the shown run's Grad-CAM: a verdict per check in words, then the numbers.

Three checks say whether a map is worth showing (see ``engine.explain.sanity``): randomising the
model must change the maps, playing a clip backwards must turn a reversible class into its
partner, and deleting the map's top voxels must lower the class probability faster than deleting
random ones. The panel takes an ``ExplanationChecks`` (plain numbers) and asks for a run with
``runRequested``; it never computes anything itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QStandardItem
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSpinBox, QTabWidget, QVBoxLayout,
                               QWidget)

from cabinlens.engine.analysis.sanity_results import REVERSAL_PASS, SURVIVAL, ExplanationChecks
from cabinlens.widgets.class_report import SORT_ROLE, SortableTable
from cabinlens.widgets.export import TABLE_FILTER, export_button, export_table
from cabinlens.widgets.plots import title_label

MARKS = {"pass": ("✔", QColor(0, 120, 40)), "fail": ("✘", QColor(190, 30, 30)),
         "mixed": ("~", QColor(190, 120, 0)), "n/a": ("–", QColor(110, 110, 110))}
ORDER_NAMES = {"cam": "Grad-CAM", "random": "random blocks", "evidence": "evidence boxes", "random_boxes": "moved boxes"}
RANDOMISATION_COLUMNS = ["random down to", "Spearman", "sd", "SSIM", "sd", f"< {SURVIVAL:g}"]
# The numbers the check is about first (they stay in view in a narrow dock), then the context.
REVERSAL_COLUMNS = ["class", "flipped %", "p partner", "map follows %", "right fwd %", "clips", "reversed partner"]
ORDER_COLUMNS = ["removed first", "clips", "deletion AUC", "insertion AUC"]
# Per class: deletion first (its tab), then the randomisation of the same clips.
CLASS_COLUMNS = ["class", "clips", "deletion AUC", "random", "lower", "rnd Spearman", "rnd SSIM", "changed at"]
TIPS = {  # the columns' meaning, on hover of their headers
    "random down to": "blocks re-initialised from the output down to this one (those above stay random)",
    "Spearman": "mean rank correlation of the maps with the trained model's (1: unchanged, 0: unrelated)",
    "SSIM": "mean structural similarity of the maps with the trained model's",
    f"< {SURVIVAL:g}": f"both similarities below {SURVIVAL:g}: the maps have changed",
    "flipped %": "clips played backwards that the model calls the time-reversed partner class",
    "p partner": "mean probability of the partner class on the reversed clips",
    "right fwd %": "clips the model classifies right when played forwards",
    "map follows %": "clips whose per-time Grad-CAM profile moves with the reversal (n/a: undecided)",
    "deletion AUC": "area under the class probability as voxels are removed in this order (lower: more faithful)",
    "insertion AUC": "area under the class probability as voxels are put back in this order (higher: more faithful)",
    "random": "deletion AUC of the same clips with voxels removed in random blocks",
    "lower": "the Grad-CAM order deletes faster than random for this class",
    "rnd Spearman": "mean rank correlation of the class's maps with the trained model's once every block is random "
                    f"(below {SURVIVAL:g}: changed; n/a: not measured in these results, run the checks again)",
    "rnd SSIM": "mean structural similarity of the class's maps with the trained model's once every block is random",
    "changed at": f"the first randomisation step (block) at which both of the class's means fall below {SURVIVAL:g}",
}
CLIPS_TIP = ("Clips the model classifies right, spread over classes, for randomisation and deletion/insertion; "
             "time reversal adds up to 2 clips of each class with a time-reversed partner. More clips: "
             "steadier numbers, longer checks.")
NAME_WIDTH = 130  # pixels of a class-name column at most
FEWER_SAY = ("Grad-CAM deletion AUC and, with every block random, similarity to the trained model's maps, of the "
             "class's checked clips (one or two clips: anecdotal)")
NOT_KEPT = "randomisation per class not available: these results were kept before it was measured (run again)"


def _cell(text: str, value: float | None = None, number: bool = False) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setToolTip(text)
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
        self.orders.fit_rows = 4  # the four orders, no scrolling; the page scrolls when the dock is short
        self.per_class = SortableTable(CLASS_COLUMNS)
        self.per_class_title = QLabel()
        self.per_class_title.setWordWrap(True)
        for table in (self.randomisation, self.reversal, self.orders, self.per_class):
            for k in range(table.source.columnCount()):
                tip = TIPS.get(str(table.source.horizontalHeaderItem(k).text()))
                if tip:
                    table.source.horizontalHeaderItem(k).setToolTip(tip)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.randomisation, "Randomisation")
        self.tabs.addTab(self.reversal, "Time reversal")
        faith = QWidget()
        f = QVBoxLayout(faith)
        f.setContentsMargins(0, 0, 0, 0)
        f.addWidget(self.orders)
        f.addWidget(self.per_class_title)
        self.per_class.setMinimumHeight(120)
        f.addWidget(self.per_class, 1)
        page = QScrollArea()
        page.setWidgetResizable(True)
        page.setFrameShape(QFrame.Shape.NoFrame)
        page.setWidget(faith)
        self.tabs.addTab(page, "Deletion / insertion")
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
        if text:  # stored checks stay readable above the reason they cannot run again
            kept = f"{self.status.text()}<br>" if self.checks is not None else ""
            self.status.setText(f"{kept}<span style='color:#b01e1e'>{text}</span>")

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
            [_cell(r.block), _num(r.spearman, 2), _num(r.spearman_sd, 2), _num(r.ssim, 2), _num(r.ssim_sd, 2),
             _yes(r.spearman < SURVIVAL and r.ssim < SURVIVAL)] for r in checks.randomisation])
        self.reversal.set_rows([
            [_cell(r.name), self._flip(r.to_partner), _num(r.partner_probability, 2), _pct(r.follows),
             _pct(r.right_forward), _cell(str(r.clips), r.clips, number=True), _cell(r.partner)] for r in checks.reversal])
        self.orders.set_rows([
            [_cell(ORDER_NAMES.get(o.order, o.order)), _cell(str(o.clips), o.clips, number=True), _num(o.deletion_auc),
             _num(o.insertion_auc)] for o in checks.faithfulness])
        self.orders.fit_height()
        self._show_per_class(checks)
        for table, columns in ((self.reversal, (0, 6)), (self.per_class, (0, 7))):
            for k in columns:  # long class names are elided (whole on hover) so the numbers stay in view
                table.setColumnWidth(k, min(table.columnWidth(k), NAME_WIDTH))

    def _show_per_class(self, checks: ExplanationChecks) -> None:
        """One row per checked class: its deletion AUC and its randomisation (n/a where not measured)."""
        deletion = {c.name: c for c in checks.per_class}
        rand = {c.name: c for c in checks.randomisation_per_class or ()}
        names = list(deletion) + [n for n in rand if n not in deletion]
        said = f"<b>Per class</b>: {FEWER_SAY}." if names else ""
        if checks.randomisation_per_class is None and checks.randomisation:
            said += f"<br><i>{NOT_KEPT}.</i>"
        self.per_class_title.setText(said)
        self.per_class_title.setVisible(bool(said))
        rows = []
        for name in names:
            d, r = deletion.get(name), rand.get(name)
            clips = d.clips if d is not None else r.clips
            row = [_cell(name), _cell(str(clips), clips, number=True)]
            row += [_num(d.cam), _num(d.random), _yes(d.cam < d.random)] if d is not None else \
                [_num(None), _num(None), _cell("n/a")]
            rows.append(row + self._randomised(r, checks))
        self.per_class.set_rows(rows)

    @staticmethod
    def _randomised(r, checks: ExplanationChecks) -> list[QStandardItem]:
        """A class's Spearman and SSIM with every block random (red: survived), and the step it changed at."""
        last = r.all_random if r is not None else None
        if last is None:
            return [_num(None, 2), _num(None, 2), _cell("n/a", None, number=True)]
        cells = [_num(last[0], 2), _num(last[1], 2)]
        colour = MARKS["pass" if r.passed else "fail"][1]
        for cell in cells:
            cell.setForeground(colour)
        k = r.decorrelated
        if k is None:
            at = _cell("never", len(r.spearman) + 1, number=True)
            at.setForeground(MARKS["fail"][1])
        else:
            block = checks.randomisation[k].block if k < len(checks.randomisation) else "?"
            at = _cell(f"{k + 1} · {block}", k + 1, number=True)
        return cells + [at]

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
