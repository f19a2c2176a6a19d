"""A row of controls that scrolls sideways in a narrow panel instead of widening the window.

A toolbar row asks for the width of all its controls; in a dock or a tab that minimum becomes the
window's, and at 1280x800 the window no longer fits the screen. In a ``Strip`` the row keeps its
natural size when there is room and gets a horizontal scroll bar when there is not.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QLayout, QScrollArea, QSizePolicy, QWidget

MIN_WIDTH = 80  # what a strip asks of its panel, whatever its row holds


class Strip(QScrollArea):
    """``row`` (a widget, or a layout put in one) in a strip as tall as the row, scrolling sideways when narrower."""

    def __init__(self, row: QWidget | QLayout) -> None:
        super().__init__()
        if isinstance(row, QLayout):
            host = QWidget()
            row.setContentsMargins(0, 0, 0, 0)
            host.setLayout(row)
            row = host
        self.setWidget(row)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self._height())

    def _height(self) -> int:
        row = self.widget()
        scrolls = self.width() < row.minimumSizeHint().width()
        return row.sizeHint().height() + (self.horizontalScrollBar().sizeHint().height() if scrolls else 0)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(MIN_WIDTH, self._height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(self.widget().sizeHint().width(), self._height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if self.height() != self._height():
            self.setFixedHeight(self._height())
