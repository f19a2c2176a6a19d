"""Playback keeps the video's time and drops frames when drawing cannot keep up: driven by a fake clock,
with a fake frame source that delivers late, so nothing here depends on the machine's speed."""

from __future__ import annotations

import pytest

from cabinlens.app.playback import Playback, PlaybackClock, RateMeter, falling_behind


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_the_clock_says_which_frame_is_due_by_the_video_time():
    now = FakeClock()
    clock = PlaybackClock(now)
    clock.start(100, 30.0, 1.0)
    assert clock.due() == 100
    now.t += 0.5
    assert clock.due() == 115  # half a second later, however many ticks came in between
    clock.start(115, 30.0, 0.25)
    now.t += 2.0
    assert clock.due() == 130
    clock.start(130, 30.0, -2.0)  # backwards, twice as fast
    now.t += 1.0
    assert clock.due() == 70
    assert clock.wanted_rate == 60.0


def test_a_looped_segment_wraps_around_and_keeps_time():
    now = FakeClock()
    clock = PlaybackClock(now)
    clock.start(110, 30.0, 1.0, segment=(100, 130))
    now.t += 1.0  # 30 frames later: once around the 30-frame segment
    assert clock.due() == 110
    now.t += 0.5
    assert clock.due() == 125
    clock.start(105, 30.0, -1.0, segment=(100, 130))
    now.t += 0.5
    assert clock.due() == 120  # backwards past the start comes in at the end
    clock.start(90, 30.0, 1.0, segment=(100, 130))  # a segment the playhead is not in is not looped
    assert clock.segment is None


def test_the_rate_meter_counts_the_last_second_only():
    now = FakeClock()
    meter = RateMeter(now)
    meter.drawn()
    now.t += 0.5
    assert meter.rate() is None  # not yet a second of playback to judge
    for _ in range(16):
        now.t += 1 / 16
        meter.drawn()
    assert meter.rate() == 16.0
    now.t += 0.5
    assert meter.rate() == 8.0  # only what was drawn in the last second
    assert falling_behind(8.0, 30.0) == "8 fps of 30, dropping frames"
    assert falling_behind(29.0, 30.0) == "" and falling_behind(None, 30.0) == ""


def play(playback, now, decode_s: float, seconds: float, tick_s: float = 1 / 60):
    """Tick every ``tick_s``; a fake decoder needs ``decode_s`` per frame and always makes the newest request."""
    due, busy_until, drawn = [], None, []
    playback.frameDue.connect(due.append)
    end = now.t + seconds
    while now.t < end:
        now.t += tick_s
        playback.tick()
        if busy_until is not None and now.t >= busy_until:  # the frame in the making arrives
            drawn.append(making)
            playback.drawn()
            busy_until = None
        if due and busy_until is None and (not drawn or due[-1] != drawn[-1]):
            making, busy_until = due[-1], now.t + decode_s  # requests in between were replaced
    return due, drawn


def test_slow_decoding_drops_frames_keeps_the_time_and_says_so(qtbot):
    now = FakeClock()
    playback = Playback(now)
    rates = []
    playback.rateChanged.connect(rates.append)
    playback.start(0, 30.0, 1.0, frame_count=10_000)
    due, drawn = play(playback, now, decode_s=0.1, seconds=3.0)
    playback.stop()
    assert due[-1] == pytest.approx(90, abs=1)  # three seconds of video in three seconds
    assert len(drawn) < 35  # about ten pictures a second ...
    assert max(b - a for a, b in zip(drawn, drawn[1:], strict=False)) >= 3  # ... so frames in between were skipped
    behind = [r for r in rates if r]
    assert behind and behind[-1] in ("9 fps of 30, dropping frames", "10 fps of 30, dropping frames")
    assert rates[-1] == ""  # stopping clears it


def test_fast_decoding_draws_every_frame_and_says_nothing(qtbot):
    now = FakeClock()
    playback = Playback(now)
    rates = []
    playback.rateChanged.connect(rates.append)
    playback.start(0, 30.0, 1.0, frame_count=10_000)
    due, drawn = play(playback, now, decode_s=0.005, seconds=2.0, tick_s=1 / 30)
    playback.stop()
    assert due == list(range(1, len(due) + 1))  # not one frame skipped
    assert not any(rates)


def test_playback_stops_on_the_last_frame(qtbot):
    now = FakeClock()
    playback = Playback(now)
    due, ended = [], []
    playback.frameDue.connect(due.append)
    playback.ended.connect(lambda: ended.append(True))
    playback.start(95, 30.0, 1.0, frame_count=100)
    now.t += 1.0
    playback.tick()
    assert due == [99] and ended == [True] and not playback.running
    playback.start(3, 30.0, -1.0, frame_count=100)  # backwards: stops on frame 0
    now.t += 1.0
    playback.tick()
    assert due[-1] == 0 and not playback.running
