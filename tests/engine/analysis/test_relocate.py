"""A project moved or copied together with its videos finds them again."""

from __future__ import annotations

import hashlib
import json
import shutil

from cabinlens.engine.analysis.relocate import locate_video
from cabinlens.engine.cli.main import main


def test_the_longest_matching_tail_under_the_projects_folder_wins(tmp_path):
    new = tmp_path / "new"
    (new / "clips").mkdir(parents=True)
    (new / "clips" / "a.mp4").write_bytes(b"x")
    (new / "a.mp4").write_bytes(b"y")  # a same-named file, less specific: never preferred
    project = new / "p.cabinlens"
    gone = str(tmp_path / "old" / "work" / "clips" / "a.mp4")
    assert locate_video(gone, project) == str(new / "clips" / "a.mp4")
    (new / "clips" / "a.mp4").unlink()
    assert locate_video(gone, project) == str(new / "a.mp4")
    assert locate_video(str(tmp_path / "old" / "b.mp4"), project) == str(tmp_path / "old" / "b.mp4")  # not found
    here = new / "a.mp4"
    assert locate_video(str(here), tmp_path / "elsewhere" / "p.cabinlens") == str(here)  # exists: as stored


def test_a_moved_project_opens_its_videos_beside_it(tmp_path, capsys):
    from media import write_h264

    old = tmp_path / "old"
    (old / "clips").mkdir(parents=True)
    write_h264(old / "clips" / "a.mp4", n=48, width=96, height=64)
    (old / "seg.csv").write_text("video,frame_start,frame_end,label\nclips/a.mp4,0,16,eating\nclips/a.mp4,16,32,drinking\n")
    assert main(["analyze", "--data", str(old / "seg.csv"), "--model", "c3d_small", "--project",
                 str(old / "p.cabinlens"), "--device", "cpu"]) == 0
    moved = shutil.move(str(old), str(tmp_path / "moved"))
    capsys.readouterr()
    assert main(["sessions", f"{moved}/p.cabinlens", "--json"]) == 0
    (session,) = json.loads(capsys.readouterr().out)
    assert session["video"] == f"{moved}/clips/a.mp4"
    assert main(["export-clip", f"{moved}/p.cabinlens", "--session", "clips/a", "--start", "0", "--end", "16",
                 "--out", str(tmp_path / "a.png"), "--frame", "3"]) == 0
    assert (tmp_path / "a.png").is_file()


def test_a_checkpoint_is_found_beside_the_project_or_as_this_installations_shipped_model(tmp_path):
    from cabinlens.engine.analysis.relocate import locate_checkpoint
    from cabinlens.engine.demo import shipped_models

    shipped = next(p for p in shipped_models() if p.stem == "i3d_small")
    digest = hashlib.sha256(shipped.read_bytes()).hexdigest()
    other_install = "/elsewhere/_internal/cabinlens/resources/models/i3d_small.pt"
    assert locate_checkpoint(other_install, digest, tmp_path / "p.cabinlens") == str(shipped)
    assert locate_checkpoint(other_install, "0" * 64, tmp_path / "p.cabinlens") is None  # other bytes: not it
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "mine.pt").write_bytes(b"weights")
    assert locate_checkpoint("/old/work/ckpt/mine.pt", "", tmp_path / "p.cabinlens") == str(tmp_path / "ckpt" / "mine.pt")
    assert locate_checkpoint("/old/work/ckpt/gone.pt", "", tmp_path / "p.cabinlens") is None


def test_a_hugging_face_model_folder_is_found_as_stored_and_beside_a_moved_project(tmp_path):
    from cabinlens.engine.analysis.relocate import locate_checkpoint

    folder = tmp_path / "models" / "videomae"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    project = tmp_path / "p.cabinlens"
    assert locate_checkpoint(str(folder), "", project) == str(folder)
    assert locate_checkpoint("/old/work/models/videomae", "", project) == str(folder)
    (tmp_path / "models" / "empty").mkdir()  # a folder without config.json is no model
    assert locate_checkpoint("/old/work/models/empty", "", project) is None
