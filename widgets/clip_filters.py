"""The Clips list's filter bar: ground truth, prediction, session, right or wrong, a confidence
range, near misses only, and a tag. Emits ``changed`` with the ``ClipQuery`` it describes.

The boxes carry no labels ("any class", "any prediction" ... say what they choose) so the bar fits a
narrow dock; narrower still, ``FilterStrip`` scrolls it sideways rather than widen the window."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QPushButton, QSizePolicy, QSpinBox, QWidget

from cabinlens.widgets.clip_query import OUTCOMES, ClipColumns, ClipQuery
from cabinlens.widgets.strip import Strip

ANY = ("any class", "any prediction", "any session")
UNTAGGED = "(untagged)"


def _combo(tip: str) -> QComboBox:
    box = QComboBox()
    box.setToolTip(tip)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(6)  # long class names would widen the dock; the popup shows them whole
    box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return box


class ClipFilterBar(QWidget):
    changed = Signal(object)  # ClipQuery

    def __init__(self) -> None:
        super().__init__()
        self.true = _combo("ground truth class")
        self.predicted = _combo("predicted class")
        self.session = _combo("session (video)")
        self.outcome = _combo("right or wrong predictions")
        self.outcome.addItems(OUTCOMES)
        self.outcome.setMinimumContentsLength(10)
        self.low, self.high = QSpinBox(), QSpinBox()
        for box, value, tip in ((self.low, 0, "lowest confidence shown (%)"), (self.high, 100, "highest confidence shown (%)")):
            box.setRange(0, 100)
            box.setValue(value)
            box.setSuffix(" %")
            box.setToolTip(tip)
        self.near = QCheckBox("near misses")
        self.near.setToolTip("only clips of a near-miss pair (same class, one right, one wrong, close together)")
        self.tag = _combo("clips with this tag")
        self.clear = QPushButton("Clear")
        self.clear.setToolTip("show every clip again (all filters off)")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.true, 0, 0)
        grid.addWidget(self.predicted, 0, 1)
        grid.addWidget(self.session, 0, 2, 1, 2)
        grid.addWidget(self.outcome, 1, 0)
        confidence = QWidget()
        row = QGridLayout(confidence)
        row.setContentsMargins(0, 0, 0, 0)
        row.setHorizontalSpacing(2)
        row.addWidget(QLabel("Conf."), 0, 0)
        row.addWidget(self.low, 0, 1)
        row.addWidget(QLabel("–"), 0, 2)
        row.addWidget(self.high, 0, 3)
        row.setColumnStretch(4, 1)  # the range stays together in a wide dock
        grid.addWidget(confidence, 1, 1)
        grid.addWidget(self.near, 1, 2)
        grid.addWidget(self.tag, 1, 3)
        grid.addWidget(self.clear, 0, 4, 2, 1)
        for k in (0, 1, 3):
            grid.setColumnStretch(k, 1)
        for box in (self.true, self.predicted, self.session, self.outcome, self.tag):
            box.currentIndexChanged.connect(self._emit)
        self.low.valueChanged.connect(self._emit)
        self.high.valueChanged.connect(self._emit)
        self.near.toggled.connect(self._emit)
        self.clear.clicked.connect(self.reset)
        self._quiet = False

    def set_choices(self, cols: ClipColumns | None, tags: list[str]) -> None:
        """The classes and sessions of a run (a new run resets the filters), and the project's tags."""
        self._quiet = True
        for box, items, anything in ((self.true, cols.classes if cols else (), ANY[0]),
                                     (self.predicted, cols.classes if cols else (), ANY[1]),
                                     (self.session, cols.sessions if cols else (), ANY[2])):
            box.clear()
            box.addItem(anything)
            box.addItems(list(items))
        self.set_tags(tags)
        self._quiet = False
        self.reset()

    def set_tags(self, tags: list[str]) -> None:
        """The tags offered (kept chosen if still there)."""
        chosen = self.tag.currentText()
        quiet, self._quiet = self._quiet, True
        self.tag.clear()
        self.tag.addItems(["any tag", UNTAGGED, *sorted(tags)])
        self.tag.setCurrentIndex(max(0, self.tag.findText(chosen)))
        self._quiet = quiet

    def reset(self) -> None:
        self._quiet = True
        for box in (self.true, self.predicted, self.session, self.outcome, self.tag):
            box.setCurrentIndex(0)
        self.low.setValue(0)
        self.high.setValue(100)
        self.near.setChecked(False)
        self._quiet = False
        self._emit()

    def query(self) -> ClipQuery:
        def index(box: QComboBox) -> int | None:
            return box.currentIndex() - 1 if box.currentIndex() > 0 else None

        tag = None if self.tag.currentIndex() <= 0 else ("" if self.tag.currentText() == UNTAGGED else self.tag.currentText())
        low, high = sorted((self.low.value(), self.high.value()))
        return ClipQuery(index(self.true), index(self.predicted), index(self.session), self.outcome.currentText() or OUTCOMES[0],
                         (low / 100, high / 100), self.near.isChecked(), tag)

    def describe(self) -> str:
        """The active filters in words (for the list's title)."""
        q = self.query()
        parts = [f"{name} {box.currentText()}" for name, box in
                 (("class", self.true), ("predicted", self.predicted), ("session", self.session)) if box.currentIndex() > 0]
        if q.outcome != OUTCOMES[0]:
            parts.append(q.outcome)
        if q.confidence != (0.0, 1.0):
            parts.append(f"conf. {q.confidence[0]:.0%}–{q.confidence[1]:.0%}")
        if q.near_miss:
            parts.append("near misses")
        if q.tag is not None:
            parts.append(f"tag {q.tag}" if q.tag else "untagged")
        return ", ".join(parts)

    def _emit(self, *_args) -> None:
        if not self._quiet:
            self.changed.emit(self.query())


class FilterStrip(Strip):
    """The filter bar in a strip as tall as the bar, scrolling sideways when the dock is narrower."""

    def __init__(self, bar: ClipFilterBar) -> None:
        super().__init__(bar)
