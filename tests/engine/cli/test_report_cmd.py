"""``cabinlens report`` into the folder of an earlier report: a user's files there are never deleted."""

from __future__ import annotations

import json

from cabinlens.engine.analysis.report_folder import figures_of, foreign_files
from cabinlens.engine.cli.main import main


def report(capsys, project, out, *more) -> tuple[int, str, str]:
    code = main(["report", str(project), "--out", str(out), *more])
    got = capsys.readouterr()
    return code, got.out, got.err


def test_a_report_with_figures_holds_only_files_a_report_writes(own_project, tmp_path, capsys):
    out = tmp_path / "rep"
    code, printed, err = report(capsys, own_project, f"{out}/")
    assert code == 0, err
    assert printed.rstrip().endswith(f"report: {out / 'index.html'}")  # one slash, though --out ends in one
    assert foreign_files(out) == []
    assert any(name.endswith("/confusion.png") for name in figures_of(out))
    assert report(capsys, own_project, out)[0] == 0  # an earlier report of its own is replaced


def test_files_a_user_added_to_a_report_folder_are_never_deleted(own_project, tmp_path, capsys):
    out = tmp_path / "rep"
    assert report(capsys, own_project, out, "--no-figures")[0] == 0
    (out / "my_notes.md").write_text("notes")
    (out / "figs_for_paper").mkdir()
    (out / "figs_for_paper" / "fig.txt").write_text("fig")
    code, _, err = report(capsys, own_project, out, "--no-figures")
    assert code == 2 and err.count("\n") == 1
    assert f"{out}: holds 2 files a report does not write (figs_for_paper/fig.txt, my_notes.md)" in err
    assert "move them out, or give a new folder" in err
    assert (out / "my_notes.md").read_text() == "notes" and (out / "figs_for_paper" / "fig.txt").read_text() == "fig"
    assert json.loads((out / "metrics.json").read_text())["runs"]  # the earlier report is untouched


def test_no_figures_does_not_delete_an_earlier_reports_figures(own_project, tmp_path, capsys):
    out = tmp_path / "rep"
    assert report(capsys, own_project, out)[0] == 0
    figures = figures_of(out)
    code, _, err = report(capsys, own_project, out, "--no-figures")
    assert code == 2 and err.count("\n") == 1
    assert f"figures of an earlier report ({', '.join(figures[:5])} and {len(figures) - 5} more)" in err
    assert "that --no-figures would delete: leave out --no-figures, or give a new folder" in err
    assert figures_of(out) == figures
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".rep")]
