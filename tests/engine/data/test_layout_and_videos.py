"""Discovery of the dataset layout, the class vocabulary, and resolving file ids to videos."""

from __future__ import annotations

import pytest

from cabinlens.engine.data import ClassVocabulary, discover
from cabinlens.engine.data.summary import summarize
from cabinlens.engine.data.videos import MissingVideosError, resolve_video, resolve_videos
from cabinlens.engine.data.vocabulary import boundary_tie, common_rare_split
from cabinlens.engine.errors import InputError

HEADER = "participant_id,file_id,annotation_id,frame_start,frame_end,activity,chunk_id\n"


def make_root(tmp_path):
    base = tmp_path / "iccv_activities_3s" / "activities_3s" / "inner_mirror"
    base.mkdir(parents=True)
    rows = {
        "train": "1,vp1/run1.ids_1,1,0,90,eating,0\n1,vp1/run1.ids_1,1,90,120,eating,1\n2,vp2/run2.ids_1,2,0,50,drinking,0\n",
        "val": "14,vp14/run1.ids_1,1,0,40,eating,0\n",
        "test": "5,vp5/run1.ids_1,1,0,40,drinking,0\n",
    }
    for level in ("midlevel", "tasklevel"):
        for k in (0, 1, 2):
            for subset, text in rows.items():
                (base / f"{level}.chunks_90.split_{k}.{subset}.csv").write_text(HEADER + text)
        (base / f"{level}.chunks_90.csv").write_text(HEADER + "".join(rows.values()))
    return tmp_path


def test_discover_real_layout(tmp_path):
    index = discover(make_root(tmp_path))
    assert index.views() == ["inner_mirror"]
    assert index.levels() == ["midlevel", "tasklevel"]
    assert index.splits() == [0, 1, 2]
    assert len(index.files) == 2 * (3 * 3 + 1)
    f = index.find(view="inner_mirror", level="tasklevel", split=2, subset="val")
    assert f.path.name == "tasklevel.chunks_90.split_2.val.csv"
    merged = index.select(view="inner_mirror", level="midlevel", split=None)
    assert [m.path.name for m in merged] == ["midlevel.chunks_90.csv"]
    with pytest.raises(InputError, match="no annotation file for inner_mirror/midlevel split 3 val"):
        index.find(view="inner_mirror", level="midlevel", split=3, subset="val")


def test_summary_picks_level_and_split(tmp_path):
    summary = summarize(discover(make_root(tmp_path)), split=1, level="tasklevel")
    assert [s.subset for s in summary.subsets] == ["train", "val", "test", "all"]
    assert summary.subsets[0].rows == 3 and summary.subsets[0].class_counts == {"eating": 2, "drinking": 1}
    with pytest.raises(InputError, match="no view 'ceiling'"):
        summarize(discover(tmp_path), view="ceiling")


def test_discover_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        discover(tmp_path / "nothing")
    with pytest.raises(InputError, match="holds no annotation CSV"):
        discover(tmp_path)


def test_vocabulary_and_common_rare():
    vocab = ClassVocabulary.alphabetical(["b", "a", "c", "a"])
    assert vocab.names == ("a", "b", "c") and vocab.index("c") == 2 and "b" in vocab
    with pytest.raises(KeyError, match="'z' is not in this vocabulary"):
        vocab.index("z")
    with pytest.raises(ValueError):
        ClassVocabulary(("a", "a"))
    counts = {"a": 5, "b": 9, "c": 1, "d": 5, "e": 0}
    common, rare = common_rare_split(counts)
    assert common == ["b", "a"] and rare == ["d", "c", "e"]  # halves of the 4 trained classes; untrained: rare
    assert boundary_tie(counts, common, rare) == ("a", "d")  # the boundary falls inside a tie, broken by name
    common, rare = common_rare_split({"a": 5, "b": 9, "c": 1})
    assert common == ["b", "a"] and rare == ["c"] and boundary_tie({"a": 5, "b": 9, "c": 1}, common, rare) == ()
    common, rare = common_rare_split({"a": 5}, classes=["a", "never_seen"])
    assert common == ["a"] and rare == ["never_seen"]
    # Classes training never saw do not move the boundary: 34 model classes, a dataset of 4.
    many = [f"z{i:02d}" for i in range(30)]
    assert common_rare_split(counts, [*"abcd", *many]) == (["b", "a"], ["d", "c", *many])


def test_resolve_videos_in_every_supported_place(tmp_path):
    (tmp_path / "inner_mirror" / "vp1").mkdir(parents=True)
    nested = tmp_path / "inner_mirror" / "vp1" / "run1.ids_1.mp4"
    nested.write_bytes(b"x")
    flat = tmp_path / "run2.ids_1.avi"
    flat.write_bytes(b"x")
    assert resolve_video("vp1/run1.ids_1", tmp_path, "inner_mirror") == nested
    assert resolve_video("vp2/run2.ids_1", tmp_path, "inner_mirror") == flat
    assert resolve_video("vp1/run1.ids_1", tmp_path / "inner_mirror") == nested  # root is the view folder
    assert resolve_video("clip.mp4", tmp_path) is None


def test_all_missing_videos_are_reported_at_once(tmp_path):
    ann = discover(make_root(tmp_path))
    index = ann.load(ann.find(view="inner_mirror", level="midlevel", split=None, subset=None))
    with pytest.raises(MissingVideosError) as err:
        resolve_videos(index, tmp_path / "videos", "inner_mirror")
    assert set(err.value.missing) == {"vp1/run1.ids_1", "vp2/run2.ids_1", "vp14/run1.ids_1", "vp5/run1.ids_1"}
    assert "4 videos not found" in str(err.value)
    assert resolve_videos(index, tmp_path / "videos", "inner_mirror", strict=False) == {}
