"""Progress for people: the count, a moving rate and the time left, measured with a fake clock."""

from __future__ import annotations

from cabinlens.engine.rate import ProgressRate, duration, progress_text


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_line_says_count_rate_and_time_left():
    assert progress_text(340, 2100, 12.5, "window") == "340 / 2,100 windows · 12.5 windows/s · 2 min 21 s left"
    assert progress_text(0, 1, None, "window") == "0 / 1 window"  # no rate yet: the count alone
    assert progress_text(8, 8, 3.0, "clip") == "8 / 8 clips"
    assert progress_text(10, 5000, 0.4, "window").endswith("0.40 windows/s · 3 h 27 min left")
    assert progress_text(100, 90000, 250.0, "clip").endswith("250 clips/s · 6 min 0 s left")
    assert [duration(s) for s in (0, 44.6, 60, 141, 3600, 3725)] == ["0 s", "45 s", "1 min 0 s", "2 min 21 s",
                                                                     "1 h 00 min", "1 h 02 min"]


def test_the_rate_follows_the_last_seconds_not_the_start():
    clock = Clock()
    meter = ProgressRate(window_s=20.0, clock=clock)
    assert meter.add(0) is None  # one reading tells no rate
    for _ in range(30):  # 30 s at 10 windows/s
        clock.now += 1.0
        rate = meter.add(meter._points[-1][1] + 10)
    assert rate == 10.0
    for _ in range(25):  # then slower (the user plays video): 2 windows/s
        clock.now += 1.0
        rate = meter.add(meter._points[-1][1] + 2)
    assert rate == 2.0  # since-start would say (300 + 50) / 55 = 6.4
    assert progress_text(350, 1000, rate, "window").endswith("2.0 windows/s · 5 min 25 s left")


def test_slow_batches_still_give_a_rate_and_a_new_run_starts_afresh():
    clock = Clock()
    meter = ProgressRate(window_s=20.0, clock=clock)
    meter.add(0)
    clock.now += 45.0  # one batch slower than the window
    assert meter.add(8) == 8 / 45
    meter.add(2)  # a count that goes back: another run started counting
    assert meter.rate() is None
    meter.reset()
    assert meter.rate() is None
