"""The sanity checks in ``cabinlens report``: one split run per model, its tables, figures and page section."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from cabinlens.engine.analysis import figures, sanity, sanity_figures
from cabinlens.engine.analysis.sanity import Budget, RunSanity
from cabinlens.engine.analysis.sanity_results import SURVIVAL
from cabinlens.engine.analysis.store import RunInfo, RunResults, Store


def write_checks(project, store: Store, runs: list[tuple[RunInfo, RunResults, str]], out: Path, budget: Budget,
                 device: str, figures_too: bool, step: Callable[[int, int, str], None], write_table: Callable) -> list[RunSanity]:
    """Run the checks of one split run per model (``runs``: info, results, report folder); write their
    tables with ``write_table(stem, header, rows, caption)`` and, with ``figures_too``, their figures."""
    by_id = {info.id: (info, results, name) for info, results, name in runs}
    chosen = [by_id[i.id] for i in sanity.runs_to_check(store, [info for info, _, _ in runs]) if i.id in by_id]
    checked = []
    for k, (info, results, name) in enumerate(chosen):
        step(k, len(chosen), f"sanity checks: {info.shown}")
        s = sanity.check_run(project, info, results, store.samples(info.id), device=device, budget=budget)
        checked.append(s)
        folder = out / name
        folder.mkdir(exist_ok=True)
        for stem, header, rows, caption in (
                ("sanity_randomisation", sanity.RANDOMISATION_HEADER, sanity.randomisation_rows(s),
                 "Cascading randomisation: similarity of the maps to the trained model's"),
                ("sanity_randomisation_classes", sanity.RANDOMISATION_CLASS_HEADER, sanity.randomisation_class_rows(s),
                 ("Cascading randomisation per class: mean similarity with every block random, and the first step "
                  f"at which both fall below {SURVIVAL:g}")),
                ("sanity_reversal", sanity.REVERSAL_HEADER, sanity.reversal_rows(s), "Time reversal per class (%)"),
                ("sanity_faithfulness", sanity.FAITHFULNESS_HEADER, sanity.faithfulness_rows(s),
                 "Deletion and insertion in space-time: area under the curve")):
            write_table(folder / stem, header, rows, f"{caption}, {info.shown}")
        if figures_too and s.randomisation is not None:
            figures.save(sanity_figures.randomisation(s.randomisation, info.shown), folder / "sanity_randomisation")
        if figures_too and s.faithfulness is not None:
            figures.save(sanity_figures.faithfulness(s.faithfulness, info.shown), folder / "sanity_faithfulness")
    write_table(out / "sanity", sanity.SUMMARY_HEADER, [sanity.summary_row(s) for s in checked],
                 "Sanity checks of each run's maps (Grad-CAM, or its attention method)")
    return checked


def html_section(checked: list[RunSanity], budget: Budget, html_table: Callable) -> list[str]:
    """The report page's section on the checks (``html_table(header, rows)`` draws a table)."""
    parts = ["<h2>Can the maps be trusted? Sanity checks</h2>",
             f"<p>On {budget.clips} right clips per model (spread over classes, with evidence files first) and up to "
             f"{budget.per_class} clips of every class with a time-reversed partner, seed {budget.seed}. "
             "Cascading randomisation (Adebayo et al. 2018): Spearman rank correlation and SSIM of the maps with "
             "the trained model's once every block is re-initialised; a method passes when both fall below "
             "0.5 (maps that survive explain the input, not the model) and the maps change already when the head "
             "alone is random (maps that stay the same, with both at 0.95 or more, do not depend on the class). "
             "Time reversal: share of clips of a "
             "reversible class (opening/closing, fastening/unfastening, entering/exiting ...) predicted as its "
             "partner when played backwards (%), and share whose per-time map moves with the reversal (%). "
             "Deletion and insertion (Petsiuk et al. 2018): area under the class probability as a share of the "
             "voxels is removed or put back in the order of the map, random blocks, the evidence boxes, or randomly "
             "moved boxes; a faithful map deletes below random and inserts above it.</p>",
             html_table(sanity.SUMMARY_HEADER, [sanity.summary_row(s) for s in checked]),
             "<p>Files: <a href='sanity.csv'>CSV</a>, <a href='sanity.md'>Markdown</a>, <a href='sanity.tex'>LaTeX</a>; "
             "per model: sanity_randomisation, sanity_randomisation_classes (per class), sanity_reversal (per class), "
             "sanity_faithfulness.</p>"]
    for s in checked:
        if s.problems:
            parts.append(f"<p>{html.escape(s.model)}: " + html.escape("; ".join(s.problems)) + "</p>")
    return parts
