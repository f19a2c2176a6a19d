"""``cabinlens export-clip`` never writes over a file of the project: a session's video, the project, its -wal/-shm."""

from __future__ import annotations

import os

import numpy as np
import pytest

from cabinlens.engine.analysis.store import Store
from cabinlens.engine.cli.main import main
from cabinlens.engine.clips.export import write_png
from cabinlens.engine.clips.targets import refuse_project_files
from cabinlens.engine.errors import InputError


def export(project, out, capsys) -> tuple[int, str]:
    code = main(["export-clip", str(project), "--session", "clips/drive_a", "--start", "0", "--end", "30",
                 "--out", str(out)])
    return code, capsys.readouterr().err


def test_a_clip_is_never_written_over_a_video_of_the_project(own_project, tmp_path, capsys, monkeypatch):
    root = own_project.parent
    originals = {name: (root / "clips" / name).read_bytes() for name in ("drive_a.mp4", "drive_b.mp4")}
    (tmp_path / "link.mp4").symlink_to(root / "clips" / "drive_b.mp4")
    os.link(root / "clips" / "drive_a.mp4", tmp_path / "hard.mp4")
    monkeypatch.chdir(root)
    for out, session in (("clips/drive_a.mp4", "clips/drive_a"), ("clips/../clips/drive_a.mp4", "clips/drive_a"),
                         (tmp_path / "link.mp4", "clips/drive_b"), (tmp_path / "hard.mp4", "clips/drive_a")):
        code, err = export(own_project, out, capsys)
        assert code == 2, err
        assert err.count("\n") == 1 and f"{out}: is the video of session {session} of mine.cabinlens" in err
    for name, data in originals.items():
        assert (root / "clips" / name).read_bytes() == data
    for _ in range(2):  # any other file is replaced, as before
        code, err = export(own_project, tmp_path / "a.mp4", capsys)
        assert code == 0, err


def test_the_project_and_its_wal_and_shm_are_refused_too(own_project, tmp_path):
    (tmp_path / "p.png").symlink_to(own_project)
    with Store(own_project, readonly=True) as store:
        for tail in ("", "-wal", "-shm"):
            with pytest.raises(InputError, match="mine.cabinlens"):
                refuse_project_files(store, f"{own_project}{tail}")
        refuse_project_files(store, tmp_path / "clip.mp4")
    before = own_project.read_bytes()
    with pytest.raises(InputError, match="is the project file mine.cabinlens itself"):
        write_png(tmp_path / "p.png", np.zeros((4, 4, 3), np.uint8), project=own_project)
    assert own_project.read_bytes() == before
