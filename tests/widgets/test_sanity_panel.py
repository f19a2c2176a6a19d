"""The explanation-checks panel shows given results: verdicts in words, the three tables, the state of
its button. Hand-made numbers; no model, no application state."""

from __future__ import annotations

from dataclasses import replace

from cabinlens.engine.analysis.sanity_results import (ClassDeletion, ClassRandomisation, ExplanationChecks, OrderRow,
                                                      RandomisationRow, ReversalRow)
from cabinlens.widgets.sanity_panel import SanityPanel


def made_checks(**change) -> ExplanationChecks:
    checks = ExplanationChecks(
        run_id=2, run_key="k", run_name="i3d_small · split 0 test", model="i3d_small", checkpoint_sha256="ab" * 32,
        computed=1_700_000_000.0, seconds=88.0, device="cpu", clips=8, reversal_clips=6, evidence_clips=8,
        randomisation=(RandomisationRow("logits", 0.81, 0.05, 0.77, 0.04),
                       RandomisationRow("Mixed_5c", 0.31, 0.1, 0.42, 0.1),
                       RandomisationRow("Conv3d_1a_7x7", 0.02, 0.08, 0.05, 0.06)),
        reversal=(ReversalRow("opening_door_inside", "closing_door_inside", 2, 1.0, 1.0, 1.0, 0.91, 0.5, 2),
                  ReversalRow("closing_door_inside", "opening_door_inside", 2, 1.0, 0.5, 0.5, 0.48, None),
                  ReversalRow("fastening_seat_belt", "unfastening_seat_belt", 2, 0.5, 0.0, 0.5, 0.07, 0.0, 1)),
        faithfulness=(OrderRow("cam", 8, 0.21, 0.61), OrderRow("random", 8, 0.35, 0.44),
                      OrderRow("evidence", 8, 0.18, 0.70), OrderRow("random_boxes", 8, 0.30, 0.40)),
        per_class=(ClassDeletion("eating", 2, 0.12, 0.30), ClassDeletion("reading_magazine", 1, 0.40, 0.33)),
        randomisation_per_class=(ClassRandomisation("eating", 2, (0.7, 0.3, 0.1), (0.6, 0.45, 0.08)),
                                 ClassRandomisation("reading_magazine", 1, (0.9, 0.6, 0.55), (0.8, 0.5, 0.3))))
    return replace(checks, **change)


def shown_panel(qtbot, width: int = 560, height: int = 640) -> SanityPanel:
    panel = SanityPanel()
    qtbot.addWidget(panel)
    panel.resize(width, height)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_verdicts_and_tables_show_the_numbers(qtbot):
    panel = shown_panel(qtbot)
    panel.set_title("i3d_small · split 0 test")
    panel.show_checks(made_checks())
    texts = [label.text() for label in panel.verdicts]
    assert "passes: the maps change as the model is randomised" in texts[0] and "Spearman 0.02" in texts[0]
    assert "3 of 6 clips (50%) turn into their partner" in texts[1] and "passes" in texts[1]
    assert "follows in 33%" in texts[1]  # 1 of the 3 clips that decided it
    assert "passes" in texts[2] and "0.21 vs 0.35" in texts[2] and "evidence boxes 0.18 vs moved 0.30" in texts[2]
    assert all(label.isVisible() for label in panel.verdicts)
    assert "on 8 clips" in panel.status.text() and "+6 played backwards" in panel.status.text()
    # Randomisation: one row per step, pass/fail against 0.5 per step.
    assert panel.randomisation.proxy.rowCount() == 3
    assert [panel.randomisation.text(r, 0) for r in range(3)] == ["logits", "Mixed_5c", "Conv3d_1a_7x7"]
    assert [panel.randomisation.text(r, 5) for r in range(3)] == ["no", "yes", "yes"]
    assert panel.randomisation.text(0, 1) == "0.81"
    # Time reversal per class: share to the partner in %, the partner's probability, undecided maps as n/a.
    rows = {panel.reversal.text(r, 0): [panel.reversal.text(r, k) for k in range(7)] for r in range(3)}
    assert rows["opening_door_inside"][1:3] == ["100", "0.91"] and rows["opening_door_inside"][6] == "closing_door_inside"
    assert rows["closing_door_inside"][3] == "n/a"
    assert rows["fastening_seat_belt"][1] == "0" and rows["fastening_seat_belt"][4] == "50"
    # Deletion / insertion: the four orders in words, then the classes.
    assert [panel.orders.text(r, 0) for r in range(4)] == ["Grad-CAM", "random blocks", "evidence boxes", "moved boxes"]
    assert panel.orders.text(0, 2) == "0.210" and panel.orders.text(1, 3) == "0.440"
    per_class = {panel.per_class.text(r, 0): panel.per_class.text(r, 4) for r in range(2)}
    assert per_class == {"eating": "yes", "reading_magazine": "no"}
    # ... with their randomisation: both means with every block random, the first step both fall below 0.5.
    assert panel.per_class.source.columnCount() == 8
    rand = {panel.per_class.text(r, 0): [panel.per_class.text(r, k) for k in (5, 6, 7)] for r in range(2)}
    assert rand == {"eating": ["0.10", "0.08", "2 · Mixed_5c"], "reading_magazine": ["0.55", "0.30", "never"]}
    assert "similarity to the trained model's maps" in panel.per_class_title.text()
    assert "not available" not in panel.per_class_title.text()
    assert panel.run.isEnabled() and panel.run.text() == "Run again"


