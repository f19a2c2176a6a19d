"""``cabinlens report``: every table, figure and prediction of a project, in one folder.

    OUT/table1.{csv,md,tex}                      balanced top-1/top-5, all/common/rare, every model
    OUT/pairs.{csv,md,tex}                       every two models on the same clips: McNemar's test
    OUT/embeddings.{csv,md,tex}                  class separation in each model's embedding
    OUT/tsne_models_<n>.{png,svg}                Fig. 4: the models of one subset side by side
    OUT/explanations.{csv,md,tex}                Grad-CAM against the evidence files, where there are any
    OUT/sanity.{csv,md,tex}                      with ``sanity``: the sanity checks of each model's Grad-CAM
    OUT/<run>/sanity_{randomisation,randomisation_classes,reversal,faithfulness}.{csv,md,tex}, sanity_{randomisation,faithfulness}.{png,svg}
    OUT/<run>/table2.{csv,md,tex}                per-class report of one run
    OUT/<run>/{confusion,tsne,ward,recall_vs_frequency,confusions}.{png,svg}
    OUT/predictions.csv                          one row per sample and model, top-5 with scores, tags and note
    OUT/metrics.json, OUT/index.html             everything at once
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from cabinlens.engine.analysis import figures, sanity_report, tables
from cabinlens.engine.analysis.clip_notes import ClipNote, read_notes
from cabinlens.engine.analysis.embeddings import cached_tsne, cached_ward
from cabinlens.engine.analysis.explanations import cached_scores
from cabinlens.engine.analysis.metrics import Metrics, evaluate, softmax
from cabinlens.engine.analysis.model_compare import ModelComparison, comparable, compare_runs, same_clips
from cabinlens.engine.analysis.report_folder import check_replaceable
from cabinlens.engine.analysis.sanity import Budget
from cabinlens.engine.analysis.separability import Separability, separability
from cabinlens.engine.analysis.store import RunInfo, RunResults, Store
from cabinlens.engine.errors import InputError
from cabinlens.engine.explain.methods import map_words
from cabinlens.engine.io import atomic_path
from cabinlens.engine.data.vocabulary import boundary_tie, tie_note
from cabinlens.engine.wording import count


@dataclass
class RunReport:
    info: RunInfo
    folder: str
    results: RunResults  # read once: every table and figure of the run comes from it
    metrics: Metrics | None  # None for unlabelled runs (sweeps without annotations)
    separability: Separability | None = None  # of a labelled split run's embedding
    explanations: dict | None = None  # ``RunExplanations.summary``, when its videos have evidence files


def _slug(info: RunInfo) -> str:
    return f"run{info.id}_" + re.sub(r"[^A-Za-z0-9]+", "_", info.shown).strip("_")[:40]


def _write(path: Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return path


def _write_table(stem: Path, header: list[str], rows: list[list[str]], caption: str) -> None:
    """``stem.csv``, ``stem.md`` and ``stem.tex`` (booktabs, with ``caption``) of one table; an empty table's
    Markdown says its caption under it, so it does not look like a failure."""
    markdown = tables.to_markdown(header, rows) + ("" if rows else f"\n{caption}\n")
    for ext, text in (("csv", tables.to_csv(header, rows)), ("md", markdown),
                      ("tex", tables.to_latex(header, rows, caption))):
        _write(stem.with_name(f"{stem.name}.{ext}"), text)


def run_metrics(store: Store, info: RunInfo, results: RunResults | None = None) -> Metrics | None:
    """The run's metrics over its labelled results (None without any)."""
    results = results if results is not None else store.results(info.id)
    labelled = results.labels >= 0
    if not labelled.any():
        return None
    return evaluate(results.labels[labelled], results.logits[labelled], info.classes, info.train_counts)


