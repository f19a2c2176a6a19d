"""Nothing a user opens can break the window: each way a project fails to open (not a project, no
such file, a truncated or corrupt SQLite file, a project whose videos are gone) is done for real, and
then the player, the panels and an export are used on the project that is open."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

SQLITE_PAGE = 4096


def _copy(project: Path, target: Path) -> Path:
    with sqlite3.connect(project) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def not_a_project(good: Path, folder: Path) -> Path:
    path = folder / "notes.cabinlens"
    path.write_text("these are my notes, not a project\n" * 50)
    return path


def missing(good: Path, folder: Path) -> Path:
    return folder / "gone.cabinlens"


def truncated(good: Path, folder: Path) -> Path:
    path = folder / "truncated.cabinlens"
    with open(good, "rb") as f:
        path.write_bytes(f.read(2 * SQLITE_PAGE))  # a valid header, most pages gone
    return path


def corrupt(good: Path, folder: Path) -> Path:
    path = folder / "corrupt.cabinlens"
    data = bytearray(good.read_bytes())
    for page in range(1, len(data) // SQLITE_PAGE):  # every page but the first: garbage
        data[page * SQLITE_PAGE: page * SQLITE_PAGE + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))
    return path


def videos_gone(good: Path, folder: Path) -> Path:
    path = _copy(good, folder / "moved.cabinlens")
    with sqlite3.connect(path) as db:
        # Flattened names: a project finds videos moved together with it (their last folders beside it),
        # so the gone ones must not exist under any of their tails either.
        db.execute("UPDATE samples SET video = '/nonexistent/moved/' || replace(video, '/', '_')")
    return path


def _open(qtbot, window, path: Path) -> None:
    window.open_project(str(path))
    qtbot.waitUntil(lambda: window.state.project == str(path.resolve()), timeout=30000)
    qtbot.waitUntil(lambda: window.player.tracks is not None, timeout=30000)
    qtbot.waitUntil(lambda: window.analysis.data is not None, timeout=240000)


def _frames(window) -> list[tuple[int, bool, str | None]]:
    """Every frame the player's source delivers from now on: (frame, has a picture, problem)."""
    made: list[tuple[int, bool, str | None]] = []
    window.player.frames.frameReady.connect(lambda f, image, info: made.append((f, image is not None, info.problem)))
    return made


def _shows(qtbot, made, frame: int) -> None:
    qtbot.waitUntil(lambda: any(f == frame for f, _, _ in made), timeout=20000)
    last = [m for m in made if m[0] == frame][-1]
    assert last[1] and last[2] is None, last


def _works(qtbot, window, good: Path, tmp_path: Path, name: str) -> None:
    """The player scrubs and steps, the panels open a clip in it, and an export writes its file."""
    assert window.state.project == str(good.resolve())
    made = _frames(window)
    track = window.player.tracks.tracks[0]
    frame = int(track.starts[3]) + 5
    window.state.set_frame(frame)
    _shows(qtbot, made, frame)
    window.player.step(1)
    _shows(qtbot, made, frame + 1)
    data = window.analysis.data
    assert data is not None and data.run_id == window.state.analysis_run
    window.tabs.setCurrentWidget(window.compare_view)
    window.analysis.open_clip(1)  # from the compare tab: the player comes to the front to show it
    assert window.tabs.currentWidget() is window.video
    target = window.state.frame
    _shows(qtbot, made, target)
    out = tmp_path / f"{name}.mp4"
    window.export_segment(str(out))
    qtbot.waitUntil(lambda: not window.exports.busy, timeout=120000)
    assert out.is_file() and out.stat().st_size > 1000, window.last_export_status


@pytest.mark.parametrize("failing", [not_a_project, missing, truncated, corrupt])
def test_a_file_that_does_not_open_changes_nothing(qtbot, window, project, settings, tmp_path, failing):
    window.player.sweep_sessions = False
    good = _copy(project, tmp_path / "good.cabinlens")
    _open(qtbot, window, good)
    session, frame = window.state.session, window.state.frame
    bad = failing(good, tmp_path)
    window.open_project(str(bad))
    qtbot.waitUntil(lambda: bad.name in getattr(window, "last_error", ""), timeout=30000)
    assert bad.name in window.status.text()
    qtbot.wait(300)  # anything the failed job would still do
    assert window.state.project == str(good.resolve())
    assert (window.state.session, window.state.frame) == (session, frame)
    assert settings.value("recent", [], type=list) == [str(good.resolve())]
    assert window.sessions.topLevelItemCount() == 2
    _works(qtbot, window, good, tmp_path, failing.__name__)
    # Opened again (from the recent list, as a user would), it still works.
    window.open_project(settings.value("recent", [], type=list)[0])
    qtbot.wait(300)
    _works(qtbot, window, good, tmp_path, f"{failing.__name__}_again")


def test_a_project_whose_videos_are_gone_opens_says_so_and_the_next_project_works(qtbot, window, project, settings,
                                                                                  tmp_path):
    window.player.sweep_sessions = False
    good = _copy(project, tmp_path / "good.cabinlens")
    _open(qtbot, window, good)
    moved = videos_gone(good, tmp_path)
    window.open_project(str(moved))
    qtbot.waitUntil(lambda: "/nonexistent/moved" in getattr(window, "last_error", ""), timeout=30000)
    # It did open (its sessions and panels are there): it is the project now, and a recent one.
    assert window.state.project == str(moved.resolve())
    assert settings.value("recent", [], type=list) == [str(moved.resolve()), str(good.resolve())]
    assert window.player.tracks is None  # not the previous project's session under the new project's name
    made = _frames(window)
    window.state.set_frame(10)
    qtbot.wait(300)
    assert all(not ok for _, ok, _ in made)
    window.export_segment(str(tmp_path / "nothing.mp4"))
    qtbot.waitUntil(lambda: not window.exports.busy, timeout=60000)
    assert not (tmp_path / "nothing.mp4").exists()
    assert window.isVisible()
    _open(qtbot, window, good)
    _works(qtbot, window, good, tmp_path, "after_moved")
    shutil.rmtree(tmp_path / "nonexistent", ignore_errors=True)
