"""Files users write themselves: UTF-16 and semicolons from spreadsheets, repeated rows, a subset
column, files beside Drive&Act's that do not follow its names, training counts from elsewhere."""

from __future__ import annotations

import pytest

from cabinlens.engine.data import AnnotationError, read_annotations
from cabinlens.engine.data.layout import discover
from cabinlens.engine.data.selection import read_train_counts, select_rows
from cabinlens.engine.data.summary import format_summary, summarize
from cabinlens.engine.data.videos import names_video, session_id, session_ids
from cabinlens.engine.errors import InputError

GENERIC = "video,frame_start,frame_end,label,subset\nclips/a.mp4,0,16,wave,train\nclips/a.mp4,16,40,nod,train\n" \
          "b.mp4,5,40,wave,test\nb,40,60,nod,test\n"
DRIVEACT = "participant_id,file_id,annotation_id,frame_start,frame_end,activity,chunk_id\n"


def test_utf16_with_a_bom_and_semicolons_are_read_and_named(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(GENERIC.replace(",", ";").encode("utf-16"))  # BOM + UTF-16 LE, semicolons
    ann = read_annotations(path)
    assert len(ann) == 4 and ann.kind == "generic" and ann.encoding == "UTF-16" and ann.delimiter == ";"
    assert ann.read_as == "UTF-16, semicolon-separated"
    tab = tmp_path / "tab.csv"
    tab.write_text(GENERIC.replace(",", "\t"))
    assert read_annotations(tab).read_as == "tab-separated"
    no_bom = tmp_path / "nobom.csv"
    no_bom.write_bytes(GENERIC.encode("utf-16-le"))
    with pytest.raises(AnnotationError, match="UTF-16 text without a byte-order mark: save it as UTF-8"):
        read_annotations(no_bom)


def test_repeated_rows_are_reported_with_their_lines_and_kept_once(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(DRIVEACT + "1,vp1/r.ids_1,1,0,30,eating,0\n1,vp1/r.ids_1,1,30,60,eating,1\n"
                    "1,vp1/r.ids_1,1,0,30,eating,0\n1,vp1/r.ids_1,1,0,30,eating,0\n")
    ann = read_annotations(path)
    assert len(ann) == 2 and ann.class_counts()["eating"] == 2
    assert ann.duplicates == ((4, 2), (5, 2))
    assert ann.duplicates_text() == "2 duplicated row(s) ignored (line 4 = line 2, line 5 = line 2)"


@pytest.mark.parametrize(("header", "expected"), [
    ("video,frame_start,label\n", "missing column(s) frame_end: a generic segments file needs video, frame_start, "
                                  "frame_end, label"),
    ("participant_id,file_id,annotation_id,frame_start,frame_end,activity\n",
     "missing column(s) chunk_id: a Drive&Act annotation file needs"),
    ("video|frame_start|frame_end|label\n", "found 'video|frame_start|frame_end|label'; the header holds no comma"),
])
def test_missing_columns_speak_the_format_the_file_tries_to_be(tmp_path, header, expected):
    path = tmp_path / "x.csv"
    path.write_text(header + "1,2,3,4\n")
    with pytest.raises(AnnotationError) as err:
        read_annotations(path)
    assert expected in str(err.value)
    assert "Drive&Act annotation file" not in str(err.value) or "file_id" in header


def test_session_ids_match_with_or_without_extension():
    assert session_id("clips/a.mp4") == session_id("clips/a") == "clips/a"
    assert session_id("vp1/run1.ids_1") == "vp1/run1.ids_1"  # a sensor suffix is not an extension
    assert names_video("clips/a.mp4", "/data/clips/a.mp4") and names_video("a", "/data/clips/a.avi")
    assert names_video("vp1/run1.ids_1", "/d/inner_mirror/vp1/run1.ids_1.mp4")
    assert not names_video("vp2/run1.ids_1", "/d/inner_mirror/vp1/run1.ids_1.mp4")
    assert not names_video("clips/a", "/data/other/a.mp4")


def test_a_generic_csv_selects_every_row_or_one_subset_with_training_counts(tmp_path):
    path = tmp_path / "segments.csv"
    path.write_text(GENERIC)
    every = select_rows(path)
    assert len(every.annotations) == 4 and every.name == "segments.csv all rows" and every.video_root == tmp_path
    assert every.training.counts == {"wave": 1, "nod": 1} and "train rows of segments.csv" in every.training.source
    test = select_rows(path, subset="test")
    assert [s.frame_start for s in test.annotations] == [5, 40] and test.params["subset"] == "test"
    with pytest.raises(InputError, match="no rows of subset val"):
        select_rows(path, subset="val")
    plain = tmp_path / "plain" / "segments.csv"
    plain.parent.mkdir()
    plain.write_text("video,frame_start,frame_end,label\na.mp4,0,16,wave\n")
    assert not select_rows(plain).training.known
    with pytest.raises(InputError, match="has no subset column"):
        select_rows(plain, subset="test")
    counts = tmp_path / "counts.csv"
    counts.write_text("label,count\nwave,120\nnod,3\n")
    given = select_rows(plain, train_counts=counts)
    assert given.training.counts == {"wave": 120, "nod": 3} and given.training.source == "counts.csv (label,count)"
    assert read_train_counts(path).counts == {"wave": 1, "nod": 1}  # an annotation file: its train rows


def test_summary_says_where_common_and_rare_come_from(tmp_path):
    plain = tmp_path / "segments.csv"
    plain.write_text("video,frame_start,frame_end,label\na.mp4,0,16,wave\na.mp4,16,30,nod\na.mp4,30,50,nod\n")
    text = format_summary(summarize(discover(plain)))
    assert "no training subset: common/rare is not computed" in text and "by training frequency" not in text
    counts = tmp_path / "counts.csv"
    counts.write_text("label,count\nwave,120\nnod,3\n")
    summary = summarize(discover(plain), train_counts=str(counts))
    assert summary.common == ["wave"] and summary.rare == ["nod"]
    assert "common/rare by training frequency from counts.csv (label,count)" in format_summary(summary)


def test_files_outside_the_naming_scheme_are_listed_as_ignored(synth_small, tmp_path):
    import shutil

    root = tmp_path / "data"
    folder = root / "inner_mirror"
    folder.mkdir(parents=True)
    for name in ("midlevel.chunks_90.split_0.train.csv", "midlevel.chunks_90.split_0.test.csv"):
        shutil.copy(next(synth_small.rglob(name)), folder / name)
    shutil.copy(folder / "midlevel.chunks_90.split_0.train.csv", folder / "midlevel.chunks_90.split_0.train_reduced.csv")
    index = discover(root)
    assert [p.name for p in index.ignored] == ["midlevel.chunks_90.split_0.train_reduced.csv"]
    summary = summarize(index)
    assert any("ignored 1 CSV file(s) that do not follow the naming scheme" in n for n in summary.notes)
    assert "train_reduced" in format_summary(summary)
    assert "train_reduced" in " ".join(select_rows(root).notes)


def test_every_malformed_row_is_listed_at_once(tmp_path):
    """Five mistakes in one file cost one run, not five."""
    path = tmp_path / "hard.csv"
    path.write_text("video,frame_start,frame_end,label\na.mp4,0,30,wave\na.mp4,50,40,wave\na.mp4,-5,10,wave\n"
                    "a.mp4,abc,10,wave\na.mp4,0,10,\n,0,10,wave\n")
    with pytest.raises(AnnotationError) as err:
        read_annotations(path)
    text = str(err.value)
    assert "5 malformed rows" in text
    for line, what in ((3, "frame_end (40) must be greater than frame_start (50)"), (4, "column frame_start must be >= 0, found -5"),
                       (5, "column frame_start must be an integer, found 'abc'"), (6, "column label is empty"),
                       (7, "column video is empty")):
        assert f"hard.csv:{line}: {what}" in text
    one = tmp_path / "one.csv"
    one.write_text("video,frame_start,frame_end,label\na.mp4,0,30,wave\na.mp4,9,x,wave\n")
    with pytest.raises(AnnotationError, match=r"one.csv:3: column frame_end must be an integer"):
        read_annotations(one)


def test_one_video_spelled_several_ways_is_one_session_and_repeats_are_caught(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("video,frame_start,frame_end,label\n./clips/c.mkv,0,30,wave\nclips/c.mkv,30,60,wave\n"
                    "clips/../clips/c.mkv,0,30,wave\nclips\\c.mkv,60,90,nod\n")
    ann = read_annotations(path)
    assert {s.file_id for s in ann.segments} == {"clips/c.mkv"}
    assert len(ann) == 3 and ann.duplicates == ((4, 2),)


def test_two_videos_with_one_stem_are_two_sessions(tmp_path):
    """clips/a.mp4 and clips/a.avi are different videos: their sessions keep the extension; a stem
    that only one video has drops it, and a Drive&Act id never had one."""
    (tmp_path / "clips").mkdir()
    for name in ("a.mp4", "a.avi", "b.mp4"):
        (tmp_path / "clips" / name).write_bytes(b"x")
    videos = {f: tmp_path / f for f in ("clips/a.mp4", "clips/a.avi", "clips/b.mp4")}
    videos["clips/b"] = tmp_path / "clips/b.mp4"  # the same video named without extension
    assert session_ids(videos) == {"clips/a.mp4": "clips/a.mp4", "clips/a.avi": "clips/a.avi",
                                   "clips/b.mp4": "clips/b", "clips/b": "clips/b"}
    assert not names_video("clips/a.avi", tmp_path / "clips/a.mp4")
    assert names_video("clips/a.mp4", tmp_path / "clips/a.mp4") and names_video("clips/a", tmp_path / "clips/a.avi")
    assert names_video("vp1/run1.ids_1", "/data/inner_mirror/vp1/run1.ids_1.mp4")
