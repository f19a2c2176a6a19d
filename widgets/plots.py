"""pyqtgraph plots without parentless, Python-owned menus.

Why: pyqtgraph creates each plot's context menus (QMenu) without a Qt parent. Under PySide6 the
garbage collector may then delete such a menu in the middle of Qt destroying the window, which
deadlocked the process (QObject destructor waiting on a lock its own cascade held). Our plots need
no context menu: the view box menu is switched off, and the plot-options menu is given a Qt
parent so Qt deletes it with the plot.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtGui import QPainter, QTextDocument
from PySide6.QtWidgets import QLabel, QSizePolicy


def without_menus(plot: pg.PlotWidget) -> pg.PlotWidget:
    item = plot.getPlotItem()
    item.setMenuEnabled(False)
    if item.ctrlMenu is not None:
        item.ctrlMenu.setParent(plot, item.ctrlMenu.windowFlags())
    return plot


class TitleLabel(QLabel):
    """A panel's one-line title: elided ("…") rather than widening its dock (a long run name would
    otherwise set the dock's minimum width and squeeze the rest of the window); the whole text is
    in the tooltip. ``text()`` stays the whole text; ``shown_text()`` is what is drawn."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        super().setText(text)
        self.setToolTip(plain_text(text))

    def _needed(self) -> float:
        doc = QTextDocument()
        doc.setDefaultFont(self.font())
        doc.setDocumentMargin(0)
        doc.setHtml(self.text())
        return doc.idealWidth()

    def shown_text(self) -> str:
        """The whole text where it fits, else its plain text elided at the right."""
        room = self.contentsRect().width()
        if self._needed() <= room:
            return self.text()
        return self.fontMetrics().elidedText(plain_text(self.text()), Qt.TextElideMode.ElideRight, room)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        shown = self.shown_text()
        if shown == self.text():
            super().paintEvent(event)
            return
        p = QPainter(self)
        p.setPen(self.palette().windowText().color())
        p.drawText(self.contentsRect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown)


def plain_text(text: str) -> str:
    """``text`` without its markup (a title's bold run name)."""
    if not GuiQt.mightBeRichText(text):
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def title_label() -> QLabel:
    return TitleLabel()
