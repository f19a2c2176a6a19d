"""Where an export may not go: over a video of the project's sessions, or over the project itself.

Exports replace an existing file atomically, which is what a user re-exporting a clip wants; but a
clip written over its own source video destroys the original, and one written over the project
(or its ``-wal``/``-shm``) destroys the results. Paths are compared as files, not as strings:
symbolic links, hard links and ``..`` name the same file too.
"""

from __future__ import annotations

import os
from pathlib import Path

from cabinlens.engine.analysis.store import Store
from cabinlens.engine.errors import InputError


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether ``a`` and ``b`` are one file: ``os.path.samefile`` where both exist, else their resolved paths
    (a project's ``-wal`` that does not exist yet must not be written either)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return os.path.realpath(a) == os.path.realpath(b)


def protected_files(store: Store) -> list[tuple[Path, str]]:
    """(file, what it is) for every file an export must never replace."""
    project = store.path
    found = [(project, f"the project file {project.name} itself")]
    found += [(Path(f"{project}{tail}"), f"{project.name}'s {what}") for tail, what in
              (("-wal", "write-ahead log"), ("-shm", "shared-memory index"))]
    found += [(Path(video), f"the video of session {file_id} of {project.name}") for file_id, video in store.videos()]
    return found


def refuse_project_files(store: Store, out: str | Path) -> None:
    """Raise ``InputError`` naming ``out`` when it is a file of the project (a session's video, the project)."""
    for path, what in protected_files(store):
        if same_file(out, path):
            raise InputError(out, f"is {what}: exporting there would destroy it; choose another output file")
