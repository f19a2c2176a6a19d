"""Commands that only read a project leave nothing beside it: SQLite removes ``-wal`` and ``-shm`` when the
last connection closes, and reading must close like any other connection."""

from __future__ import annotations

from pathlib import Path

from cabinlens.engine.cli.main import main


def leftovers(project: Path) -> list[str]:
    return sorted(p.name for p in project.parent.iterdir() if p.name.startswith(project.name + "-"))


def test_sessions_and_export_clip_leave_no_wal_or_shm(own_project, tmp_path, capsys):
    assert leftovers(own_project) == []
    commands = [
        ["sessions", own_project],
        ["sessions", own_project, "--json"],
        ["export-clip", own_project, "--session", "clips/drive_a", "--start", 0, "--end", 20, "--out", tmp_path / "a.mp4"],
        ["export-clip", own_project, "--session", "clips/drive_b", "--start", 0, "--end", 20, "--out", tmp_path / "b.png"],
        ["near-misses", own_project],
    ]
    for argv in commands:
        assert main([str(a) for a in argv]) == 0, capsys.readouterr().err
        assert leftovers(own_project) == [], argv[0]
    capsys.readouterr()
