"""``cabinlens report --sanity``: the checks' tables, figures and page section, in files a report may replace."""

from __future__ import annotations

import json

import numpy as np

from cabinlens.engine.analysis import sanity
from cabinlens.engine.analysis.report_folder import foreign_files
from cabinlens.engine.explain.sanity.faithfulness import FaithfulnessResult
from cabinlens.engine.explain.sanity.randomisation import RandomisationResult, RandomisationStep
from cabinlens.engine.explain.sanity.temporal import ReversalResult


def _checked(project, info, results, samples, *, device, budget):
    """Results of the right shape without running a model (the checks have their own tests)."""
    steps = tuple(RandomisationStep(b, np.array([0.9, 0.1]) / (k + 1), np.array([0.5, 0.3]) / (k + 1))
                  for k, b in enumerate(("head", "body")))
    curve = np.array([[1.0, 0.4, 0.1], [0.9, 0.5, 0.0]])
    faith = FaithfulnessResult(np.array([0.0, 0.5, 1.0]), {"cam": curve, "random": curve + 0.1},
                               {"cam": curve[:, ::-1], "random": curve[:, ::-1]})
    rev = ReversalResult(np.array([0, 0]), np.array([1, 1]), np.array([0, 0]), np.array([1, 0]), np.array([0.8, 0.3]),
                         np.array([1.0, np.nan]))
    return sanity.RunSanity(info.id, info.model, info.classes, 2, RandomisationResult(steps, 2), rev, faith, 1.5, "cpu")


def test_report_writes_the_checks_of_one_run_per_model(monkeypatch, demo_data, tmp_path):
    from cabinlens.engine.analysis.report import write_report
    from cabinlens.engine.demo import PROJECT

    monkeypatch.setattr(sanity, "check_run", _checked)
    out = tmp_path / "rep"
    summary = write_report(demo_data / PROJECT, out, sanity=sanity.Budget(clips=2))
    checked = summary["sanity"]["runs"]
    assert sorted(r["model"] for r in checked) == ["c3d_small", "i3d_small", "p3d_small"]
    assert all(r["summary"]["randomisation"] == "pass" for r in checked)
    assert checked[0]["reversal"][0]["reversed_to_partner"] == "50.0"
    assert foreign_files(out) == []
    run = next(r for r in summary["runs"] if r["id"] == checked[0]["run"])
    names = {p.name for p in (out / run["folder"]).iterdir()}
    assert {"sanity_randomisation.md", "sanity_reversal.csv", "sanity_faithfulness.tex", "sanity_randomisation.png",
            "sanity_faithfulness.svg"} <= names
    assert (out / "sanity.md").read_text().count("\n") == 2 + 3
    assert "Sanity checks" in (out / "index.html").read_text()
    assert json.loads((out / "metrics.json").read_text())["sanity"]["budget"]["clips"] == 2