def test_failing_and_missing_checks_say_so(qtbot):
    panel = shown_panel(qtbot)
    survived = (RandomisationRow("fc8", 0.95, 0.01, 0.9, 0.02), RandomisationRow("conv1", 0.7, 0.1, 0.6, 0.1))
    panel.show_checks(made_checks(randomisation=survived, reversal=(), faithfulness=(), per_class=(),
                                  problems=("no clip of a class with a time-reversed partner: time reversal not checked",)))
    texts = [label.text() for label in panel.verdicts]
    assert "fails: the maps survive randomising the model" in texts[0]
    assert "not checked: no clip of a class with a time-reversed partner" in texts[1]
    assert "not checked" in texts[2]
    assert panel.reversal.proxy.rowCount() == 0 and panel.orders.proxy.rowCount() == 0
    assert "time reversal not checked" in panel.status.text()


def test_blocker_running_and_placeholder(qtbot):
    panel = shown_panel(qtbot)
    asked = []
    panel.runRequested.connect(asked.append)
    assert panel.run.text() == "Run checks"
    panel.clips.setValue(4)
    panel.run.click()
    assert asked == [4]
    panel.set_running("Explanation checks of c3d_small: randomising ...")
    assert not panel.run.isEnabled() and panel.run.text() == "Running…" and not panel.clips.isEnabled()
    assert "randomising" in panel.status.text()
    panel.set_running(None)
    assert panel.run.isEnabled()
    panel.set_blocker("the checkpoint of c3d_small is not found (/gone/c3d.pt, nor beside the project)")
    assert not panel.run.isEnabled() and "not found" in panel.status.text()
    panel.show_checks(None, "no analysed run shown")
    assert panel.status.text() == "no analysed run shown" and not any(v.isVisible() for v in panel.verdicts)


def test_results_survive_a_round_trip_through_json(tmp_path):
    from types import SimpleNamespace

    from cabinlens.engine.analysis import sanity_results

    checks = made_checks()
    info = SimpleNamespace(id=2, key="k", checkpoint_sha256="ab" * 32)
    path = sanity_results.save(tmp_path / "p.cabinlens", checks)
    assert path.parent.name == "p.cabinlens.sanity" and "run2-abab" in path.name
    assert sanity_results.load(tmp_path / "p.cabinlens", info) == checks
    other = SimpleNamespace(id=2, key="another run", checkpoint_sha256="ab" * 32)
    assert sanity_results.load(tmp_path / "p.cabinlens", other) is None
    assert not list(path.parent.glob("*.part"))


def test_results_kept_before_the_per_class_randomisation_load_and_say_it_is_not_available(qtbot, tmp_path):
    import json
    from types import SimpleNamespace

    from cabinlens.engine.analysis import sanity_results

    path = sanity_results.save(tmp_path / "p.cabinlens", made_checks())
    older = json.loads(path.read_text())
    del older["randomisation_per_class"]  # as written before the field existed
    path.write_text(json.dumps(older))
    loaded = sanity_results.load(tmp_path / "p.cabinlens", SimpleNamespace(id=2, key="k", checkpoint_sha256="ab" * 32))
    assert loaded is not None and loaded.randomisation_per_class is None
    assert loaded == made_checks(randomisation_per_class=None)
    panel = shown_panel(qtbot)
    panel.show_checks(loaded)
    assert panel.per_class.proxy.rowCount() == 2 and panel.per_class.text(0, 2) == "0.120"
    assert {panel.per_class.text(r, k) for r in range(2) for k in (5, 6, 7)} == {"n/a"}
    assert "randomisation per class not available" in panel.per_class_title.text()


def test_export_writes_the_shown_table(qtbot, tmp_path):
    panel = shown_panel(qtbot)
    panel.show_checks(made_checks())
    panel.tabs.setCurrentIndex(2)
    panel.export(str(tmp_path / "faith.csv"))
    text = (tmp_path / "faith.csv").read_text()
    assert "Grad-CAM" in text and "eating" in text and "rnd Spearman" in text and "2 · Mixed_5c" in text


def test_readable_in_a_narrow_dock(qtbot):
    """At the width a tabbed dock gets in a 1280x800 window, verdict lines wrap instead of widening the panel."""
    panel = shown_panel(qtbot, 420, 560)
    panel.show_checks(made_checks())
    qtbot.wait(50)
    assert panel.minimumSizeHint().width() <= 420
    assert all(v.width() <= 420 for v in panel.verdicts)
