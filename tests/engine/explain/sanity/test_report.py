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
    return sanity.RunSanity(info.id, info.model, info.classes, 2, RandomisationResult(steps, 2), rev, faith, 1.5, "cpu",
                            labels=np.array([0, 1]))


def _three_clips_two_classes():
    """A check of three clips (classes 2, 0, 2) over three steps, with numbers unlike any other's."""
    rng = np.random.default_rng(3)
    labels = np.array([2, 0, 2])
    rho, sim = rng.uniform(0.0, 1.0, (3, 3)), rng.uniform(0.0, 1.0, (3, 3))  # (steps, clips)
    rho[:, 1] = [0.9, 0.4, 0.2]  # class 0 decorrelates at the second step
    sim[:, 1] = [0.8, 0.3, 0.1]
    rho[:, [0, 2]] = [[0.9, 0.8], [0.7, 0.6], [0.3, 0.5]]  # class 2: Spearman means 0.85, 0.65, 0.4
    sim[:, [0, 2]] = [[0.9, 0.9], [0.2, 0.2], [0.1, 0.3]]
    steps = tuple(RandomisationStep(b, rho[k], sim[k]) for k, b in enumerate(("head", "body", "stem")))
    s = sanity.RunSanity(7, "m", ("a", "b", "c"), 3, RandomisationResult(steps, 3), None, None, 1.0, "cpu",
                         labels=labels)
    return s, labels, rho, sim


def test_randomisation_per_class_is_the_mean_of_the_class_s_clips():
    from types import SimpleNamespace

    from cabinlens.engine.analysis.sanity_results import from_sanity

    s, labels, rho, sim = _three_clips_two_classes()
    expected = {}
    for c, name in ((0, "a"), (2, "c")):
        clips = [k for k in range(3) if labels[k] == c]
        expected[name] = (len(clips), [sum(rho[step, k] for k in clips) / len(clips) for step in range(3)],
                          [sum(sim[step, k] for k in clips) / len(clips) for step in range(3)])
    info = SimpleNamespace(id=7, key="k", name="m · split", model="m", checkpoint_sha256="cd" * 32, classes=("a", "b", "c"))
    checks = from_sanity(s, info, sanity.Budget(clips=3), labels)
    got = {c.name: c for c in checks.randomisation_per_class}
    assert sorted(got) == ["a", "c"]
    for name, (n, r, m) in expected.items():
        assert got[name].clips == n
        np.testing.assert_allclose(got[name].spearman, r)
        np.testing.assert_allclose(got[name].ssim, m)
    assert got["a"].decorrelated == 1 and got["c"].decorrelated == 2
    # The report's table: one row per class, the values with every block random and the step they changed at.
    rows = {r[0]: r for r in sanity.randomisation_class_rows(s)}
    assert rows["a"] == ["a", "1", "0.200", "0.100", "pass", "2", "body"]
    assert rows["c"][:4] == ["c", "2", f"{expected['c'][1][2]:.3f}", f"{expected['c'][2][2]:.3f}"]
    assert rows["c"][4:] == ["pass", "3", "stem"]
    assert sanity.to_dict(s)["randomisation_per_class"][0]["class"] == "a"


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
    assert {"sanity_randomisation.md", "sanity_randomisation_classes.csv", "sanity_randomisation_classes.md", "sanity_reversal.csv", "sanity_faithfulness.tex", "sanity_randomisation.png",
            "sanity_faithfulness.svg"} <= names
    assert (out / "sanity.md").read_text().count("\n") == 2 + 3
    per_class = (out / run["folder"] / "sanity_randomisation_classes.csv").read_text().splitlines()
    assert per_class[0].startswith("class,clips,spearman_all_random") and len(per_class) == 1 + 2
    assert checked[0]["randomisation_per_class"][0]["spearman_all_random"] == "0.450"  # (0.9 / 2) of its one clip
    assert "Sanity checks" in (out / "index.html").read_text()
    assert json.loads((out / "metrics.json").read_text())["sanity"]["budget"]["clips"] == 2
