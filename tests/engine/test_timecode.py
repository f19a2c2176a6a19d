"""Times the player shows and the go-to box reads: one format, read back exactly."""

from __future__ import annotations

import pytest

from cabinlens.engine.timecode import parse_position, timecode


def test_timecode_is_minutes_below_an_hour_and_hours_after():
    assert timecode(0) == "0:00.00"
    assert timecode(455, 30.0) == "0:15.17"
    assert timecode(120, 15.0) == "0:08.00"
    assert timecode(30 * 3600 + 17, 30.0) == "1:00:00.57"


@pytest.mark.parametrize(("text", "fps", "frame"), [
    ("0", 30.0, 0), ("1520", 30.0, 1520), (" 42 ", 30.0, 42),  # a whole number is a 0-based frame
    ("1:23", 30.0, 2490), ("1:23.5", 30.0, 2505), ("0:01", 15.0, 15), ("1:00:00", 30.0, 108000),
    ("12.5", 30.0, 375), ("12s", 30.0, 360), ("0:00.99", 30.0, 30), ("0:00.03", 30.0, 1),  # the nearest frame
])
def test_parse_position_takes_frames_and_times(text, fps, frame):
    assert parse_position(text, fps) == frame


def test_what_is_shown_reads_back_as_the_same_frame():
    for frame in (0, 1, 29, 30, 455, 6183, 36000):
        assert parse_position(timecode(frame, 30.0), 30.0) == frame


@pytest.mark.parametrize("text", ["", "abc", "1:75", "-3", "1::2", "nan", "inf", "1:2:3:4", "a:10"])
def test_parse_position_refuses_with_a_sentence(text):
    with pytest.raises(ValueError, match="neither a frame number nor a time"):
        parse_position(text, 30.0)
