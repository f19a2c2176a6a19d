"""Project files for tests that change them: a private copy of a shared session fixture's project."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def copy_project(source: Path, target: Path) -> Path:
    """A private copy of a shared project (SQLite's backup: the write-ahead log included), so what a
    test writes (tags, runs) reaches no other test."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target
