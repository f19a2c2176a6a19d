"""Help → Keyboard and mouse: the window's keys and gestures, as sections of (key or gesture, what it
does) rows it is given (the application builds them from the same table it binds the keys from)."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget


class ShortcutsHelp(QDialog):
    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsHelp")
        self.setWindowTitle("Keyboard and mouse")
        self.browser = QTextBrowser()
        self.browser.setHtml(self.html(sections))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(720, 640)

    @staticmethod
    def html(sections: list[tuple[str, list[tuple[str, str]]]]) -> str:
        parts = []
        for title, rows in sections:
            parts.append(f"<h3>{escape(title)}</h3><table cellspacing='0' cellpadding='3'>")
            parts.extend(f"<tr><td style='padding-right:18px'><b>{escape(key)}</b></td><td>{escape(what)}</td></tr>"
                         for key, what in rows)
            parts.append("</table>")
        return "".join(parts)

    def text(self) -> str:
        """What the dialog says, as plain text."""
        return self.browser.toPlainText()
