"""The headless command line: output, exit codes, one-line errors, files written whole."""

from __future__ import annotations

import json

import cv2
import numpy as np

from cabinlens.launcher import main as launcher_main
from cabinlens.engine.cli.main import main
from cabinlens.engine.video import VideoReader
from cabinlens.resources import RESOURCES

SAMPLE = RESOURCES / "sample_driveact"


def test_data_summary_on_the_builtin_sample(capsys):
    assert main(["data", "summary", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "view inner_mirror, level midlevel, split 0" in out
    assert "common/rare by training frequency from the training subset midlevel.chunks_90.split_0.train.csv" in out


def test_data_summary_json_on_real_files(real_driveact, capsys):
    assert main(["data", "summary", str(real_driveact), "--json", "--split", "0"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {s["subset"]: s["rows"] for s in data["subsets"]}
    assert rows == {"train": 6642, "val": 1430, "test": 2222, "all": 10333}


def test_errors_are_one_line_with_exit_status_2(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("participant_id,file_id,annotation_id,frame_start,frame_end,activity,chunk_id\n1,v,1,9,3,x,0\n")
    assert main(["data", "summary", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cabinlens: error: ") and f"{bad}:2:" in err and "\n" not in err
    assert main(["video", "probe", str(tmp_path / "none.mp4")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_video_probe_and_frame(long_gop_video, tmp_path, capsys):
    assert main(["video", "probe", str(long_gop_video), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["frame_count"] == 240 and info["max_gop"] == 120
    assert main(["video", "probe", str(long_gop_video), "--verify"]) == 0
    assert "240" in capsys.readouterr().out
    out = tmp_path / "f.png"
    assert main(["video", "frame", str(long_gop_video), "131", str(out)]) == 0
    with VideoReader(long_gop_video, pixel_format="bgr24") as reader:
        np.testing.assert_array_equal(cv2.imread(str(out)), reader.frame(131))
    assert not list(tmp_path.glob("*.part"))


def test_video_frame_past_the_end_writes_nothing(long_gop_video, tmp_path, capsys):
    out = tmp_path / "f.png"
    assert main(["video", "frame", str(long_gop_video), "240", str(out)]) == 2
    assert "outside the video" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_launcher_routes_subcommands_and_refuses_gui_without_display(monkeypatch, capsys):
    assert launcher_main(["data", "summary", str(SAMPLE)]) == 0
    capsys.readouterr()
    for var in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    assert launcher_main([]) == 2
    assert "no display found" in capsys.readouterr().err
