"""The editor keys act on the player wherever the focus is, except in a text field; Help lists every key
(from the table they are bound from), every menu shortcut and every mouse gesture."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QSpinBox

from cabinlens.app.keyboard import EDITOR_KEYS, MOUSE_GESTURES, menu_shortcuts


def _help_action(window):
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    return next(a for a in help_menu.actions() if a.text().replace("&", "").startswith("Keyboard"))


def test_help_lists_every_key_menu_shortcut_and_mouse_gesture(qtbot, window):
    _help_action(window).trigger()
    dialog = window.keys_help
    qtbot.waitExposed(dialog)
    text = dialog.text()
    for key in EDITOR_KEYS:
        assert f"{key.shown}\t{key.what}" in text or (key.shown in text and key.what in text), key
    shortcuts = menu_shortcuts(window.menuBar())
    assert {"Ctrl+O", "Ctrl+E", "Ctrl+Shift+S"} <= {k for k, _ in shortcuts}  # Quit: as the platform has it
    for key, where in shortcuts:
        assert key in text and where in text
    for where, gesture, what in MOUSE_GESTURES:
        assert f"{where}: {gesture}" in text and what in text
    for gesture in ("Shift+drag", "Ctrl+drag", "click a cell", "double-click", "mouse wheel"):
        assert gesture in text
    dialog.close()


def _focus(qtbot, widget) -> None:
    """As a click would: the window active (an X server without a window manager does not activate it
    by itself), then the widget focused."""
    widget.window().activateWindow()
    qtbot.waitUntil(widget.window().isActiveWindow, timeout=5000)
    widget.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(widget.hasFocus, timeout=5000)


def test_keys_move_the_playhead_from_the_session_tree_and_a_table(qtbot, window, project):
    window.player.sweep_sessions = False
    window.open_project(str(project))
    qtbot.waitUntil(lambda: window.player.tracks is not None, timeout=30000)
    qtbot.waitUntil(lambda: window.analysis.data is not None, timeout=240000)
    state = window.state
    tree = window.sessions
    tree.setCurrentItem(tree.topLevelItem(0).child(0))
    for widget in (tree, window.analysis.report.table, window.analysis.near.table):
        widget.parentWidget().window().raise_()
        if not widget.isVisible():  # a tab of the right-hand docks: show it
            dock = next(d for d in window.analysis_docks if d.isAncestorOf(widget))
            dock.raise_()
            qtbot.waitUntil(widget.isVisible, timeout=5000)
        _focus(qtbot, widget)
        row = widget.currentIndex()
        state.set_frame(200)
        qtbot.keyClick(widget, Qt.Key.Key_Right)
        assert state.frame == 201, widget
        qtbot.keyClick(widget, Qt.Key.Key_Left)
        qtbot.keyClick(widget, Qt.Key.Key_Left)
        assert state.frame == 199
        qtbot.keyClick(widget, Qt.Key.Key_End)
        assert state.frame == state.frame_count - 1
        qtbot.keyClick(widget, Qt.Key.Key_Home)
        assert state.frame == 0
        assert widget.currentIndex() == row  # the list itself did not move
        qtbot.keyClick(widget, Qt.Key.Key_Space)
        assert state.playing
        qtbot.keyClick(widget, Qt.Key.Key_K)
        assert not state.playing
        assert widget.hasFocus()


def test_a_text_field_keeps_its_keys(qtbot, window):
    state = window.state
    state.frame_count = 1000
    state.set_frame(100)
    field, spin = QLineEdit(), QSpinBox()
    spin.setRange(0, 99)
    spin.setValue(5)
    window.statusBar().addWidget(field)
    window.statusBar().addWidget(spin)
    _focus(qtbot, field)
    qtbot.keyClicks(field, "jkl 12")
    for key in (Qt.Key.Key_Left, Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Right):
        qtbot.keyClick(field, key)
    assert field.text() == "jkl 12"
    assert field.cursorPosition() == len("jkl 12")  # Home, End, Left, Right moved the cursor, not the playhead
    assert state.frame == 100 and not state.playing
    _focus(qtbot, spin)
    qtbot.keyClick(spin, Qt.Key.Key_End)
    qtbot.keyClick(spin, Qt.Key.Key_Backspace)
    qtbot.keyClick(spin, Qt.Key.Key_7)
    assert spin.value() == 7 and state.frame == 100
    # The same keys, once the focus is on a button: the player's again.
    button = window.warnings_button
    button.show()
    _focus(qtbot, button)
    qtbot.keyClick(button, Qt.Key.Key_Right)
    assert state.frame == 101


def test_the_keys_keep_their_window_out_of_a_reference_cycle(qtbot):
    """A cycle through the window would leave its Qt objects to the cyclic collector, which crashed
    next to running workers: the keys hold the window and its route weakly."""
    import gc
    import weakref

    from PySide6.QtWidgets import QMainWindow, QTreeWidget

    from cabinlens.app.keyboard import EditorKeys

    class Window(QMainWindow):
        def __init__(self) -> None:
            super().__init__()
            self.moved: list[int] = []
            self.tree = QTreeWidget()
            self.setCentralWidget(self.tree)
            self.keys = EditorKeys(self, self._keys)

        def _keys(self):
            return self

        def step(self, frames: int) -> None:
            self.moved.append(frames)

    gc.disable()
    try:
        window = Window()
        window.show()
        qtbot.waitExposed(window)
        _focus(qtbot, window.tree)
        qtbot.keyClick(window.tree, Qt.Key.Key_Right)
        assert window.moved == [1]
        ref = weakref.ref(window)
        window.close()
        del window
        assert ref() is None  # freed by reference counting alone
    finally:
        gc.enable()
