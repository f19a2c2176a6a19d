"""The rendered content: built-in confusions work as intended, evidence follows the drawing."""

from __future__ import annotations

import numpy as np
import pytest

from cabinlens.engine.data.synth.activities import REVERSED
from cabinlens.engine.data.synth.plan import Annotation, RunPlan
from cabinlens.engine.data.synth.render import RunRenderer, render_clip
from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES

LENGTH = 48


def one(activity: str, seed: int = 11, episode: str = "", magazine: bool = False, person: int = 5) -> RunPlan:
    """A run holding one annotation of ``activity`` (frames 4..52), for looking at it alone."""
    return RunPlan(3, "run1_2018-05-03-14-08-31", LENGTH + 8, (Annotation(activity, 4, 4 + LENGTH, seed, episode, True, magazine),),
                   seed=99, participant_seed=person)


def clip(activity: str, **kw) -> np.ndarray:
    return render_clip(one(activity, **kw), 0, noise=False, light_changes=False).astype(np.float32)


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


@pytest.mark.parametrize(("backward", "forward"), sorted((b, f) for b, f in REVERSED.items() if b in DRIVEACT_MIDLEVEL_CLASSES))
def test_pairs_are_one_movement_played_backwards(backward, forward):
    for seed in (1, 2):
        fwd, bwd = clip(forward, seed=seed), clip(backward, seed=seed)
        assert distance(fwd[::-1], bwd) < 0.05, (forward, backward)  # the same frames in reverse order
        assert distance(fwd, bwd) > 0.15, (forward, backward)  # but not the same clip: time tells them apart


def test_preparing_food_looks_most_like_eating():
    prep = clip("preparing_food", episode="food")
    others = ["eating", "drinking", "writing", "working_on_laptop", "reading_magazine", "talking_on_phone",
              "interacting_with_phone", "using_multimedia_display", "sitting_still"]
    d = {o: distance(prep, clip(o, episode={"eating": "food", "drinking": "bottle"}.get(o, ""))) for o in others}
    assert min(d, key=d.get) == "eating", d
    # Same object, same hands, different amplitude: the food never reaches the mouth when preparing.
    boxes = {a: [e for f in RunRenderer(one(a, episode="food"), noise=False).frames() for e in f.evidence if e[2] == "food"]
             for a in ("preparing_food", "eating")}
    assert min(e[5] for e in boxes["eating"]) < min(e[5] for e in boxes["preparing_food"]) - 20


def hand_path(activity: str, seed: int = 3) -> np.ndarray:
    rows = [e for f in RunRenderer(one(activity, seed=seed, episode="bottle" if activity == "placing_an_object" else "laptop"),
                                   noise=False).frames() for e in f.evidence if e[2] == "hand_r"]
    return np.array([((e[4] + e[6]) / 2, (e[5] + e[7]) / 2) for e in rows])


def test_putting_the_laptop_into_the_backpack_is_a_placing_movement():
    place, put = hand_path("placing_an_object"), hand_path("putting_laptop_into_backpack")
    # Both carry something from the body to the passenger seat with the right hand and come back.
    reach_place = place[len(place) // 2] - place[0]
    reach_put = put[len(put) // 2] - put[0]
    cosine = reach_place @ reach_put / np.linalg.norm(reach_place) / np.linalg.norm(reach_put)
    assert cosine > 0.8 and reach_place[0] > 25 and reach_put[0] > 25
    assert np.linalg.norm(place[len(place) // 2] - put[len(put) // 2]) < 60


def test_a_magazine_lying_in_view_is_a_marked_distractor():
    plain, biased = clip("writing"), clip("writing", magazine=True)
    frames = list(RunRenderer(one("writing", magazine=True), noise=False).frames())
    rows = [e for f in frames for e in f.evidence if e[3] == "distractor"]
    assert len(rows) == LENGTH and {e[2] for e in rows} == {"magazine"}
    x0, y0, x1, y1 = rows[0][4:]
    diff = np.abs(biased - plain)
    assert diff[:, y0:y1, x0:x1].mean() > 40  # a bright magazine really lies there ...
    outside = diff.copy()
    outside[:, y0:y1, x0:x1] = 0
    assert outside.max() == 0  # ... and nothing else changes
    reading = clip("reading_magazine")
    assert reading.max() >= 200 and biased[:, y0:y1, x0:x1].max() >= 200  # the same bright printed paper


def test_every_annotated_frame_has_evidence_inside_the_frame():
    for activity in DRIVEACT_MIDLEVEL_CLASSES:
        episode = {"drinking": "bottle", "eating": "food", "preparing_food": "food", "fetching_an_object": "bottle",
                   "placing_an_object": "bottle"}.get(activity, "")
        frames = list(RunRenderer(one(activity, episode=episode), noise=False).frames())
        for f in frames:
            annotated = 4 <= f.index < 4 + LENGTH
            assert bool(f.evidence) == annotated, (activity, f.index)
            for e in f.evidence:
                x0, y0, x1, y1 = e[4:]
                assert 0 <= x0 < x1 <= 320 and 0 <= y0 < y1 <= 256 and e[1] == activity
