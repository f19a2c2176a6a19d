"""Where the video of an annotation lives.

Drive&Act: ``file_id`` ``vp<N>/<run>.<sensor>`` is ``<video_root>/<view>/vp<N>/<run>.<sensor>.mp4``.
Users also keep one view's videos directly under the root, or all videos in one flat folder, and
some have ``.avi``; all are tried in that order. Missing videos are reported all at once, since
finding them one run at a time wastes an evening.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from cabinlens.engine.data.records import Segment
from cabinlens.engine.errors import InputError

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mkv", ".mov")

#: Drive&Act camera views and the sensor suffix of their file ids.
SENSOR_OF_VIEW = {
    "inner_mirror": "ids_1",
    "a_column_co_driver": "ids_2",
    "ceiling": "ids_3",
    "steering_wheel": "ids_4",
    "a_column_driver": "ids_5",
    "kinect_color": "kinect_color",
    "kinect_ir": "kinect_ir",
    "kinect_depth": "kinect_depth",
}


class MissingVideosError(InputError):
    """Some annotated videos are not where they should be; lists every one of them."""

    def __init__(self, video_root: Path, missing: dict[str, list[Path]], source: Path | None = None,
                 lines: dict[str, list[int]] | None = None) -> None:
        """``source``/``lines``: the annotation file and the lines that name each video, when known."""
        self.missing = missing
        lines = lines or {}

        def where(fid: str) -> str:
            at = lines.get(fid, [])
            shown = ", ".join(map(str, at[:3])) + (" ..." if len(at) > 3 else "")
            return f"{source.name}:{shown}: " if source is not None and at else ""

        shown = "\n".join(
            f"  {where(fid)}{fid}  (looked for {paths[0]})" for fid, paths in list(missing.items())[:20]
        )
        more = f"\n  ... and {len(missing) - 20} more" if len(missing) > 20 else ""
        n = len(missing)
        head = f"{n} video{'s' if n != 1 else ''} not found" + (f" (videos are looked for under {video_root})"
                                                                if source is not None else "")
        super().__init__(source or video_root, f"{head}:\n{shown}{more}{_hint(missing, video_root)}")


def _hint(missing: dict[str, list[Path]], video_root: Path) -> str:
    """What the user most likely meant, when the missing videos exist from the current folder."""
    here = [fid for fid in missing if any((Path.cwd() / p.relative_to(video_root)).is_file()
                                          for p in missing[fid] if p.is_relative_to(video_root))]
    if here and Path.cwd().resolve() != Path(video_root).resolve():
        return (f"\n{len(here)} of them exist relative to the current folder: the paths of a segments CSV are "
                "relative to the CSV; '--videos .' reads them from here")
    return ""


def session_id(file_id: str) -> str:
    """The id a session goes by everywhere: the file id without a video extension.

    A generic CSV names the video file (``clips/a.mp4``), Drive&Act names it without extension
    (``vp1/run1.ids_1``); both are the same session whether a user writes the extension or not.
    """
    text = file_id.strip().replace("\\", "/")
    rel = PurePosixPath(text)
    return text[: -len(rel.suffix)] if rel.suffix.lower() in VIDEO_EXTENSIONS else text


def normalise_video_path(text: str) -> str:
    """A CSV's video path in one spelling: ``/`` separators, no ``./`` or ``x/../`` (one file, one session)."""
    text = text.strip().replace("\\", "/")
    return posixpath.normpath(text) if text else text


def session_ids(videos: Mapping[str, Path]) -> dict[str, str]:
    """Each file id's session id: :func:`session_id` (no extension), unless two different videos of the
    same data have the same path without extension (``clips/a.mp4`` and ``clips/a.avi``): those keep it."""
    by_stem: dict[str, set[Path]] = defaultdict(set)
    for file_id, video in videos.items():
        by_stem[session_id(file_id)].add(Path(video).resolve())
    return {f: session_id(f) if len(by_stem[session_id(f)]) == 1 else normalise_video_path(f) for f in videos}


def names_video(file_id: str, video: str | Path) -> bool:
    """Whether an annotation's ``file_id`` names this video: the video's path ends with the id, compared
    without extension when the id has none (Drive&Act) and with it when it has one (``clips/a.avi`` does
    not name ``clips/a.mp4``)."""
    text = normalise_video_path(file_id)
    path = PurePosixPath(Path(video).as_posix())
    if PurePosixPath(text).suffix.lower() in VIDEO_EXTENSIONS:
        wanted, have = PurePosixPath(text).parts, path.parts
    else:
        wanted = PurePosixPath(text).parts
        stem = path.name[: -len(path.suffix)] if path.suffix.lower() in VIDEO_EXTENSIONS else path.name
        have = (*path.parent.parts, stem)
    return bool(wanted) and wanted != (".",) and have[-len(wanted):] == wanted


def video_candidates(file_id: str, video_root: Path, view: str | None) -> list[Path]:
    """Every path the video of ``file_id`` may have, most specific first."""
    rel = PurePosixPath(file_id)
    if rel.suffix.lower() in VIDEO_EXTENSIONS:  # a generic CSV names the file itself
        p = Path(file_id)
        return [p] if p.is_absolute() else [video_root / p]
    bases = []
    if view:
        bases.append(video_root / view / rel)
    bases += [video_root / rel, video_root / rel.name]
    return [b.with_name(b.name + ext) for b in bases for ext in VIDEO_EXTENSIONS]


def resolve_video(file_id: str, video_root: str | Path, view: str | None = None) -> Path | None:
    for candidate in video_candidates(file_id, Path(video_root), view):
        if candidate.is_file():
            return candidate
    return None


def resolve_videos(
    segments: Iterable[Segment], video_root: str | Path, view: str | None = None, *, strict: bool = True
) -> dict[str, Path]:
    """Map each distinct file_id to its video. With ``strict``, raise once listing all missing."""
    video_root = Path(video_root)
    found: dict[str, Path] = {}
    missing: dict[str, list[Path]] = {}
    for file_id in sorted({s.file_id for s in segments}):
        path = resolve_video(file_id, video_root, view)
        if path is None:
            missing[file_id] = video_candidates(file_id, video_root, view)
        else:
            found[file_id] = path
    if missing and strict:
        raise MissingVideosError(video_root, missing)
    return found
