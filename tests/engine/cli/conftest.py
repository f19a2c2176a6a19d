"""A small own-data project for the command tests: two videos, a segments CSV, two split runs of c3d_small."""

from __future__ import annotations

from pathlib import Path

import pytest

from media import write_h264

LABELS = ("eating", "drinking", "reading_magazine", "talking_on_phone")


@pytest.fixture(scope="session")
def own_project(tmp_path_factory) -> Path:
    """``mine.cabinlens`` beside ``clips/drive_a.mp4`` (240 frames, 3 rows) and ``clips/drive_b.mp4`` (90 frames,
    4 rows), analysed on every row and on the test rows, as the README's "Your own data" does."""
    from cabinlens.engine.cli.main import main

    root = tmp_path_factory.mktemp("own-project")
    (root / "clips").mkdir()
    write_h264(root / "clips" / "drive_a.mp4", n=240, width=128, height=96, gop=60)
    write_h264(root / "clips" / "drive_b.mp4", n=90, width=128, height=96, gop=60, seed=1)
    rows = ["video,frame_start,frame_end,label,subset"]
    rows += [f"clips/drive_a.mp4,{i * 20},{i * 20 + 20},{LABELS[i % 4]},{'train' if i < 2 else 'test'}"
             for i in range(3)]
    rows += [f"clips/drive_b.mp4,{i * 20},{i * 20 + 20},{LABELS[(i + 1) % 4]},{'train' if i < 2 else 'test'}"
             for i in range(4)]
    (root / "segments.csv").write_text("\n".join(rows) + "\n")
    project = root / "mine.cabinlens"
    for subset in ([], ["--subset", "test"]):
        assert main(["analyze", "--data", str(root / "segments.csv"), *subset, "--model", "c3d_small",
                     "--project", str(project), "--device", "cpu"]) == 0
    return project
