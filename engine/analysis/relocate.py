"""Where a project's video is now, when the project and its videos were moved or copied together.

A project stores each video's absolute path, so it opens from any working folder. Moved to another
disk or machine with its videos beside it (``mine.cabinlens`` and ``clips/``), those paths no longer
exist; the video is then looked for under the project's new folder (and the folder above it) by the
stored path's last folders, longest first, so ``/old/work/clips/a.mp4`` is found as
``NEW/clips/a.mp4`` and a same-named file elsewhere is never preferred to the more specific match.
"""

from __future__ import annotations

from pathlib import Path, PurePath


def locate_video(stored: str, project: Path) -> str:
    """``stored`` when that file exists, else where it lies relative to the moved project, else ``stored``."""
    if not stored or Path(stored).exists():
        return stored
    parts = PurePath(stored).parts[1:] if PurePath(stored).is_absolute() else PurePath(stored).parts
    folder = Path(project).absolute().parent
    for base in (folder, folder.parent):
        for k in range(len(parts), 0, -1):
            candidate = base.joinpath(*parts[-k:])
            if candidate.is_file():
                return str(candidate)
    return stored
