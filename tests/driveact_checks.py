"""Format conventions of Drive&Act annotation files, checked the same way on real and synthetic data."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

HEADER = ["participant_id", "file_id", "annotation_id", "frame_start", "frame_end", "activity", "chunk_id"]
SPLITS = {0: {"val": {14, 15}, "test": {5, 11, 13}}, 1: {"val": {3, 8}, "test": {9, 10, 12}},
          2: {"val": {1, 2}, "test": {4, 6, 7}}}


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == HEADER, f"{path}: header"
        return [dict(zip(HEADER, row, strict=True)) for row in reader]


def check_file(path: Path, sensor: str, max_chunk: int) -> list[dict]:
    """Every row of one annotation CSV follows the real conventions; returns the rows."""
    rows = read_rows(path)
    assert rows, f"{path}: no rows"
    chunks: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        start, end = int(r["frame_start"]), int(r["frame_end"])
        assert 0 <= start < end and end - start <= max_chunk, (path, r)  # frame_end exclusive, <= one chunk
        m = re.fullmatch(r"vp(\d+)/run[0-9a-z]+_[0-9-]+\." + re.escape(sensor), r["file_id"])
        assert m and int(m.group(1)) == int(r["participant_id"]), (path, r)
        chunks[(r["file_id"], r["annotation_id"])].append(r)
    for rs in chunks.values():
        assert [int(r["chunk_id"]) for r in rs] == list(range(len(rs)))  # restarts at 0 per annotation
        assert len({r["activity"] for r in rs}) == 1
        for a, b in zip(rs, rs[1:]):
            assert int(a["frame_end"]) == int(b["frame_start"])  # chunks of one annotation are contiguous
            assert int(a["frame_end"]) - int(a["frame_start"]) >= 80  # only the last chunk is short
    return rows


def check_split_participants(folder: Path, level: str = "midlevel") -> None:
    for split, held_out in SPLITS.items():
        for subset in ("train", "val", "test"):
            rows = read_rows(folder / f"{level}.chunks_90.split_{split}.{subset}.csv")
            found = {int(r["participant_id"]) for r in rows}
            if subset == "train":
                assert not found & (held_out["val"] | held_out["test"]), (split, subset)
            else:
                assert found == held_out[subset], (split, subset, found)
