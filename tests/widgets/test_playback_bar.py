"""The transport row alone: what it shows when told, what it emits when the user acts."""

from __future__ import annotations

from PySide6.QtCore import Qt

from cabinlens.widgets.playback_bar import PlaybackBar


def test_position_is_time_and_zero_based_frame(qtbot):
    bar = PlaybackBar()
    qtbot.addWidget(bar)
    bar.show_position(455, 6184, 30.0)
    assert bar.position.text() == "0:15.17 · frame 455 / 6183"
    bar.show_position(30 * 3600, 40 * 3600 * 30, 30.0)
    assert bar.position.text().startswith("1:00:00.00 · frame 108000")


def test_go_to_takes_a_frame_or_a_time_and_refuses_what_is_neither(qtbot):
    bar = PlaybackBar()
    qtbot.addWidget(bar)
    bar.show_position(0, 6184, 30.0)
    chosen = []
    bar.frameChosen.connect(chosen.append)
    for text in ("1520", "1:23.5", "0:02"):
        bar.go_to.setText(text)
        qtbot.keyClick(bar.go_to, Qt.Key.Key_Return)
    assert chosen == [1520, 2505, 60]
    bar.go_to.setText("soon")
    qtbot.keyClick(bar.go_to, Qt.Key.Key_Return)
    assert chosen == [1520, 2505, 60] and "neither a frame number nor a time" in bar.go_to.toolTip()
    bar.go_to.setText("9000")  # past the end: said, not clamped silently
    qtbot.keyClick(bar.go_to, Qt.Key.Key_Return)
    assert len(chosen) == 3 and "frames 0-6183" in bar.problem
    qtbot.keyClicks(bar.go_to, "0")  # typing again clears the mark
    assert bar.problem == ""


def test_speed_loop_and_play_are_emitted_and_shown_without_echo(qtbot):
    bar = PlaybackBar()
    qtbot.addWidget(bar)
    seen = []
    bar.speedChosen.connect(lambda s: seen.append(("speed", s)))
    bar.loopToggled.connect(lambda on: seen.append(("loop", on)))
    bar.playToggled.connect(lambda: seen.append(("play",)))
    bar.speed.setCurrentIndex(bar.speed.findData(0.25))
    bar.loop.setChecked(True)
    bar.play.click()
    assert seen == [("speed", 0.25), ("loop", True), ("play",)]
    seen.clear()
    bar.show_speed(-4.0)  # J pressed twice: 4x backwards
    bar.show_loop(False)
    bar.show_playing(True)
    assert seen == [] and bar.speed.currentData() == 4.0 and "4× back" in bar.speed.toolTip()
    assert not bar.loop.isChecked() and bar.playing
    bar.show_loop(True, (120, 210))
    assert "frames 120-209" in bar.loop.toolTip()


def test_the_rate_shows_only_while_playback_falls_behind(qtbot):
    bar = PlaybackBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.show_rate("12 fps of 30, dropping frames")
    assert bar.rate.isVisible() and bar.rate.text() == "12 fps of 30, dropping frames"
    bar.show_rate("")
    assert not bar.rate.isVisible()
