"""The project's report from the window: written by a child process into a new folder, with progress;
cancelled or failed, it leaves no folder behind and the window keeps running."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

from cabinlens.app.exports import report_folder

SHOTS = Path(__file__).resolve().parents[1] / "screenshots" / "offscreen"  # not kept: the kept ones are on Xvfb


def _private_copy(project: Path, folder: Path) -> Path:
    target = folder / "val.cabinlens"
    with sqlite3.connect(project) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def _opened_copy(qtbot, window, project: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The window on a private copy of the project, and an empty folder for reports."""
    copy = _private_copy(project, tmp_path)
    window.player.sweep_sessions = False
    window.open_project(str(copy))
    qtbot.waitUntil(lambda: window.player.tracks is not None, timeout=30000)
    out = tmp_path / "reports"
    out.mkdir()
    return copy, out


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_the_report_is_written_into_a_new_folder_with_progress(qtbot, window, project, tmp_path):
    copy, out = _opened_copy(qtbot, window, project, tmp_path)
    steps = []
    window.exports.progress.connect(lambda m: steps.append((m.done, m.total)))
    window.export_report(str(out))
    qtbot.waitUntil(lambda: not window.exports.busy, timeout=180000)
    assert window.last_export_status == "report written: val-report/index.html", window.last_export_status
    report = out / "val-report"
    assert (report / "index.html").is_file() and (report / "embeddings.csv").is_file()
    with open(report / "table1.csv") as f:
        assert len(list(csv.DictReader(f))) == 1  # the one c3d_small run of the project
    assert any(total > 0 and done == total for done, total in steps)  # the child's steps reached the status bar
    assert not _leftovers(out)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / "report_written.png"))
    assert report_folder(out, copy) == out / "val-report-2"  # a second report never overwrites the first


def test_a_cancelled_or_failed_report_leaves_no_folder(qtbot, window, project, tmp_path):
    _, out = _opened_copy(qtbot, window, project, tmp_path)
    window.export_report(str(out))
    window.exports.cancel()
    qtbot.waitUntil(lambda: not window.exports.busy, timeout=60000)
    assert window.last_export_status.startswith("export cancelled")
    assert not list(out.iterdir())

    bad = tmp_path / "broken.cabinlens"
    bad.write_bytes(b"not a database" * 100)
    window.state.set_project(str(bad))
    window.export_report(str(out))
    qtbot.waitUntil(lambda: not window.exports.busy, timeout=60000)
    assert window.last_export_status == "export failed"
    assert window.last_error.startswith("report not written: ") and "broken.cabinlens: " in window.last_error
    assert not list(out.iterdir())
    assert window.isVisible()