def run_notes(info: RunInfo, metrics: Metrics | None) -> list[str]:
    """What a reader of a run's numbers must know: where common/rare come from, skipped rows, a chance-level hint."""
    notes = []
    if info.kind == "split":
        source = info.notes.get("train_source", "")
        if any(info.train_counts.values()):
            notes.append(f"common/rare by training frequency from {source or 'the training subset'}")
        else:
            notes.append("common/rare n/a: the dataset has no training subset (analyze --train-counts CSV gives the "
                         "training counts: the training annotation file, or a label,count CSV)")
    tie = boundary_tie(info.train_counts, metrics.common, metrics.rare) if metrics is not None else ()
    if tie:
        notes.append(tie_note(info.train_counts, tie))
    skipped = info.notes.get("skipped", [])
    if skipped:
        shown = "; ".join(f"line {line}: {fid}: {why}" for line, fid, why in skipped[:5])
        notes.append(f"{count(len({row[0] for row in skipped}), 'row')} skipped (--skip-invalid): {shown}"
                     + (" ..." if len(skipped) > 5 else ""))
    if metrics is not None and metrics.n_samples >= 20 and metrics.top1["all"] is not None:
        known = len([c for c in metrics.per_class if c.support > 0]) or 1
        if metrics.top1["all"] <= 1.5 / known:
            notes.append(f"balanced top-1 {100 * metrics.top1['all']:.1f}% is at chance level for {known} classes: "
                         "was the model trained on these labels, with the same class names in the same order "
                         "(cabinlens models inspect shows its classes)?")
    return notes


def check_reportable(project: str | Path, out: str | Path, figures_too: bool = True) -> None:
    """Refuse before writing anything: no project, a project without results, an output that is not a folder
    CabinLens may fill (a file; a folder with other things than a report; an earlier report holding files
    this report would not write)."""
    project, out = Path(project), Path(out)
    if not project.is_file():
        raise InputError(project, "no such project file" if not project.exists() else "is not a project file")
    with Store(project, readonly=True) as store:
        runs = store.runs()
    if not any(info.done for info in runs):
        what = f"its {len(runs)} run(s) have" if runs else "it has no runs, so it has"
        raise InputError(project, f"has no results yet ({what} no analysed samples): run cabinlens analyze first")
    if out.exists() and not out.is_dir():
        raise InputError(out, "is a file; --out needs a folder (new, empty, or a previous report)")
    if out.is_dir() and any(out.iterdir()) and not (out / "metrics.json").is_file():
        raise InputError(out, "is a folder with other files, not a previous report; give a new or empty folder")
    if out.is_dir():
        check_replaceable(out, figures_too)


