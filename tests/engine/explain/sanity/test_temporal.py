"""Time reversal: the shipped I3D must turn each reversible class into its partner when played backwards."""

from __future__ import annotations

import pytest

from cabinlens.engine.explain.sanity.temporal import reversed_partners, time_reversal


def test_partners_go_both_ways_and_only_between_known_classes():
    classes = ("closing_bottle", "drinking", "opening_bottle", "exiting_car")
    assert reversed_partners(classes) == {0: 2, 2: 0}


@pytest.fixture(scope="module")
def reversal(i3d_run):
    from cabinlens.engine.analysis.sanity import _per_class, load_inputs

    model, spec, _, info, results, samples = i3d_run
    partners = reversed_partners(info.classes)
    picked = _per_class(samples, results, partners, 1, seed=0)
    x = load_inputs(spec, [samples[int(results.indices[p])] for p in picked], "cpu")
    return info, time_reversal(model, spec, x, results.labels[picked], partners)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "measured on the demo's test split (2 clips per class, all right forwards): reversed, fastening_seat_belt and "
    "unfastening_seat_belt stay themselves (0 of 2 each, partner probability 0.01), opening_door_inside and "
    "closing_bottle too (0 of 2); 14 of the 18 reversible classes of the model flip to their partner in at least one clip"))
def test_reversing_time_flips_every_reversed_pair_of_the_shipped_i3d(reversal):
    info, result = reversal
    failing = [(info.classes[r["class"]], r["to_partner"], round(r["partner_prob"], 3))
               for r in result.per_class() if r["to_partner"] < 0.5]
    assert not failing


@pytest.mark.slow
def test_reversal_result_has_one_row_per_reversible_class(reversal):
    info, result = reversal
    rows = result.per_class()
    assert len(rows) == len(reversed_partners(info.classes)) and all(r["clips"] == 1 for r in rows)
    assert all(0 <= r["to_partner"] <= 1 and 0 <= r["partner_prob"] <= 1 for r in rows)
