"""The annotation reader: valid files of every kind, and malformed input named by file and line."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cabinlens.engine.data import AnnotationError, read_annotations

HEADER = "participant_id,file_id,annotation_id,frame_start,frame_end,activity,chunk_id\n"


def write(tmp_path, text: str | bytes, name: str = "a.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_reads_rows_into_records(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "1,vp1/run1b_2018-05-29-14-02-47.ids_1,3,205,260,opening_door_outside,0\n"
        + "2,vp2/run1.ids_1,7,10,14,looking_or_moving_around (e.g. searching),1\n",
    )
    ann = read_annotations(path)
    assert ann.kind == "driveact" and len(ann) == 2
    first, second = ann.segments
    assert (first.participant, first.file_id, first.annotation_id) == (1, "vp1/run1b_2018-05-29-14-02-47.ids_1", 3)
    assert (first.frame_start, first.frame_end, first.num_frames, first.chunk_id) == (205, 260, 55, 0)
    assert second.activity == "looking_or_moving_around (e.g. searching)"
    assert second.num_frames == 4  # short chunks are valid
    assert first.line == 2 and second.line == 3
    assert ann.classes() == ["looking_or_moving_around (e.g. searching)", "opening_door_outside"]
    assert ann.participants() == [1, 2]


def test_long_chunk_and_bom_and_crlf_and_blank_lines_are_fine(tmp_path):
    text = "\ufeff" + HEADER.replace("\n", "\r\n") + "1,vp1/r.ids_1,1,0,97,eating,0\r\n\r\n"
    ann = read_annotations(write(tmp_path, text))
    assert len(ann) == 1 and ann.segments[0].num_frames == 97


def test_objectlevel_extra_columns_are_kept(tmp_path):
    text = (
        "participant_id,file_id,annotation_id,frame_start,frame_end,activity,object,location,chunk_id\n"
        "1,vp1/r.ids_1,1,0,30,reaching_for,bottle,cup_holder,0\n"
    )
    seg = read_annotations(write(tmp_path, text)).segments[0]
    assert seg.activity == "reaching_for"
    assert seg.extra == (("object", "bottle"), ("location", "cup_holder"))
    assert seg.extra_value("location") == "cup_holder"


def test_generic_segments_csv(tmp_path):
    ann = read_annotations(write(tmp_path, "video,frame_start,frame_end,label\nclips/a.mp4,0,16,wave\nb.mp4,5,40,nod\n"))
    assert ann.kind == "generic"
    assert [(s.file_id, s.participant, s.activity) for s in ann] == [("clips/a.mp4", None, "wave"), ("b.mp4", None, "nod")]


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("", 1, "empty"),
        ("   \n\n", 1, "empty"),
        ("participant_id,file_id\n1,x\n", 1, "missing column(s) annotation_id"),
        (HEADER, None, "no rows"),
        (HEADER + "1,vp1/r.ids_1,1,10,x,eating,0\n", 2, "frame_end must be an integer, found 'x'"),
        (HEADER + "1,vp1/r.ids_1,1,2.5,9,eating,0\n", 2, "frame_start must be an integer"),
        (HEADER + "1,vp1/r.ids_1,1,-3,9,eating,0\n", 2, "frame_start must be >= 0"),
        (HEADER + "1,vp1/r.ids_1,1,0,9,eating,0\n1,vp1/r.ids_1,1,9,9,eating,1\n", 3, "frame_end (9) must be greater"),
        (HEADER + "1,vp1/r.ids_1,1,20,9,eating,0\n", 2, "frame_end (9) must be greater"),
        (HEADER + "1,vp1/r.ids_1,1,0,9,eating\n", 2, "expected 7 fields, found 6"),
        (HEADER + "1,vp1/r.ids_1,1,0,9,,0\n", 2, "column activity is empty"),
        (HEADER + "1,,1,0,9,eating,0\n", 2, "column file_id is empty"),
        ("a,a,b\n1,2,3\n", 1, "duplicated column(s) a"),
        (HEADER + '1,"vp1/r.ids_1,1,0,9,eating,0\n', None, "expected 7 fields"),
    ],
)
def test_malformed_files_name_file_line_and_problem(tmp_path, text, line, problem):
    path = write(tmp_path, text)
    with pytest.raises(AnnotationError) as err:
        read_annotations(path)
    message = str(err.value)
    assert problem in message
    assert str(path) in message
    if line is not None:
        assert err.value.line == line
        assert f"{path}:{line}:" in message


def test_wrong_encoding_names_the_line(tmp_path):
    data = (HEADER + "1,vp1/r.ids_1,1,0,9,eating,0\n").encode() + "1,vp1/r.ids_1,2,9,20,caf\xe9,0\n".encode("latin-1")
    with pytest.raises(AnnotationError, match="not UTF-8") as err:
        read_annotations(write(tmp_path, data))
    assert err.value.line == 3


def test_binary_missing_and_folder(tmp_path):
    with pytest.raises(AnnotationError, match="binary"):
        read_annotations(write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00"))
    with pytest.raises(AnnotationError, match="file not found"):
        read_annotations(tmp_path / "missing.csv")
    with pytest.raises(AnnotationError, match="folder"):
        read_annotations(tmp_path)


label = st.text(alphabet=string.ascii_lowercase + "_ ()." , min_size=1, max_size=30).map(str.strip).filter(bool)
row = st.tuples(
    st.integers(1, 15), st.integers(0, 99), st.integers(0, 10**6), st.integers(1, 500), label, st.integers(0, 9)
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=30))
def test_any_valid_file_round_trips(tmp_path, rows):
    text = HEADER + "".join(
        f"{p},vp{p}/run{a}.ids_1,{a},{s},{s + n},{lab},{c}\n" for p, a, s, n, lab, c in rows
    )
    ann = read_annotations(write(tmp_path, text, "round.csv"))
    unique = list(dict.fromkeys(rows))  # an exact repeat is kept once and reported
    assert [(s.participant, s.annotation_id, s.frame_start, s.num_frames, s.activity, s.chunk_id) for s in ann] == [
        (p, a, s, n, lab, c) for p, a, s, n, lab, c in unique
    ]
    assert len(ann.duplicates) == len(rows) - len(unique)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(row, min_size=2, max_size=12),
    bad_at=st.integers(0, 11),
    field=st.sampled_from(["participant_id", "annotation_id", "frame_start", "frame_end", "chunk_id"]),
    junk=st.sampled_from(["", "abc", "1e3", "-5", "3.0", " "]),
)
def test_one_corrupted_number_is_found_on_its_line(tmp_path, rows, bad_at, field, junk):
    bad_at %= len(rows)
    lines = []
    for k, (p, a, s, n, lab, c) in enumerate(rows):
        values = {"participant_id": p, "annotation_id": a, "frame_start": s, "frame_end": s + n, "chunk_id": c}
        if k == bad_at:
            values[field] = junk
        lines.append(
            f"{values['participant_id']},vp{p}/r.ids_1,{values['annotation_id']},{values['frame_start']},"
            f"{values['frame_end']},{lab},{values['chunk_id']}\n"
        )
    with pytest.raises(AnnotationError) as err:
        read_annotations(write(tmp_path, HEADER + "".join(lines), "bad.csv"))
    assert err.value.line == bad_at + 2
    assert field in str(err.value) or "frame_end" in str(err.value)
