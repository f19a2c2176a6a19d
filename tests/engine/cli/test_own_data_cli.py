"""The path of a user with their own videos and a hand-written segments CSV, end to end on the CLI."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from cabinlens.engine.cli.main import main
from media import write_h264_with_audio

LABELS = ("eating", "drinking", "reading_magazine", "talking_on_phone")


@pytest.fixture(scope="module")
def own(tmp_path_factory) -> Path:
    """Two phone-like videos (long-GOP H.264 with sound) and a CSV naming them with and without extension."""
    root = tmp_path_factory.mktemp("own")
    (root / "clips").mkdir()
    write_h264_with_audio(root / "clips" / "drive_a.mp4", n=120, width=128, height=96, gop=60)
    write_h264_with_audio(root / "clips" / "drive_b.mp4", n=90, width=128, height=96, gop=60, seed=1)
    rows = ["video,frame_start,frame_end,label,subset"]
    rows += [f"clips/drive_a.mp4,{i * 20},{i * 20 + 20},{LABELS[i % 4]},{'train' if i < 4 else 'test'}" for i in range(6)]
    rows += [f"clips/drive_b,{i * 20},{i * 20 + 20},{LABELS[(i + 1) % 4]},{'train' if i < 2 else 'test'}" for i in range(4)]
    (root / "segments.csv").write_text("\n".join(rows) + "\n")
    return root


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_a_segments_csv_end_to_end(own, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(own)  # relative paths, as a user types them
    project = tmp_path / "p.cabinlens"
    code, out, err = run(capsys, "analyze", "--data", "segments.csv", "--model", "c3d_small", "--project", project,
                         "--device", "cpu")
    assert code == 0, err
    assert "segments.csv all rows: 10 samples" in out
    code, out, _ = run(capsys, "analyze", "--data", "segments.csv", "--subset", "test", "--model", "c3d_small",
                       "--project", project, "--device", "cpu")
    assert code == 0 and "segments.csv test: 4 samples" in out
    code, out, _ = run(capsys, "sessions", project)
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()[1:-1] if not line.startswith(" ")}  # runs indented
    assert set(lines) == {"clips/drive_a", "clips/drive_b"}  # one id per video, with or without extension
    assert "120" in lines["clips/drive_a"] and "30.00" in lines["clips/drive_a"]
    assert str(own / "clips" / "drive_a.mp4") in lines["clips/drive_a"]  # stored absolute: opens from anywhere
    for given in ("clips/drive_a", "clips/drive_a.mp4", "drive_a"):
        code, out, err = run(capsys, "export-clip", project, "--session", given, "--start", 0, "--end", 10, "--out",
                             tmp_path / "a.png", "--frame", 3)
        assert code == 0, err
    code, _, err = run(capsys, "export-clip", project, "--session", "nope", "--start", 0, "--end", 10, "--out",
                       tmp_path / "a.png")
    assert code == 2 and "has no session 'nope'; sessions: clips/drive_a, clips/drive_b" in err
    code, out, err = run(capsys, "report", project, "--out", tmp_path / "rep", "--no-figures")
    assert code == 0, err
    assert "common/rare by training frequency from the train rows of segments.csv (6 rows)" in out
    summary = json.loads((tmp_path / "rep" / "metrics.json").read_text())
    assert [r["samples"] for r in summary["runs"]] == [10, 4]
    mask = os.umask(0o022)
    os.umask(mask)
    for written in (tmp_path / "rep" / "metrics.json", tmp_path / "a.png"):
        assert stat.S_IMODE(written.stat().st_mode) == 0o666 & ~mask  # the user's umask, not mkstemp's 0600
    code, out, _ = run(capsys, "analyze", "--sweep", own / "clips" / "drive_b.mp4", "--annotations", "segments.csv",
                       "--model", "c3d_small", "--project", project, "--device", "cpu", "--stride", 30)
    assert code == 0
    code, out, _ = run(capsys, "sessions", project, "--json")
    assert {s["file_id"] for s in json.loads(out)} == {"clips/drive_a", "clips/drive_b"}  # the sweep joins its session


def test_invalid_rows_are_listed_at_once_and_can_be_skipped(own, tmp_path, capsys):
    csv = tmp_path / "bad.csv"
    csv.write_text("video,frame_start,frame_end,label\n"
                   f"{own}/clips/drive_a.mp4,0,20,eating\n"
                   f"{own}/clips/drive_a.mp4,100,140,eating\n"  # past the end (120 frames)
                   f"{own}/clips/missing.mp4,0,20,eating\n"
                   f"{own}/clips/drive_b.mp4,0,20,yawning\n"  # a label the model does not know
                   f"{own}/clips/drive_b.mp4,20,40,drinking\n"
                   f"{own}/clips/drive_b.mp4,40,60,Drinking\n")  # the case a spreadsheet gave it
    project = tmp_path / "p.cabinlens"
    code, _, err = run(capsys, "analyze", "--data", csv, "--model", "c3d_small", "--project", project, "--device", "cpu")
    assert code == 2
    assert ("the model does not know 2 of the file's 4 labels: yawning (1 row, line 5), Drinking (1 row, line 7; did "
            "you mean drinking?)") in err
    assert "4 of 6 rows cannot be analysed (--skip-invalid analyses the other 2 rows" in err
    assert "bad.csv:3:" in err and "frames 120..139 of [100, 140) are past the end of drive_a.mp4, which has 120 frames" in err
    assert "bad.csv:4:" in err and "video not found" in err
    assert not project.exists()  # nothing was stored, so nothing is left behind
    code, out, err = run(capsys, "analyze", "--data", csv, "--model", "c3d_small", "--project", project, "--device",
                         "cpu", "--skip-invalid")
    assert code == 0 and "2 samples" in out and "skipped 4 invalid rows" in err
    code, out, _ = run(capsys, "report", project, "--out", tmp_path / "rep", "--no-figures")
    assert "4 rows skipped (--skip-invalid): line 3:" in out
    assert "no training subset" in out
    skipped = json.loads((tmp_path / "rep" / "metrics.json").read_text())["runs"][0]["skipped"]
    assert [row[0] for row in skipped] == [3, 4, 5, 7]
    assert "Rows skipped" in (tmp_path / "rep" / "index.html").read_text()


def test_report_refuses_projects_without_results_and_outputs_it_cannot_fill(own, tmp_path, capsys):
    from cabinlens.engine.analysis.store import Store

    empty = tmp_path / "empty.cabinlens"
    Store(empty).close()
    code, _, err = run(capsys, "report", empty, "--out", tmp_path / "r")
    assert code == 2 and "has no results yet" in err and not (tmp_path / "r").exists()
    (tmp_path / "file").write_text("x")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "thesis.tex").write_text("x")
    project = tmp_path / "p.cabinlens"
    assert main(["analyze", "--data", str(own / "segments.csv"), "--model", "c3d_small", "--project", str(project),
                 "--device", "cpu", "--subset", "test"]) == 0
    capsys.readouterr()
    code, _, err = run(capsys, "report", project, "--out", tmp_path / "file")
    assert code == 2 and "is a file" in err
    code, _, err = run(capsys, "report", project, "--out", tmp_path / "other")
    assert code == 2 and "not a previous report" in err and os.listdir(tmp_path / "other") == ["thesis.tex"]
    for _ in range(2):  # a previous report is replaced whole
        assert run(capsys, "report", project, "--out", tmp_path / "rep", "--no-figures")[0] == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".rep")]


def test_a_bare_state_dict_is_analysed_with_the_clip_it_was_trained_on(own, tmp_path, capsys):
    import torch

    from cabinlens.engine.analysis.store import Store
    from cabinlens.engine.models.checkpoints import load_model

    shipped = Path(__file__).parents[3] / "resources" / "models" / "c3d_small.pt"
    bare = tmp_path / "c3d_small_bare.pth"
    torch.save(load_model(shipped).model.state_dict(), bare)  # no spec, no class names: only tensors
    project = tmp_path / "p.cabinlens"
    code, out, err = run(capsys, "analyze", "--data", own / "segments.csv", "--subset", "test", "--model", bare,
                         "--frames", 16, "--size", "96x128", "--project", project, "--device", "cpu")
    assert code == 0, err
    assert "records no input spec" not in err  # the clip was given: nothing is guessed
    with Store(project, readonly=True) as store:
        (info,) = store.runs()
    assert info.arch == "c3d_small"  # recognised from the shapes, not the full C3D
    assert info.spec["input"]["frames"] == 16 and list(info.spec["input"]["size"]) == [96, 128]


def test_a_clip_the_model_cannot_take_is_refused_before_anything_runs(own, tmp_path, capsys):
    project = tmp_path / "p.cabinlens"
    code, _, err = run(capsys, "analyze", "--data", own / "segments.csv", "--model", "c3d_small", "--frames", 4,
                       "--size", 32, "--project", project, "--device", "cpu")
    assert code == 2 and "c3d_small cannot take 4x32x32 clips" in err
    assert not project.exists()


def test_a_sweep_says_which_labels_the_model_does_not_know(own, tmp_path, capsys):
    csv = tmp_path / "labels.csv"
    csv.write_text("video,frame_start,frame_end,label\n"
                   f"{own}/clips/drive_b.mp4,0,45,yawning\n"
                   f"{own}/clips/drive_b.mp4,45,90,drinking\n")
    code, _, err = run(capsys, "analyze", "--sweep", own / "clips" / "drive_b.mp4", "--annotations", csv, "--model",
                       "c3d_small", "--project", tmp_path / "p.cabinlens", "--device", "cpu", "--stride", 30)
    assert code == 0
    assert "note: labels.csv, rows of drive_b.mp4: the model does not know 1 of the file's 2 labels: yawning" in err


def test_videos_written_relative_to_the_current_folder_get_the_csv_lines_and_a_hint(own, tmp_path, capsys,
                                                                                     monkeypatch):
    monkeypatch.chdir(own)
    (own / "ann").mkdir(exist_ok=True)
    csv = own / "ann" / "from_here.csv"
    csv.write_text("video,frame_start,frame_end,label\nclips/drive_a.mp4,0,20,eating\nclips/drive_b.mp4,0,20,eating\n")
    code, _, err = run(capsys, "analyze", "--data", "ann/from_here.csv", "--model", "c3d_small", "--project",
                       tmp_path / "p.cabinlens", "--device", "cpu")
    assert code == 2 and "ann/from_here.csv: 2 videos not found" in err
    assert "from_here.csv:2: clips/drive_a.mp4" in err and "from_here.csv:3: clips/drive_b.mp4" in err
    assert "2 of them exist relative to the current folder" in err and "'--videos .'" in err
    code, out, err = run(capsys, "analyze", "--data", "ann/from_here.csv", "--videos", ".", "--model", "c3d_small",
                         "--project", tmp_path / "p.cabinlens", "--device", "cpu")
    assert code == 0, err
