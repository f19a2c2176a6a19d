"""The window's log: every warning and error of the session with its time, newest last.

The status bar shows one line at a time; this keeps them all (a checkpoint's missing class names
seen at start-up is still here an hour later).
"""

from __future__ import annotations

import time

from PySide6.QtWidgets import QPlainTextEdit


class LogView(QPlainTextEdit):
    MAX_LINES = 2000

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("logView")
        self.setReadOnly(True)
        self.setMaximumBlockCount(self.MAX_LINES)
        self.setPlaceholderText("Warnings and errors of this session appear here.")

    def add(self, kind: str, text: str) -> None:
        self.appendPlainText(f"{time.strftime('%H:%M:%S')}  {kind}: {text}")