def write_report(project: str | Path, out: str | Path, *, figures_too: bool = True,
                 progress: Callable[[int, int, str], None] | None = None, sanity: Budget | None = None,
                 device: str = "auto") -> dict:
    """Write the report of every run in ``project`` into ``out``; returns the metrics as a dict.
    ``progress(done, total, what)`` hears of each step (one per run, and the tables before them).
    ``sanity``: also run the sanity checks of each model's Grad-CAM with that clip budget on ``device``
    (``engine.analysis.sanity``; this loads the models again, so it is off by default).

    The report is written into a hidden folder beside ``out`` and takes ``out``'s place only when
    complete, so a failed report leaves a previous one as it was and no half-written folder; an earlier
    report holding files this one would not write is refused (``report_folder``), never deleted.
    """
    check_reportable(project, out, figures_too)
    out = Path(out)
    partial = out.with_name(f".{out.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        summary = _write_report(project, partial, figures_too, progress, sanity, device)
        old = out.with_name(f".{out.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if out.exists():
            out.rename(old)
        partial.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return summary


def _write_report(project: str | Path, out: Path, figures_too: bool,
                  progress: Callable[[int, int, str], None] | None, sanity: Budget | None = None,
                  device: str = "auto") -> dict:
    step = progress or (lambda _done, _total, _what: None)
    with Store(project) as store:  # writable: t-SNE and Ward are cached in it
        step(0, 1, "metrics")
        reports = []
        for info in store.runs():
            if info.done > 0:
                results = store.results(info.id)
                reports.append(RunReport(info, _slug(info), results, run_metrics(store, info, results)))
        total = len(reports) + 2
        split_rows = [(f"{r.info.shown} ({r.info.name.split(': ', 1)[-1]})", r.metrics) for r in reports
                      if r.metrics is not None and r.info.kind == "split"]
        t1 = tables.table1(split_rows)
        _write_table(out / "table1", tables.TABLE1_HEADER, t1, "Balanced top-1 and top-5 accuracy (%)")
        for r in reports:
            if r.metrics is not None and r.info.kind == "split":
                r.separability = separability(r.results.features, r.results.labels)
                scored = cached_scores(store, r.info, r.results)
                r.explanations = scored.summary if scored.clips or scored.problems else None
        explanation_rows = tables.explanations([(r.info.id, r.info.name, r.explanations) for r in reports
                                                if r.explanations is not None and r.explanations["clips"]])
        evidence_problems = sorted({p for r in reports if r.explanations for p in r.explanations["problems"]})
        _write_table(out / "explanations", tables.EXPLANATIONS_HEADER, explanation_rows,
                     "The map of the true class (Grad-CAM, or the run's attention method) against the evidence")
        embedding_rows = tables.embeddings([(r.info.id, r.info.name, r.separability) for r in reports
                                            if r.separability is not None])
        _write_table(out / "embeddings", tables.EMBEDDINGS_HEADER, embedding_rows, "Class separation in each model's embedding")
        step(1, total, "models side by side")
        fig4 = _side_by_side(store, reports, out) if figures_too else []
        pairs = model_pairs(reports)
        pair_rows = tables.pairs(pairs)
        _write_table(out / "pairs", tables.PAIRS_HEADER, pair_rows, "Two models on the same clips (McNemar's exact test)"
                     + ("" if pair_rows else ": none here; it needs runs of two different checkpoints over the same clips "
                                              "(runs of one checkpoint, with another map method, predict the same)"))
        for k, r in enumerate(reports):
            step(2 + k, total, r.info.name)
            folder = out / r.folder
            folder.mkdir(exist_ok=True)
            if r.metrics is not None:
                _write_table(folder / "table2", tables.TABLE2_HEADER, tables.table2(r.metrics),
                             f"Per-class results of {r.info.shown}")
            if figures_too:
                _figures(store, r, folder)
        checked = sanity_report.write_checks(project, store, [(r.info, r.results, r.folder) for r in reports], out,
                                             sanity, device, figures_too, step, _write_table) if sanity else []
        notes = read_notes(store)
        _write(out / "predictions.csv", _predictions(store, reports, notes))
    step(total, total, "done")
    summary = {
        "project": str(project),
        "runs": [{"id": r.info.id, "name": r.info.name, "model": r.info.model, "method": r.info.cam_mode,
                  "layer": r.info.cam_layer, "kind": r.info.kind,
                  "samples": r.info.done, "total": r.info.total, "folder": r.folder,
                  "metrics": r.metrics.to_dict() if r.metrics else None,
                  "notes": run_notes(r.info, r.metrics), "skipped": r.info.notes.get("skipped", []),
                  "separability": asdict(r.separability) if r.separability else None,
                  "explanations": r.explanations} for r in reports],
        "pairs": [dict(zip(tables.PAIRS_HEADER, row, strict=True)) for row in pair_rows],
    }
    if sanity:
        from cabinlens.engine.analysis.sanity import to_dict

        summary["sanity"] = {"budget": asdict(sanity), "runs": [to_dict(s) for s in checked]}
    _write(out / "metrics.json", json.dumps(summary, indent=1) + "\n")
    _write(out / "index.html", _html(reports, t1, pair_rows, embedding_rows, fig4, explanation_rows, evidence_problems, out,
                                     list(notes.values()), sanity_report.html_section(checked, sanity, _html_table) if sanity else []))
    return summary


def describe_explanations(run: dict) -> str | None:
    """One line on where a run's Grad-CAM fell, for the terminal (None without evidence files)."""
    e = run.get("explanations")
    if not e:
        return None
    method = run.get("method", "clip")
    what = map_words(method)
    if not e["clips"]:
        return f"{run['name']}: {what} not scored: {'; '.join(e['problems'])}"
    pct = lambda v: "n/a" if v is None else f"{100 * v:.0f}%"  # noqa: E731
    lift = "n/a" if e["lift"] is None else f"{e['lift']:.2f}"
    unused = f"; {len(e['problems'])} evidence file(s) not used, e.g. {e['problems'][0]}" if e["problems"] else ""
    return (f"{run['name']}: {what} peak on the evidence in {pct(e['pointing'])} of frames (right clips "
            f"{pct(e['pointing_right'])}, wrong {pct(e['pointing_wrong'])}; evidence area {pct(e['area'])}), "
            f"lift {lift}{unused}")


def describe_pair(pair: dict) -> str:
    """One line for a row of ``summary["pairs"]``, for the terminal."""
    return (f"run {pair['run_a']} {pair['model_a']} vs run {pair['run_b']} {pair['model_b'].split(': ', 1)[0]} "
            f"on {pair['shared_clips']} shared clips: "
            f"balanced top-1 {pair['delta_points']} points; right for one only {pair['only_a_right']} vs "
            f"{pair['only_b_right']} clips, McNemar p = {pair['mcnemar_p']}")


def model_pairs(reports: list[RunReport]) -> list[ModelComparison]:
    """Every two split runs over the same clips, once each (the earlier run first)."""
    split = [r for r in reports if r.info.kind == "split"]
    out = []
    for i, a in enumerate(split):
        for b in split[i + 1:]:
            if comparable(a.info, b.info):
                out.append(compare_runs(a.info, b.info, a.results, b.results))
    return out


def _side_by_side(store: Store, reports: list[RunReport], out: Path) -> list[str]:
    """Fig. 4 for every subset that two or more models analysed: their t-SNEs side by side."""
    labelled = {r.info.id: r for r in reports if r.separability is not None and r.info.done >= 4}
    stems = []
    for group in same_clips([labelled[i].info for i in labelled]):
        if len(group) < 2:
            continue
        panels = []
        models = [info.shown for info in group]
        for info in group:
            name = info.shown + (f" (run {info.id})" if models.count(info.shown) > 1 else "")
            results = labelled[info.id].results
            indices, points = cached_tsne(store, info.id, results=results)
            labels = results.labels[np.searchsorted(results.indices, indices)]
            panels.append((f"{name} · {labelled[info.id].separability.describe()}", points, labels))
        stem = f"tsne_models_{len(stems) + 1}"
        figures.save(figures.embeddings_side_by_side(panels, group[0].classes, group[0].name.split(": ", 1)[-1]),
                     out / stem)
        stems.append(stem)
    return stems


def _figures(store: Store, r: RunReport, folder: Path) -> None:
    title = r.info.shown
    m = r.metrics
    if m is not None:
        figures.save(figures.confusion(m, title), folder / "confusion")
        figures.save(figures.recall_vs_frequency(m, title), folder / "recall_vs_frequency")
        if m.top_confusions(1):
            figures.save(figures.top_confusions(m, title), folder / "confusions")
    results = r.results
    if len(results.indices) >= 4:
        indices, points = cached_tsne(store, r.info.id, results=results)
        labels = results.labels[np.searchsorted(results.indices, indices)]
        figures.save(figures.embedding(points, labels, r.info.classes, title), folder / "tsne")
    if m is not None and len(set(results.labels[results.labels >= 0].tolist())) >= 2:
        z, names = cached_ward(store, r.info.id, results)
        figures.save(figures.ward_dendrogram(z, names, title), folder / "ward")


def _predictions(store: Store, reports: list[RunReport], notes: dict | None = None) -> str:
    """One row per sample and model; ``tags`` (joined by ', ') and ``note`` are the user's, per clip."""
    notes = notes or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["model", "run", "file_id", "frame_start", "frame_end", "ground_truth"]
    for k in range(1, 6):
        header += [f"top{k}", f"score{k}"]
    writer.writerow(header + ["tags", "note"])
    for r in reports:
        samples = store.samples(r.info.id)
        results = r.results
        probs = softmax(results.logits)
        order = np.argsort(-probs, axis=1, kind="stable")[:, :5]
        for j, idx in enumerate(results.indices):
            s = samples[int(idx)]
            row = [r.info.shown, r.info.id, s.file_id, s.frame_start, s.frame_end, s.label_name]
            for c in order[j]:
                row += [r.info.classes[c], f"{probs[j, c]:.4f}"]
            tagged = notes.get((s.file_id, s.frame_start, s.frame_end))
            writer.writerow(row + ([", ".join(tagged.tags), tagged.note] if tagged else ["", ""]))
    return buffer.getvalue()


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _tagged_clips(notes: list[ClipNote]) -> list[str]:
    """The section on the clips a user tagged or wrote a note on in the window, counted per tag."""
    if not notes:
        return ["<h2>Tagged clips</h2><p>No clip is tagged or annotated (tag clips in the window's Clips list).</p>"]
    per_tag: dict[str, int] = {}
    for n in notes:
        for t in n.tags:
            per_tag[t] = per_tag.get(t, 0) + 1
    counts = ", ".join(f"{html.escape(t)} ({k})" for t, k in sorted(per_tag.items(), key=lambda x: (-x[1], x[0])))
    rows = [[n.file_id, str(n.frame_start), str(n.frame_end), ", ".join(n.tags), n.note] for n in notes]
    return [f"<h2>Tagged clips</h2><p>{count(len(notes), 'clip')} tagged or annotated"
            + (f"; tags: {counts}" if counts else "") + ". Their tags and notes are also in predictions.csv.</p>",
            _html_table(["session", "frame start", "frame end", "tags", "note"], rows)]


def _html(reports: list[RunReport], t1: list[list[str]], pairs: list[list[str]], embedding_rows: list[list[str]],
          fig4: list[str], explanation_rows: list[list[str]], evidence_problems: list[str], out: Path,
          tagged: list[ClipNote] | None = None, sanity: list[str] | None = None) -> str:
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>CabinLens report</title><style>",
             "body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;font-size:12px}",
             "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:first-child{text-align:left}",
             "img{max-width:100%;border:1px solid #eee;margin:4px 0}</style></head><body>",
             "<h1>CabinLens report</h1><h2>Table I: balanced accuracy (%)</h2>",
             _html_table(tables.TABLE1_HEADER, t1),
             "<p>Files: <a href='table1.csv'>CSV</a>, <a href='table1.md'>Markdown</a>, <a href='table1.tex'>LaTeX</a>, "
             "<a href='predictions.csv'>predictions.csv</a>, <a href='metrics.json'>metrics.json</a></p>",
             "<h2>Two models on the same clips</h2>"]
    if pairs:
        parts += ["<p>Balanced top-1 (%) of each on the clips both analysed; classes where each has the higher recall; "
                  "clips only one of them gets right, with McNemar's exact test of that split.</p>",
                  _html_table(tables.PAIRS_HEADER, pairs),
                  "<p>Files: <a href='pairs.csv'>CSV</a>, <a href='pairs.md'>Markdown</a>, <a href='pairs.tex'>LaTeX</a></p>"]
    else:
        parts.append("<p>No two models were analysed on the same clips.</p>")
    parts += ["<h2>What the models learned: class separation in the embedding</h2>",
              "<p>Silhouette (1: tight, separate classes; 0: overlapping) and leave-one-out k-nearest-neighbour "
              "balanced accuracy (%), in each model's embedding itself rather than its t-SNE picture.</p>",
              _html_table(tables.EMBEDDINGS_HEADER, embedding_rows),
              "<p>Files: <a href='embeddings.csv'>CSV</a>, <a href='embeddings.md'>Markdown</a>, "
              "<a href='embeddings.tex'>LaTeX</a></p>"]
    parts += [f"<img src='{stem}.png' alt='t-SNE per model'>" for stem in fig4]
    parts.append("<h2>Where the models looked: their maps against the evidence</h2>")
    if explanation_rows:
        parts += ["<p>The map of the true class (Grad-CAM; a run named with an attention method, such as "
                  "<i>(attngrad)</i>, holds that method's maps) on every sampled frame with evidence (the files beside the "
                  "videos): how often its peak lies on the evidence (pointing, %; by chance about the evidence "
                  "area), its share of the map's mass there (%), the evidence's share of the seen area (%), "
                  "their ratio (lift: 1 ignores the evidence), and its share on distractors (%).</p>",
                  _html_table(tables.EXPLANATIONS_HEADER, explanation_rows),
                  "<p>Files: <a href='explanations.csv'>CSV</a>, <a href='explanations.md'>Markdown</a>, "
                  "<a href='explanations.tex'>LaTeX</a></p>"]
    elif not evidence_problems:
        parts.append("<p>No evidence files beside the videos (<code>&lt;video&gt;.evidence.csv</code>; the "
                     "synthetic dataset writes them), so the explanations are not scored.</p>")
    if evidence_problems:
        parts.append("<p>Evidence files not used (their clips are not scored):</p><ul>"
                     + "".join(f"<li>{html.escape(p)}</li>" for p in evidence_problems) + "</ul>")
    parts += sanity or []
    parts += _tagged_clips(tagged or [])
    for r in reports:
        parts.append(f"<h2>{html.escape(r.info.name)}</h2><p>{r.info.done} of {r.info.total} samples analysed.</p>")
        notes = run_notes(r.info, r.metrics)
        if notes:
            parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
        skipped = r.info.notes.get("skipped", [])
        if skipped:
            parts.append("<h3>Rows skipped (--skip-invalid)</h3>"
                         + _html_table(["CSV line", "file id", "why"], [[str(a), b, c] for a, b, c in skipped]))
        if r.metrics is not None:
            if r.metrics.absent:
                parts.append(f"<p>Classes without samples in this subset: {html.escape(', '.join(r.metrics.absent))}</p>")
            parts.append("<h3>Table II</h3>" + _html_table(tables.TABLE2_HEADER, tables.table2(r.metrics)))
        for stem in ("confusion", "confusions", "recall_vs_frequency", "tsne", "ward", "sanity_randomisation",
                     "sanity_faithfulness"):
            if (out / r.folder / f"{stem}.png").exists():
                parts.append(f"<h3>{stem.replace('_', ' ')}</h3><img src='{r.folder}/{stem}.png' alt='{stem}'>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
