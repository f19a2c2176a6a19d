"""The run the player shows: found again on every session from the choice kept per project."""

from __future__ import annotations

import numpy as np

from cabinlens.app.run_choice import KeptRunChoices, RunChoice, choice_of, describe, labels, resolve
from cabinlens.engine.analysis.session import Track


def track(run_id: int, model: str, kind: str, name: str) -> Track:
    z = np.zeros(0, np.int64)
    return Track(run_id, model, kind, ("a",), {}, z, z, z, z, z, np.zeros(0), name=name)


I3D_VAL = track(1, "i3d_small", "split", "i3d_small: inner_mirror/midlevel split 0 val")
C3D_VAL = track(3, "c3d_small", "split", "c3d_small: inner_mirror/midlevel split 0 val")
C3D_TEST = track(4, "c3d_small", "split", "c3d_small: inner_mirror/midlevel split 0 test")
I3D_SWEEP = track(9, "i3d_small", "sweep", "i3d_small: sweep run1.ids_1.mp4 window 16 stride 8")
C3D_SWEEP = track(10, "c3d_small", "sweep", "c3d_small: sweep run1.ids_1.mp4 window 16 stride 8")


def test_runs_read_as_model_and_split_or_sweep():
    assert describe(I3D_VAL) == "i3d_small · split 0 val"
    assert describe(C3D_SWEEP) == "c3d_small · session sweep"
    other_view = track(5, "i3d_small", "split", "i3d_small: ceiling/midlevel split 0 val")
    assert labels([I3D_VAL, other_view]) == ["i3d_small · inner_mirror/midlevel split 0 val",
                                              "i3d_small · ceiling/midlevel split 0 val"]  # never two alike


def test_without_a_choice_a_split_run_is_shown_not_whichever_sweep_exists():
    assert resolve([I3D_SWEEP, C3D_VAL, I3D_VAL], None) is C3D_VAL
    assert resolve([I3D_SWEEP], None) is I3D_SWEEP
    assert resolve([], None) is None


def test_the_choice_is_found_again_on_every_session():
    chose_c3d = choice_of(C3D_VAL)
    assert resolve([I3D_VAL, I3D_SWEEP, C3D_SWEEP, C3D_VAL], chose_c3d) is C3D_VAL
    assert resolve([I3D_SWEEP, C3D_SWEEP, C3D_TEST], chose_c3d) is C3D_TEST  # a test session: the same model
    chose_sweep = choice_of(C3D_SWEEP)
    assert resolve([I3D_VAL, C3D_VAL, track(11, "c3d_small", "sweep", "c3d_small: sweep b.mp4 window 16 stride 8")],
                   chose_sweep).run_id == 11  # this session's sweep of that model
    assert resolve([I3D_VAL, C3D_VAL], chose_sweep) is C3D_VAL  # not swept yet: the same model's split run
    assert resolve([I3D_VAL], chose_sweep) is I3D_VAL  # the model has nothing here


def test_the_choice_is_kept_per_project(settings):
    kept = KeptRunChoices(settings)
    kept.keep("/p/a.cabinlens", choice_of(C3D_VAL))
    kept.keep("/p/b.cabinlens", choice_of(I3D_SWEEP))
    again = KeptRunChoices(settings)
    assert again.get("/p/a.cabinlens") == RunChoice("c3d_small", "split", C3D_VAL.name)
    assert again.get("/p/b.cabinlens").kind == "sweep"
    assert again.get("/p/none.cabinlens") is None
    settings.setValue("playerRuns", "{not json")  # edited by hand: nothing kept, nothing fails
    assert again.get("/p/a.cabinlens") is None
    assert KeptRunChoices(None).get("/p/a.cabinlens") is None


def test_two_runs_of_a_model_that_differ_in_their_maps_read_apart():
    from dataclasses import replace

    grad = track(6, "videomae", "split", "videomae: inner_mirror/midlevel split 0 val")
    att = replace(track(7, "videomae", "split", "videomae (attngrad): inner_mirror/midlevel split 0 val"), cam_mode="attngrad")
    assert labels([grad, att]) == ["videomae · split 0 val", "videomae (attngrad) · split 0 val"]
