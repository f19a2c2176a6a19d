"""Layouts that fit: at 1280x800 and 1600x950, with each analysis panel shown in turn, every visible
label and button either shows its whole text or is elided with the whole text in its tooltip, and
no table column is cut off without a scroll bar to reach it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt, QTextDocument
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QLabel, QTabBar, QToolButton, QWidget

SIZES = [(1280, 800), (1600, 950)]
ELLIPSIS = "…"


def plain(text: str) -> str:
    if GuiQt.mightBeRichText(text):
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


def text_width(widget: QWidget, text: str) -> float:
    """Pixels ``text`` needs in ``widget``'s font (rich text laid out as Qt would, bold included)."""
    if GuiQt.mightBeRichText(text):
        doc = QTextDocument()
        doc.setDefaultFont(widget.font())
        doc.setDocumentMargin(0)
        doc.setHtml(text)
        return doc.idealWidth()
    return max(widget.fontMetrics().horizontalAdvance(line) for line in text.split("\n"))


def elided_with_tip(widget: QWidget, shown: str) -> bool:
    return ELLIPSIS in shown and plain(shown).rstrip(ELLIPSIS).strip() and (
        plain(shown).split(ELLIPSIS)[0].strip() in plain(widget.toolTip()))


def clipped_texts(root: QWidget) -> list[str]:
    """Every visible label or button under ``root`` whose text does not fit and is not elided."""
    problems = []
    for label in root.findChildren(QLabel):
        text = label.shown_text() if hasattr(label, "shown_text") else label.text()  # a title elides when drawn
        if not label.isVisible() or not plain(text).strip() or label.wordWrap() or label.width() <= 0:
            continue
        room = label.contentsRect().width() - 2 * max(0, label.margin()) - max(0, label.indent())
        if text_width(label, text) > room + 1 and not elided_with_tip(label, text):
            problems.append(f"label {plain(text)!r} needs {text_width(label, text):.0f} px, has {room}")
    for button in root.findChildren(QAbstractButton):
        text = button.text().replace("&", "")
        if not button.isVisible() or not text.strip():
            continue
        if isinstance(button, QToolButton) and button.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly:
            continue
        if button.width() + 1 < button.sizeHint().width() and not elided_with_tip(button, text):
            problems.append(f"button {text!r} is {button.width()} px of {button.sizeHint().width()}")
    return problems


def cut_columns(view: QAbstractItemView, name: str) -> list[str]:
    """Columns past the right edge of ``view`` with no horizontal scroll bar to reach them."""
    header = view.header() if hasattr(view, "header") else view.horizontalHeader()
    width = view.viewport().width()
    bar = view.horizontalScrollBar()
    reachable = bar.isVisible() and bar.maximum() > 0
    cut = [str(view.model().headerData(k, Qt.Orientation.Horizontal)) for k in range(header.count())
           if not header.isSectionHidden(k) and header.sectionViewportPosition(k) + header.sectionSize(k) > width + bar.value()]
    return [f"{name}: column {c!r} cut off without a scroll bar" for c in cut] if cut and not reachable else []


def cut_rows(view: QAbstractItemView, name: str) -> list[str]:
    """Rows below the bottom of ``view`` with no vertical scroll bar to reach them."""
    bar = view.verticalScrollBar()
    rows = view.model().rowCount()
    if rows and view.visualRect(view.model().index(rows - 1, 0)).bottom() > view.viewport().height() and not (
            bar.isVisible() and bar.maximum() > 0):
        return [f"{name}: rows cut off without a scroll bar"]
    return []


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_text_fits_or_is_elided_and_tables_scroll(qtbot, window, panels, size):
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size, timeout=5000)
    problems = []
    for dock in window.analysis_docks:
        dock.raise_()
        qtbot.wait(150)  # the raised panel lays out and paints
        found = clipped_texts(window)
        problems += [f"{dock.objectName()}: {p}" for p in found]
        report = panels.report
        if dock.widget() is report:
            problems += cut_columns(report.table, "Table II") + cut_rows(report.models, "Table I")
            problems += cut_columns(report.models, "Table I")
            # Table I shows every model's row without scrolling.
            models = report.models
            n = models.model().rowCount()
            assert n and models.visualRect(models.model().index(n - 1, 0)).bottom() <= models.viewport().height()
    problems += cut_columns(window.sessions, "Sessions")
    for bar in window.findChildren(QTabBar):  # the docks' tabs elide in a narrow window: the tip says it all
        if bar.isVisible() and bar.parent() is window:
            problems += [f"dock tab {bar.tabText(k)!r} has no tooltip" for k in range(bar.count())
                         if bar.tabToolTip(k) != bar.tabText(k)]
    assert not sorted(set(problems)), "\n".join(sorted(set(problems)))


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_three_models_side_by_side_fit_the_window(qtbot, window, panels, size):
    """The compare view with a pane per model keeps the window's size and every pane's text readable."""
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size, timeout=5000)
    window.compare_models_here()
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.compare_view, timeout=10000)
    panes = window.compare_view.panes
    assert len(panes) == 3
    qtbot.waitUntil(lambda: all(p.labels.text() for p in panes), timeout=30000)
    qtbot.wait(200)
    assert (window.width(), window.height()) == size  # the panes never widen the window
    problems = clipped_texts(window.compare_view)
    for pane in panes:  # the labels wrap: every word of them shows
        assert pane.labels.wordWrap() and pane.labels.heightForWidth(pane.labels.width()) <= pane.labels.height() + 1
    window.tabs.setCurrentIndex(0)
    assert not problems, "\n".join(problems)
