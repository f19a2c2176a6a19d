"""The paper's tables as plain rows, written as CSV, Markdown and LaTeX (booktabs).

Table I: balanced top-1 / top-5 accuracy for all, common and rare classes, one row per model.
Table II: per class precision, recall, F1, support, training count and the most common confusion.
Pairs: two models on the same clips, balanced top-1 of each, per-class wins and McNemar's test.
Embeddings: how well each model's embedding separates the classes (silhouette, k-NN).
Explanations: how each model's Grad-CAM falls on the evidence (pointing game, energy share).
A value that does not exist (a class without samples) is written as "n/a", never as 0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from cabinlens.engine.analysis.metrics import Metrics
from cabinlens.engine.analysis.model_compare import ModelComparison
from cabinlens.engine.analysis.separability import Separability

TABLE1_HEADER = ["model", "samples", "top1_all", "top1_common", "top1_rare", "top5_all", "top5_common", "top5_rare"]
TABLE2_HEADER = ["class", "group", "train_count", "support", "precision", "recall", "f1", "top5_recall",
                 "most_confused_with", "confused_share"]


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.2f}"


def table1(rows: Sequence[tuple[str, Metrics]]) -> list[list[str]]:
    out = []
    for name, m in rows:
        out.append([name, str(m.n_samples)] + [_pct(m.top1[g]) for g in ("all", "common", "rare")]
                   + [_pct(m.top5[g]) for g in ("all", "common", "rare")])
    return out


PAIRS_HEADER = ["run_a", "model_a", "run_b", "model_b", "shared_clips", "top1_all_a", "top1_all_b", "delta_points",
                "classes_a_higher", "classes_b_higher", "classes_equal", "only_a_right", "only_b_right", "mcnemar_p"]


def pairs(comparisons: Sequence[ModelComparison]) -> list[list[str]]:
    """One row per pair of models analysed on the same clips."""
    out = []
    for c in comparisons:
        a, b = c.mine_metrics.top1["all"], c.theirs_metrics.top1["all"]
        p = c.p_value
        out.append([str(c.mine_id), c.mine, str(c.theirs_id), c.theirs, str(c.shared), _pct(a), _pct(b),
                    "n/a" if a is None or b is None else f"{100 * (a - b):+.2f}", *map(str, c.tally()),
                    str(c.only_mine), str(c.only_theirs), "n/a" if p is None else f"{p:.3g}"])
    return out


EMBEDDINGS_HEADER = ["run", "model", "clips", "silhouette", "knn_k", "knn_balanced"]


def embeddings(rows: Sequence[tuple[int, str, Separability]]) -> list[list[str]]:
    """How well each model's embedding separates the classes: (run id, name, separability) per row."""
    return [[str(run), name, str(s.clips), "n/a" if s.silhouette is None else f"{s.silhouette:.3f}", str(s.k),
             _pct(s.knn_balanced)] for run, name, s in rows]


EXPLANATIONS_HEADER = ["run", "model", "clips", "pointing", "pointing_right", "pointing_wrong", "energy_on_evidence",
                       "evidence_area", "lift", "energy_on_distractor"]


def explanations(rows: Sequence[tuple[int, str, dict]]) -> list[list[str]]:
    """Grad-CAM against the evidence per run: (run id, name, ``RunExplanations.summary``) per row;
    shares in %, lift as a ratio (1: the map ignores the evidence)."""
    return [[str(run), name, str(s["clips"]), _pct(s["pointing"]), _pct(s["pointing_right"]), _pct(s["pointing_wrong"]),
             _pct(s["energy"]), _pct(s["area"]), "n/a" if s["lift"] is None else f"{s['lift']:.2f}", _pct(s["distractor"])]
            for run, name, s in rows]


def table2(m: Metrics) -> list[list[str]]:
    order = sorted(m.per_class, key=lambda c: (-c.train_count, c.name))
    return [[c.name, c.group, str(c.train_count), str(c.support), _pct(c.precision), _pct(c.recall), _pct(c.f1),
             _pct(c.top5_recall), c.confused_with or ("n/a" if c.support == 0 else "-"), _pct(c.confused_share)]
            for c in order]


def to_csv(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def to_markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"}


def _tex(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def to_latex(header: list[str], rows: list[list[str]], caption: str) -> str:
    numeric = [all(_is_number(r[i]) for r in rows) and rows for i in range(len(header))]
    cols = "".join("r" if n else "l" for n in numeric)
    lines = [r"\begin{table}[t]", r"\centering", rf"\caption{{{_tex(caption)}}}", rf"\begin{{tabular}}{{{cols}}}",
             r"\toprule", " & ".join(_tex(h) for h in header) + r" \\", r"\midrule"]
    lines += [" & ".join(_tex(c) for c in row) + r" \\" for row in rows]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return text == "n/a"
    return True
