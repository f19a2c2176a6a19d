"""The session sweep the user controls: Off / Around the playhead / Whole session, chosen in the Engine
menu and kept; a Cancel that holds for the session until the user starts it again.

The session job is a stand-in (the sample session's tracks, then a sweep that runs until it is
aborted), so these tests need no project and no model; ``test_jobs`` and the engine's tests run the real one.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import sample_tracks

from cabinlens.app.jobs import SessionLoaded
from cabinlens.app.player import RESWEEP_DISTANCE
from cabinlens.app.sweep_policy import AROUND_SPAN, SweepPolicy, kept_policy
from cabinlens.engine.progress import Message

PROJECT, SESSION = "/p/a.cabinlens", "vp1/run1.ids_1"
MODELS = {"sweep": True}  # whether the stand-in session job finds a model to sweep with


@pytest.fixture
def jobs(monkeypatch):
    """The session jobs the player starts, each as {file_id, near, sweep, span}."""
    started: list[dict] = []

    def open_session(project, file_id, near, abort, sweep=True, device="auto", span=None):
        started.append({"file_id": file_id, "near": near, "sweep": sweep, "span": span})
        yield SessionLoaded(replace(sample_tracks.tracks(), file_id=file_id, video="/missing.mp4"), 6000, 30.0)
        if not sweep or not MODELS["sweep"]:
            return
        yield Message("Sweep m: 8 / 400 windows", 8, 400)
        abort.wait(30)  # sweeping until the user cancels or another job supersedes it
        yield Message("Sweep m: 16 / 400 windows", 16, 400)

    monkeypatch.setattr("cabinlens.app.player.open_session", open_session)
    # The stand-in's video does not exist: no frames asked for, so no "file not found" races the sweep's
    # messages in the status line.
    monkeypatch.setattr("cabinlens.app.frame_source.FrameSource.request", lambda _self, _request: None)
    monkeypatch.setitem(MODELS, "sweep", True)
    return started


def open_sample(qtbot, window, jobs, file_id=SESSION) -> None:
    window.state.set_project(PROJECT)
    count = len(jobs)
    window.state.set_session(file_id)
    qtbot.waitUntil(lambda: len(jobs) > count and window.player.tracks is not None
                    and window.player.tracks.file_id == file_id, timeout=10000)
    if jobs[-1]["sweep"] and MODELS["sweep"]:
        qtbot.waitUntil(lambda: window.player.sweeping, timeout=10000)


def choose(window, policy: SweepPolicy) -> None:
    window.sweep_menu.actions[policy].trigger()


def test_the_policy_is_chosen_in_the_engine_menu_and_kept(qtbot, window, settings):
    from cabinlens.app.main_window import MainWindow

    menu = window.sweep_menu
    assert window.player.sweep_policy is SweepPolicy.AROUND and menu.actions[SweepPolicy.AROUND].isChecked()
    assert [a.text() for a in menu.menu.actions() if a.text()] == [
        "&Off (stored results only)", "&Around the playhead", "&Whole session", "Sweep this session &now"]
    choose(window, SweepPolicy.OFF)
    assert window.player.sweep_policy is SweepPolicy.OFF and settings.value("sweepPolicy") == "off"
    assert [p for p, a in menu.actions.items() if a.isChecked()] == [SweepPolicy.OFF]  # one at a time
    again = MainWindow(settings)
    qtbot.addWidget(again)
    try:
        assert again.player.sweep_policy is SweepPolicy.OFF and again.sweep_menu.actions[SweepPolicy.OFF].isChecked()
    finally:
        again.close()
    settings.setValue("sweepPolicy", "sometimes")  # edited by hand: the default, nothing fails
    assert kept_policy(settings) is SweepPolicy.AROUND and kept_policy(None) is SweepPolicy.AROUND


def test_off_shows_stored_tracks_and_starts_no_sweep(qtbot, window, jobs):
    choose(window, SweepPolicy.OFF)
    open_sample(qtbot, window, jobs)
    assert jobs == [{"file_id": SESSION, "near": 0, "sweep": False, "span": None}]
    window.state.set_frame(3000)  # far from anything: still nothing
    qtbot.wait(50)
    assert len(jobs) == 1 and not window.player.sweeping


def test_around_sweeps_near_the_playhead_and_whole_session_sweeps_every_window(qtbot, window, jobs):
    open_sample(qtbot, window, jobs)
    assert jobs[-1]["sweep"] and jobs[-1]["span"] == AROUND_SPAN
    choose(window, SweepPolicy.SESSION)  # the open session follows the new choice at once
    qtbot.waitUntil(lambda: len(jobs) == 2, timeout=10000)
    assert jobs[-1]["sweep"] and jobs[-1]["span"] is None and jobs[-1]["near"] == window.state.frame


def test_cancel_holds_until_the_user_starts_the_sweep_again(qtbot, window, jobs):
    open_sample(qtbot, window, jobs)
    assert window.cancel.isVisible() and "8 / 400 windows" in window.status.text()
    window.cancel.click()
    qtbot.waitUntil(lambda: not window.player.sweep_running, timeout=10000)
    assert window.status.text().startswith("sweep cancelled for this session; Engine → Session sweeps → Sweep this")
    started = len(jobs)
    window.state.set_frame(window.player.sweep_centre + RESWEEP_DISTANCE + 500)  # a far scrub
    window.state.set_frame(window.player.sweep_centre + AROUND_SPAN + 2000)
    window.state.set_playing(True)
    window.state.set_playing(False)  # playback that stops far away
    window.player.reopen()  # and the session opened again: tracks, no sweep
    qtbot.waitUntil(lambda: len(jobs) == started + 1, timeout=10000)
    assert [j["sweep"] for j in jobs[started:]] == [False]
    window.state.set_session("vp2/run1.ids_1")  # another session sweeps as the policy says
    qtbot.waitUntil(lambda: jobs[-1]["file_id"] == "vp2/run1.ids_1", timeout=10000)
    assert jobs[-1]["sweep"]
    window.state.set_session(SESSION)  # back to the cancelled one: still held
    qtbot.waitUntil(lambda: jobs[-1]["file_id"] == SESSION, timeout=10000)
    assert not jobs[-1]["sweep"]
    window.sweep_menu.sweep_now.trigger()  # the user starts it again
    qtbot.waitUntil(lambda: jobs[-1]["sweep"], timeout=10000)
    assert jobs[-1]["near"] == window.state.frame


def test_with_sweeps_off_the_user_can_still_sweep_this_session(qtbot, window, jobs):
    choose(window, SweepPolicy.OFF)
    open_sample(qtbot, window, jobs)
    window.sweep_menu.sweep_now.trigger()
    qtbot.waitUntil(lambda: len(jobs) == 2, timeout=10000)
    assert jobs[-1]["sweep"] and jobs[-1]["span"] is None  # all of it: the user asked for this one


def test_a_finished_sweep_around_the_playhead_follows_it_a_superseded_one_does_not_hold(qtbot, window, jobs):
    open_sample(qtbot, window, jobs)
    player = window.player
    far = player.sweep_centre + RESWEEP_DISTANCE + 10
    window.state.set_frame(far)  # while sweeping: the sweep restarts there (nearest first)
    qtbot.waitUntil(lambda: len(jobs) == 2 and player.sweeping, timeout=10000)
    assert jobs[-1]["near"] == far and not player.holds.held(PROJECT, SESSION)  # superseded, not cancelled
    player._job_finished(player.session_generation, None)  # as when every window near it is done
    window.state.set_frame(far + AROUND_SPAN - RESWEEP_DISTANCE - 50)  # still well inside what it covered
    qtbot.wait(50)
    assert len(jobs) == 2
    window.state.set_frame(far + AROUND_SPAN - RESWEEP_DISTANCE + 50)  # near its edge: the next stretch
    qtbot.waitUntil(lambda: len(jobs) == 3, timeout=10000)


def test_a_session_without_a_model_to_sweep_with_is_not_reopened_on_every_scrub(qtbot, window, jobs, monkeypatch):
    monkeypatch.setitem(MODELS, "sweep", False)  # e.g. every checkpoint of the project is gone
    open_sample(qtbot, window, jobs)
    qtbot.waitUntil(lambda: not window.player.sweep_running, timeout=10000)
    window.state.set_frame(AROUND_SPAN * 3)
    qtbot.wait(50)
    assert len(jobs) == 1
    window.sweep_menu.sweep_now.trigger()  # the user may still try
    qtbot.waitUntil(lambda: len(jobs) == 2, timeout=10000)


def test_a_session_whose_load_another_job_superseded_loads_when_that_job_ends(qtbot, window, jobs, monkeypatch):
    """Switching sessions during a sweep, while the panels load the new session's run on the same
    worker: the player shows no frame of the old session under the new name, and the new one loads."""
    import time

    stand_in = window.player.__class__.__module__ + ".open_session"
    real = __import__("cabinlens.app.player", fromlist=["open_session"]).open_session

    def slow_to_stop(project, file_id, near, abort, sweep=True, device="auto", span=None):
        for item in real(project, file_id, near, abort, sweep, device, span):
            if abort.is_set():
                time.sleep(0.3)  # a batch that ends some time after the abort, as a real one does
            yield item

    monkeypatch.setattr(stand_in, slow_to_stop)
    open_sample(qtbot, window, jobs)
    other = "vp2/run2.ids_1"
    loaded_analysis = []

    def load_analysis(_abort):
        yield Message("loading the run ...")
        loaded_analysis.append(True)

    window.state.set_session(other)  # queued behind the sweep, which takes 0.3 s to stop
    assert window.player.tracks is None  # nothing of the old session shown under the new name
    window.worker.submit(load_analysis)  # supersedes the new session's load before it ran
    qtbot.waitUntil(lambda: window.player.tracks is not None and window.player.tracks.file_id == other, timeout=10000)
    assert loaded_analysis and jobs[-1]["file_id"] == other
