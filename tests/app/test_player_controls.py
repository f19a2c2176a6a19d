"""The player's controls in the window on a real project: whose run is shown (kept per project), the
label line, go-to, speed and loop."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from cabinlens.engine.analysis.session import SessionTracks


def open_session(qtbot, window, project):
    window.player.sweep_sessions = False
    window.open_project(str(project))
    qtbot.waitUntil(lambda: window.player.tracks is not None, timeout=30000)
    qtbot.waitUntil(lambda: window.video.canvas.pixmap is not None, timeout=30000)


def with_fake_sweep(tracks: SessionTracks) -> SessionTracks:
    """The session as it reads while the model's sweep has just started: a sweep run with nothing analysed yet."""
    split = tracks.tracks[0]
    none = np.zeros(0, np.int64)
    sweep = replace(split, run_id=999, kind="sweep", name=f"{split.model}: sweep a.mp4 window 16 stride 8",
                    indices=none, starts=none, ends=none, labels=none, predicted=none, confidence=np.zeros(0))
    return SessionTracks(tracks.file_id, tracks.video, tracks.ground_truth, [sweep, split])


def test_the_run_shown_is_the_users_choice_kept_per_project(qtbot, window, project, settings):
    from cabinlens.app.main_window import MainWindow

    open_session(qtbot, window, project)
    player, view, state = window.player, window.video, window.state
    split = player.tracks.tracks[0]
    model = split.model  # c3d_small (random)
    assert view.runs.count() == 1 and view.runs.currentText() == f"{model} · split 0 val"
    qtbot.waitUntil(lambda: f"(top-1 prediction of {model} · split 0 val)" in view.labels.text(), timeout=10000)
    # A sweep appearing does not take over: the split run (with its correct/wrong row) stays.
    player._set_tracks(with_fake_sweep(player.tracks), state.frame_count)
    assert state.track == split.run_id and window.timeline.rows[-2][0] == "correct / wrong"
    assert [view.runs.itemText(i) for i in range(view.runs.count())] == [f"{model} · session sweep", f"{model} · split 0 val"]
    # The user picks the sweep: shown, said, kept for this project.
    view.runs.activated.emit(view.runs.findData(999))
    assert state.track == 999 and f"{model} (sweep)" in view.mode_note.text()
    state.set_frame(int(split.starts[3]) + 5)
    qtbot.waitUntil(lambda: f"from {model}'s split run: the chosen run has no result here yet" in view.labels.text(),
                    timeout=10000)  # nothing swept here yet: the same model's split run fills in, and says so
    assert '"kind": "sweep"' in str(settings.value("playerRuns"))
    # Another window with the same settings finds the choice again (this session has no sweep: the same model's split).
    again = MainWindow(settings)
    qtbot.addWidget(again)
    try:
        assert again.player.kept_runs.get(again.state.project or str(project.resolve())).kind == "sweep"
        again.player.sweep_sessions = False
        again.open_project(str(project))
        qtbot.waitUntil(lambda: again.player.tracks is not None, timeout=30000)
        again.player._set_tracks(with_fake_sweep(again.player.tracks), again.state.frame_count)
        assert again.state.track == 999  # the kept choice, not the first run
    finally:
        again.close()


def test_go_to_speed_and_loop(qtbot, window, project):
    open_session(qtbot, window, project)
    state, bar = window.state, window.video.transport
    bar.go_to.setText("0:10")
    bar.go_to.returnPressed.emit()
    assert state.frame == 300 and bar.position.text().startswith("0:10.00 · frame 300 /")
    qtbot.waitUntil(lambda: "frame 300</b>" in window.video.labels.text(), timeout=10000)
    start, end, _ = next(g for g in window.player.tracks.ground_truth if g[1] - g[0] >= 20)
    state.set_frame(start + 2)
    bar.speed.setCurrentIndex(bar.speed.findData(4.0))
    bar.loop.setChecked(True)
    seen = []
    state.frameChanged.connect(seen.append)
    bar.play.click()
    assert state.playing and state.speed == 4.0 and window.player.loop_segment == (start, end)
    # Played past the segment's end, it comes round to its start, and never leaves the segment.
    qtbot.waitUntil(lambda: any(b < a for a, b in zip(seen, seen[1:], strict=False)), timeout=30000)
    bar.play.click()
    assert not state.playing and all(start <= f < end for f in seen)
    assert bar.rate.text() == ""  # stopped: nothing said about the rate


def test_the_line_under_the_video_says_how_the_runs_maps_were_made(qtbot, window, project):
    open_session(qtbot, window, project)
    player, view = window.player, window.video
    split = player.tracks.tracks[0]
    for mode, starts, words in (("time", "Grad-CAM ", "weights per time slice"),
                                ("attngrad", "gradient-weighted attention rollout ", f"{split.model} (attngrad) (split)"),
                                ("clip", "Grad-CAM ", "weights Eq. 1 (clip)")):
        tracks = player.tracks
        player._set_tracks(SessionTracks(tracks.file_id, tracks.video, tracks.ground_truth, [replace(split, cam_mode=mode)]),
                           window.state.frame_count)
        assert view.mode_note.text().startswith(starts) and words in view.mode_note.text()
        window.state.set_frame(int(split.starts[2]) + 3 + len(mode))  # a new frame: its line names the method too
        qtbot.waitUntil(lambda starts=starts: f"{starts}of <i>" in view.labels.text(), timeout=10000)
