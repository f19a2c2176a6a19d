"""The explanation checks in the window: a background job per run with progress and Cancel, one at a time,
kept beside the project so a reopened project shows them, and a clear word when they cannot run.

The checks run on a copy of the demo project (their file is written beside it) with c3d_small, the
fastest shipped model, and a budget of a few clips."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cabinlens.engine.analysis.sanity import Budget

SMALL = Budget(clips=2, per_class=1, batch_size=4)


def copy_project(source: Path, target: Path) -> Path:
    """A consistent copy of a project (its journal included) through SQLite's backup."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target


def run_of(project: Path, model: str, subset: str = "test") -> int:
    from cabinlens.engine.analysis.store import Store

    with Store(project, readonly=True) as store:
        return next(i.id for i in store.runs() if i.model == model and i.params.get("subset") == subset)


@pytest.fixture
def demo_copy(demo_data, tmp_path) -> Path:
    return copy_project(demo_data / "demo.cabinlens", tmp_path / "demo.cabinlens")


class Checks:
    """A state, the panel and its controller, as the window wires them (closed at the end)."""

    def __init__(self, qtbot) -> None:
        from cabinlens.app.sanity_checks import SanityChecks
        from cabinlens.app.state import AppState
        from cabinlens.widgets.sanity_panel import SanityPanel

        self.qtbot = qtbot
        self.state = AppState()
        self.state.set_device("cpu")
        self.panel = SanityPanel()
        qtbot.addWidget(self.panel)
        self.controller = SanityChecks(self.state, self.panel)
        self.controller.budget = SMALL
        self.steps: list = []
        self.ended: list[str] = []
        self.controller.progress.connect(self.steps.append)
        self.controller.ended.connect(self.ended.append)

    def show(self, project: Path, run_id: int) -> None:
        self.state.set_project(str(project))
        self.controller.set_run_names({run_id: f"run {run_id}"})
        self.state.set_analysis_run(run_id)
        self.qtbot.waitUntil(lambda: self.controller.readiness is not None, timeout=30000)

    def close(self) -> None:
        self.controller.close()


@pytest.fixture
def checks(qtbot):
    made: list[Checks] = []

    def make() -> Checks:
        made.append(Checks(qtbot))
        return made[-1]

    yield make
    for c in made:
        c.close()


@pytest.mark.slow
def test_checks_run_once_in_the_background_and_are_kept_for_the_next_opening(qtbot, checks, demo_copy):
    run_id = run_of(demo_copy, "c3d_small")
    first = checks()
    first.show(demo_copy, run_id)
    assert first.panel.run.isEnabled() and "Not checked yet" in first.panel.status.text()
    first.panel.clips.setValue(2)
    first.panel.run.click()
    assert first.controller.running is not None and not first.panel.run.isEnabled()
    first.panel.run.click()  # a second click while they run ...
    assert first.controller.start() is False  # ... and a second request start nothing
    assert first.controller.starts == 1
    qtbot.waitUntil(lambda: first.controller.running is None, timeout=600000)
    assert first.ended and "done" in first.ended[-1], first.ended
    assert len(first.steps) >= 4 and all(m.total == first.steps[0].total for m in first.steps)
    shown = first.panel.checks
    assert shown is not None and shown.model == "c3d_small" and shown.clips == 2
    assert shown.randomisation and shown.faithfulness and shown.reversal and shown.per_class
    # The randomisation per class of the same clips, one step per randomisation row, in the per-class table.
    assert shown.randomisation_per_class and {c.name for c in shown.randomisation_per_class} == {c.name for c in shown.per_class}
    assert all(len(c.spearman) == len(shown.randomisation) for c in shown.randomisation_per_class)
    assert sum(c.clips for c in shown.randomisation_per_class) == 2
    assert first.panel.per_class.text(0, 5) != "n/a"
    assert first.panel.randomisation.proxy.rowCount() == len(shown.randomisation)
    assert all(v.isVisibleTo(first.panel) for v in first.panel.verdicts)
    assert "on 2 clips" in first.panel.status.text()
    kept = list((demo_copy.parent / "demo.cabinlens.sanity").glob("*"))
    assert [p.suffix for p in kept] == [".json"] and f"run{run_id}-" in kept[0].name

    # Reopened (another window's life): shown from the file, nothing recomputed.
    again = checks()
    again.show(demo_copy, run_id)
    assert again.panel.checks == shown and again.controller.starts == 0
    assert again.panel.run.text() == "Run again"
    # Another run of the project has none yet.
    other = run_of(demo_copy, "i3d_small")
    again.controller.set_run_names({other: "i3d", run_id: "c3d"})
    again.state.set_analysis_run(other)
    qtbot.waitUntil(lambda: again.controller.readiness is not None and again.controller.readiness.run_id == other,
                    timeout=30000)
    assert again.panel.checks is None and "Not checked yet" in again.panel.status.text()


@pytest.mark.slow
def test_cancel_leaves_nothing_half_written(qtbot, checks, demo_copy):
    run_id = run_of(demo_copy, "c3d_small")
    c = checks()
    c.show(demo_copy, run_id)
    assert c.controller.start(2)
    qtbot.waitUntil(lambda: any("randomising" in m.text for m in c.steps), timeout=300000)
    c.controller.cancel()
    qtbot.waitUntil(lambda: c.controller.running is None, timeout=300000)
    assert c.ended[-1] == "explanation checks cancelled; nothing kept"
    assert c.panel.checks is None and "cancelled" in c.panel.status.text() and c.panel.run.isEnabled()
    folder = demo_copy.parent / "demo.cabinlens.sanity"
    assert not folder.exists() or not list(folder.iterdir())


def test_a_missing_checkpoint_is_said_in_the_panel(qtbot, checks, demo_copy):
    run_id = run_of(demo_copy, "c3d_small")
    with sqlite3.connect(demo_copy) as db:
        db.execute("UPDATE runs SET source = ? WHERE id = ?", (str(demo_copy.parent / "gone" / "mine.pt"), run_id))
    db.close()
    c = checks()
    c.show(demo_copy, run_id)
    assert "checkpoint of c3d_small is not found" in c.panel.status.text()
    assert not c.panel.run.isEnabled() and c.controller.start() is False and c.controller.starts == 0


def test_a_random_weights_run_and_missing_evidence_are_said(qtbot, checks, project, monkeypatch):
    from cabinlens.engine.explain import evidence

    monkeypatch.setattr(evidence, "evidence_path", lambda video: Path(str(video) + ".none.csv"))
    c = checks()
    c.show(project, run_of(project, "c3d_small (random)", "val"))
    assert "random weights" in c.panel.status.text() and not c.panel.run.isEnabled()
    assert c.controller.readiness.notes and "no evidence files" in c.controller.readiness.notes[0]


def test_the_window_has_the_panel_docked_with_its_status(qtbot, window):
    from PySide6.QtWidgets import QDockWidget

    # The window lists the devices on a thread it starts once it is up: let it end within this test.
    qtbot.waitUntil(lambda: window.device_probe.result is not None, timeout=120000)

    dock = next(d for d in window.findChildren(QDockWidget) if d.objectName() == "Explanation checks")
    assert dock.widget() is window.analysis.sanity and dock in window.analysis_docks
    _label, bar, cancel = window.analysis.checks.status_parts
    assert cancel.text() == "Cancel checks" and not cancel.isVisible() and not bar.isVisible()
    assert window.analysis.sanity.status.text() == "no analysed run shown"
