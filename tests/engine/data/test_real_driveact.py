"""The data layer on the real Drive&Act files in ../shared/driveact (skipped when absent)."""

from __future__ import annotations

from driveact_checks import check_file

from cabinlens.engine.data import DRIVEACT_MIDLEVEL_CLASSES, discover
from cabinlens.engine.data.summary import summarize

TRAIN = [1, 2, 3, 4, 6, 7, 8, 9, 10, 12]


def test_split0_counts_classes_and_participants(real_driveact):
    summary = summarize(discover(real_driveact))
    by = {s.subset: s for s in summary.subsets}
    assert (summary.view, summary.level, summary.split) == ("a_column_co_driver", "midlevel", 0)
    assert [by[k].rows for k in ("train", "val", "test")] == [6642, 1430, 2222]
    assert [by[k].classes for k in ("train", "val", "test")] == [34, 33, 34]
    assert by["train"].participants == TRAIN
    assert by["val"].participants == [14, 15]
    assert by["test"].participants == [5, 11, 13]
    assert by["all"].rows == 6642 + 1430 + 2222 + 39 and by["all"].classes == 39
    assert summary.missing_by_subset == {"val": ["opening_backpack"]}
    assert tuple(summary.classes) == DRIVEACT_MIDLEVEL_CLASSES


def test_common_rare_split_on_real_frequencies(real_driveact):
    summary = summarize(discover(real_driveact))
    assert len(summary.common) == len(summary.rare) == 17
    assert summary.common[0] == "sitting_still"
    assert "looking_or_moving_around (e.g. searching)" in summary.common  # 74 training rows
    assert "opening_bottle" in summary.rare  # 69 training rows
    assert summary.rare[-1] == "closing_door_outside"


def test_real_files_follow_the_documented_conventions(real_driveact):
    folder = real_driveact / "a_column_co_driver"
    for path in sorted(folder.glob("midlevel.chunks_90*.csv")):
        check_file(path, "ids_2", max_chunk=100)  # real chunks are "about 3 s": up to 97 frames


def test_real_rows_follow_the_documented_conventions(real_driveact):
    index = discover(real_driveact)
    ann = index.load(index.find(view="a_column_co_driver", level="midlevel", split=0, subset="train"))
    lengths = [s.num_frames for s in ann]
    assert min(lengths) >= 1 and max(lengths) <= 100
    assert all(s.file_id.endswith(".ids_2") for s in ann)
    first_chunks = {}
    for s in ann:
        first_chunks.setdefault((s.file_id, s.annotation_id), s.chunk_id)
    assert set(first_chunks.values()) == {0}  # chunk_id restarts at 0 for each annotation
