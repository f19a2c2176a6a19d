"""Every panel exports what it shows: figures as PNG or SVG, tables as CSV, Markdown or LaTeX."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QFileDialog, QGraphicsView, QToolButton, QWidget

from cabinlens.engine.analysis import tables

FIGURE_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"
TABLE_FILTER = "CSV (*.csv);;Markdown (*.md);;LaTeX (*.tex)"


HIDDEN_EXPORT_SIZE = QSize(900, 700)


def export_figure(widget: QWidget, path: str | Path) -> Path:
    """The widget as it is drawn, to ``.png`` (pixels) or ``.svg`` (vector where Qt draws vectors).

    A panel in a tab that is not shown may have been squeezed to a sliver; it is laid out at a
    readable size for the export and given its size back afterwards.
    """
    path = Path(path)
    before = widget.size()
    off_screen = not widget.isVisible() or widget.visibleRegion().isEmpty()  # e.g. a tab not in front
    squeezed = off_screen and (before.width() < 480 or before.height() < 360)
    if squeezed:
        widget.resize(before.expandedTo(HIDDEN_EXPORT_SIZE))
    try:
        return _export_figure(widget, path)
    finally:
        if squeezed:
            widget.resize(before)


def _export_figure(widget: QWidget, path: Path) -> Path:
    if path.suffix.lower() == ".svg":
        from PySide6.QtSvg import QSvgGenerator

        gen = QSvgGenerator()
        gen.setFileName(str(path))
        gen.setSize(widget.size())
        gen.setViewBox(QRect(0, 0, widget.width(), widget.height()))
        gen.setTitle(widget.objectName() or "CabinLens")
        painter = QPainter(gen)
        if isinstance(widget, QGraphicsView):  # pyqtgraph plots: the scene, as vectors
            widget.render(painter)
        else:
            QWidget.render(widget, painter, QPoint(0, 0))
        painter.end()
    elif not widget.grab().save(str(path)):
        raise OSError(f"{path}: could not write the image (use .png or .svg)")
    return path


def export_table(header: list[str], rows: list[list[str]], path: str | Path, caption: str = "") -> Path:
    """Rows to ``.csv``, ``.md`` or ``.tex`` (booktabs), chosen by the suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = tables.to_csv(header, rows)
    elif suffix == ".md":
        text = tables.to_markdown(header, rows)
    elif suffix == ".tex":
        text = tables.to_latex(header, rows, caption)
    else:
        raise ValueError(f"{path}: choose .csv, .md or .tex")
    path.write_text(text)
    return path


def export_button(parent: QWidget, title: str, filters: str, save: Callable[[str], object]) -> QToolButton:
    """An 'Export…' button that asks for a file and calls ``save(path)``."""
    button = QToolButton(parent)
    button.setText("Export…")
    button.setIconSize(QSize(0, 0))

    def ask() -> None:
        path, chosen = QFileDialog.getSaveFileName(parent, title, "", filters)
        if path:
            if not Path(path).suffix:
                path += chosen[chosen.index("*.") + 1 : chosen.index(")")]
            save(path)

    button.clicked.connect(ask)
    return button
