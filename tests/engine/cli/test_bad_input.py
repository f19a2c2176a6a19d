"""Every command, every file argument, every kind of wrong file: one clear line, exit 2, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cabinlens.engine.cli.main import main
from media import write_h264

KINDS = ("folder", "empty", "text", "random", "truncated")


@pytest.fixture(scope="module")
def good(tmp_path_factory, val_project) -> dict[str, Path]:
    """A valid file for every argument, and each kind of bad file (a truncated one of each good one)."""
    root = tmp_path_factory.mktemp("bad_input")
    video = write_h264(root / "v.mp4", n=40, width=96, height=64, gop=20, bframes=2)
    csv = root / "segments.csv"
    csv.write_text(f"video,frame_start,frame_end,label\n{video},0,20,eating\n")
    counts = root / "counts.csv"
    counts.write_text("label,count\neating,3\n")
    import torch

    from cabinlens.engine.models.registry import build_model, default_spec

    checkpoint = root / "m.pt"
    torch.save(build_model(default_spec("c3d_small", ("eating", "drinking"))).state_dict(), checkpoint)
    return {"video": video, "csv": csv, "counts": counts, "checkpoint": checkpoint, "project": val_project,
            "root": root}


def bad_file(kind: str, like: Path, where: Path) -> Path:
    path = where / f"{kind}{like.suffix}"
    if kind == "folder":
        path.mkdir(exist_ok=True)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("this is a note, not the file you wanted\n")
    elif kind == "random":
        path.write_bytes(os.urandom(4096))
    else:  # the first third of a real file of that kind
        data = like.read_bytes()
        path.write_bytes(data[: max(1, len(data) // 3)])
    return path


def commands(g: dict[str, Path], out: Path) -> dict[str, tuple[list, str]]:
    """name -> (argv with one file argument as '{}', which good file it replaces)."""
    return {
        "data summary": (["data", "summary", "{}"], "csv"),
        "data summary --train-counts": (["data", "summary", g["csv"], "--train-counts", "{}"], "counts"),
        "video probe": (["video", "probe", "{}"], "video"),
        "video probe --verify": (["video", "probe", "--verify", "{}"], "video"),
        "video frame": (["video", "frame", "{}", "3", out / "f.png"], "video"),
        "models inspect": (["models", "inspect", "{}"], "checkpoint"),
        "cam checkpoint": (["cam", "{}", g["video"], "--start", 0, "--end", 16, "--out", out / "c.npz", "--device", "cpu"],
                           "checkpoint"),
        "cam video": (["cam", "c3d_small", "{}", "--start", 0, "--end", 16, "--out", out / "c.npz", "--device", "cpu"],
                      "video"),
        "analyze --data": (["analyze", "--data", "{}", "--model", "c3d_small", "--project", out / "p.cabinlens",
                            "--device", "cpu"], "csv"),
        "analyze --model": (["analyze", "--data", g["csv"], "--model", "{}", "--project", out / "p.cabinlens",
                             "--device", "cpu"], "checkpoint"),
        "analyze --project": (["analyze", "--data", g["csv"], "--model", "c3d_small", "--project", "{}",
                               "--device", "cpu"], "project"),
        "analyze --train-counts": (["analyze", "--data", g["csv"], "--model", "c3d_small", "--project",
                                    out / "p.cabinlens", "--device", "cpu", "--train-counts", "{}"], "counts"),
        "analyze --sweep": (["analyze", "--sweep", "{}", "--model", "c3d_small", "--project", out / "p.cabinlens",
                             "--device", "cpu"], "video"),
        "analyze --annotations": (["analyze", "--sweep", g["video"], "--annotations", "{}", "--model", "c3d_small",
                                   "--project", out / "p.cabinlens", "--device", "cpu"], "csv"),
        "report": (["report", "{}", "--out", out / "rep", "--no-figures"], "project"),
        "sessions": (["sessions", "{}"], "project"),
        "near-misses": (["near-misses", "{}"], "project"),
        "export-clip": (["export-clip", "{}", "--session", "x", "--start", 0, "--end", 10, "--out", out / "e.mp4"],
                        "project"),
        "train --model": (["train", "--data", g["csv"], "--model", "{}", "--out", out / "t.pt", "--device", "cpu",
                           "--epochs", 1], "checkpoint"),
    }


@pytest.mark.parametrize("kind", KINDS)
def test_every_command_names_the_bad_file_in_one_line(good, tmp_path, capsys, kind):
    failures = []
    for name, (argv, replaces) in commands(good, tmp_path).items():
        if (name, kind) == ("analyze --project", "empty"):
            continue  # an empty file is an empty SQLite database: it becomes the project, as a new file would
        bad = bad_file(kind, good[replaces], tmp_path)
        args = [str(bad) if a == "{}" else str(a) for a in argv]
        code = main(args)
        err = capsys.readouterr().err
        lines = [line for line in err.splitlines() if line.startswith("cabinlens: error:")]
        if code != 2 or "Traceback" in err or not lines or bad.name not in lines[0]:
            failures.append(f"{name} ({kind}): exit {code}: {err.strip()[-300:]}")
        assert not (tmp_path / "p.cabinlens").exists(), f"{name} left a project behind"
    assert not failures, "\n".join(failures)
