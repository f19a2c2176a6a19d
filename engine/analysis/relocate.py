"""Where a project's video is now, when the project and its videos were moved or copied together.

A project stores each video's absolute path, so it opens from any working folder. Moved to another
disk or machine with its videos beside it (``mine.cabinlens`` and ``clips/``), those paths no longer
exist; the video is then looked for under the project's new folder (and the folder above it) by the
stored path's last folders, longest first, so ``/old/work/clips/a.mp4`` is found as
``NEW/clips/a.mp4`` and a same-named file elsewhere is never preferred to the more specific match.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePath

from cabinlens.engine.io import file_sha256


def locate_video(stored: str, project: Path) -> str:
    """``stored`` when that file exists, else where it lies relative to the moved project, else ``stored``."""
    if not stored or Path(stored).exists():
        return stored
    return _relocated(stored, project, Path.is_file)


def _relocated(stored: str, project: Path, found: Callable[[Path], bool]) -> str:
    parts = PurePath(stored).parts[1:] if PurePath(stored).is_absolute() else PurePath(stored).parts
    folder = Path(project).absolute().parent
    for base in (folder, folder.parent):
        for k in range(len(parts), 0, -1):
            candidate = base.joinpath(*parts[-k:])
            if found(candidate):
                return str(candidate)
    return stored


def _is_model(path: Path) -> bool:
    """A checkpoint file, or a Hugging Face model folder (config.json beside its weights)."""
    return path.is_file() or (path / "config.json").is_file()


def locate_checkpoint(stored: str, sha256: str, project: Path) -> str | None:
    """Where the checkpoint a run was made with is now, or None.

    As stored; else beside the moved project (as for videos); else, for a shipped demo model, this
    installation's copy when its bytes are the same (a project made by another installation, a bundle or
    another clone, names the models inside that installation). A Hugging Face model folder counts as
    a checkpoint."""
    if stored and _is_model(Path(stored)):
        return stored
    moved = _relocated(stored, project, _is_model) if stored else stored
    if moved != stored:
        return moved
    from cabinlens.resources import RESOURCES

    shipped = RESOURCES / "models" / PurePath(stored).name
    if shipped.is_file() and (not sha256 or file_sha256(shipped) == sha256):
        return str(shipped)
    return None
