"""The window's editor keys and mouse gestures in one table: the keys are bound from it and Help lists
it (with the menus' shortcuts, read from the menus themselves), so the two cannot drift apart.

The editor keys act on the player (or on the compare view while its tab is shown) wherever the focus
is: a click in the session tree or a table must not leave the arrows, Space or Home/End to that list.
An editable text field keeps them, because typing a frame number or a name must not move the playhead.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QDockWidget,
    QKeySequenceEdit,
    QLineEdit,
    QMenu,
    QMenuBar,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)


@dataclass(frozen=True)
class EditorKey:
    """A key of the player and the compare view: the controller's method it calls, and what it does."""

    keys: str  # QKeySequence text
    action: str
    args: tuple
    what: str

    @property
    def shown(self) -> str:
        return QKeySequence(self.keys).toString(QKeySequence.SequenceFormat.NativeText)


EDITOR_KEYS = (
    EditorKey("Space", "toggle_play", (), "play / pause"),
    EditorKey("Right", "step", (1,), "one frame forwards"),
    EditorKey("Left", "step", (-1,), "one frame back"),
    EditorKey("Shift+Right", "jump_segment", (1,), "to the next segment edge"),
    EditorKey("Shift+Left", "jump_segment", (-1,), "to the previous segment edge"),
    EditorKey("J", "shuttle", (-1,), "play backwards; pressed again, twice as fast (up to 8x)"),
    EditorKey("K", "shuttle", (0,), "stop"),
    EditorKey("L", "shuttle", (1,), "play forwards; pressed again, twice as fast (up to 8x)"),
    EditorKey("Home", "home", (), "to the first frame"),
    EditorKey("End", "end", (), "to the last frame"),
)

# (where, gesture, what it does): what the widgets do with the mouse (see each widget's module).
MOUSE_GESTURES = (
    ("Timeline", "click, or drag the playhead", "scrub to that frame"),
    ("Timeline", "mouse wheel / drag", "zoom in and out / pan"),
    ("Timeline", "hover", "the class of the segment or prediction under the mouse"),
    ("Sessions", "click a session", "open it in the player"),
    ("Embedding", "hover a point", "its clip's classes, confidence and middle frame"),
    ("Embedding", "click a point", "open its clip in the player"),
    ("Embedding", "Shift+drag", "select the clips in a box"),
    ("Embedding", "Ctrl+drag", "select the clips in a free-hand lasso"),
    ("Embedding", "mouse wheel / drag", "zoom / pan"),
    ("Confusion matrix", "hover a cell", "its counts and shares"),
    ("Confusion matrix", "click a cell", "list its clips"),
    ("Classes", "click a class / its most common confusion", "list its clips / the clips confused so"),
    ("Classes", "click a Δ (with \"vs\" another model)", "list the clips only one of the two models gets right"),
    ("Classes", "click a column header", "sort by that column"),
    ("Dendrogram", "click a class name or a merge", "filter the scatter and the matrix to it (elsewhere: no filter)"),
    ("Failures", "click a bubble / a confusion bar", "list that class's / that confusion's clips"),
    ("Near misses", "click a pair", "show it side by side in Compare"),
    ("Clips", "double-click a clip (or Enter)", "open it in the player"),
    ("Clips", "Ctrl/Shift+click, then Compare", "show the chosen clips side by side"),
    ("Compare", "drag a scrubber", "move the panes (all together while synchronised)"),
    ("Window", "drop a project, or a dataset folder or CSV with checkpoints", "open it"),
    ("Status bar", "click the ⚠ count", "open the Log with every warning and error"),
)


def menu_shortcuts(menu_bar: QMenuBar) -> list[tuple[str, str]]:
    """(key, "Menu → Item") for every menu action with a shortcut, read from the menus as they are."""
    found: list[tuple[str, str]] = []

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            name = action.text().replace("&", "").rstrip(". ")
            if action.menu() is not None:
                walk(action.menu(), f"{path} → {name}")
            elif not action.shortcut().isEmpty():
                found.append((action.shortcut().toString(QKeySequence.SequenceFormat.NativeText), f"{path} → {name}"))

    for top in menu_bar.actions():
        if top.menu() is not None:
            walk(top.menu(), top.text().replace("&", ""))
    return found


def help_sections(menu_bar: QMenuBar) -> list[tuple[str, list[tuple[str, str]]]]:
    """What Help shows: (title, [(key or gesture, what it does)]) per section."""
    return [
        ("Player and compare view (wherever the focus is, except in a text field)",
         [(k.shown, k.what) for k in EDITOR_KEYS]),
        ("Menus", menu_shortcuts(menu_bar)),
        ("Mouse", [(f"{where}: {gesture}", what) for where, gesture, what in MOUSE_GESTURES]),
    ]


def is_text_field(widget: QWidget | None) -> bool:
    """A widget that takes typing (an editable line, spin box or text), where the keys stay."""
    if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit)):
        return not widget.isReadOnly()
    return isinstance(widget, (QAbstractSpinBox, QKeySequenceEdit))


class EditorKeys(QObject):
    """Delivers the editor keys to ``route()`` (the player or the compare controller) from any widget of
    ``window`` that has the focus (docks floated off it included; its dialogs not), text fields aside.

    The filter sits on the window and on the widget that has the focus (moved as the focus moves), so
    the keys are seen before a list or table uses them, and no other event pays for a Python call.
    The window and its ``route`` method are held weakly: a cycle through them would leave the window's Qt
    objects to the cyclic garbage collector, which may run next to the window's worker threads."""

    def __init__(self, window: QWidget, route: Callable[[], object]) -> None:
        super().__init__(window)
        self._window = weakref.ref(window)
        self._route = weakref.WeakMethod(route) if inspect.ismethod(route) else (lambda: route)
        self._bindings = {QKeySequence(k.keys)[0].toCombined(): k for k in EDITOR_KEYS}
        self._watched: QWidget | None = None
        window.installEventFilter(self)
        app = QApplication.instance()
        app.focusChanged.connect(self._focus_moved)
        self._focus_moved(None, app.focusWidget())

    @property
    def window(self) -> QWidget | None:
        return self._window()

    def route(self) -> object:
        """The controller the keys go to now (the player, or the compare view while its tab is shown)."""
        target = self._route()
        return target() if target is not None else None

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        if self._watched is not None and self._watched is not self.window:
            try:
                self._watched.removeEventFilter(self)
            except RuntimeError:  # already deleted
                pass
        self._watched = new if new is not None and self._mine(new) else None
        if self._watched is not None:
            self._watched.installEventFilter(self)

    def _mine(self, widget: QWidget) -> bool:
        """Inside the window, or a dock of it floated off; not a dialog it opened."""
        window, w = self.window, widget
        while w is not None:
            if w is window:
                return True
            if w.isWindow() and not isinstance(w, QDockWidget):
                return False
            w = w.parentWidget()
        return False

    def binding(self, event) -> EditorKey | None:
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        return self._bindings.get(event.key() | modifiers.value)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() != QEvent.Type.KeyPress:
            return False
        key = self.binding(event)
        if key is None or is_text_field(QApplication.focusWidget()):
            return False
        if not isinstance(watched, QWidget) or not self._mine(watched):
            return False
        target = self.route()
        if target is None:
            return False
        getattr(target, key.action)(*key.args)
        return True
