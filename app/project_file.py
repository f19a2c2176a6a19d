"""A quick look at a file the user asks to open as a project, on the GUI thread, before any job starts.

Reading the first bytes costs nothing and catches the common mistake (any other file) without
disturbing what the worker is doing for the open project; a damaged SQLite file is left to the
worker's full read, which fails the same way without changing the window.
"""

from __future__ import annotations

from pathlib import Path

from cabinlens.engine.errors import InputError

SQLITE_HEADER = b"SQLite format 3\x00"


def project_file_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot be a project (one line naming it), or None when it may be one."""
    path = Path(path)
    if not path.is_file():
        return str(InputError(path, "no such project file"))
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        return str(InputError(path, f"cannot be read ({exc.strerror or exc})"))
    if head != SQLITE_HEADER:
        return str(InputError(path, "is not a CabinLens project (not an SQLite file)"
                              if head else "is not a CabinLens project (the file is empty)"))
    return None
