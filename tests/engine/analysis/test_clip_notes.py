"""Tags and notes of clips in the project: stored by the clip's identity, read back, migrated into
an older project, and shown by the report."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from cabinlens.engine.analysis.clip_notes import ClipNote, overlapping, parse_tags, read_notes, write_note, write_notes
from cabinlens.engine.analysis.store import SCHEMA_VERSION, Store
from projects import copy_project


@pytest.fixture
def project(val_project, tmp_path) -> Path:
    return copy_project(val_project, tmp_path / "copy.cabinlens")


def first_samples(project: Path, n: int = 2):
    with Store(project, readonly=True) as store:
        run = store.runs()[0]
        return run.id, store.samples(run.id)[:n]


def test_tags_are_parsed_as_a_user_types_them():
    assert parse_tags(" hard,occluded ,, hard , two  words") == ("hard", "occluded", "two words")
    assert parse_tags(["a", "a", " "]) == ("a",)


def test_tags_and_notes_survive_a_reopen_and_a_new_run_of_the_same_clips(project):
    run_id, (a, b) = first_samples(project)
    key_a = (a.file_id, a.frame_start, a.frame_end)
    key_b = (b.file_id, b.frame_start, b.frame_end)
    with Store(project) as store:
        written = write_note(store, key_a, ["hand occluded", "label?"], "  the cup is out of view ")
        assert written.note == "the cup is out of view" and written.tags == ("hand occluded", "label?")
        write_notes(store, [(key_b, ["label?"], "")])
        # a re-analysis is a new run over the same samples: the tags are keyed by the clip, not the run
        store.db.execute("DELETE FROM results WHERE run_id = ?", (run_id,))
        store.db.commit()
    with Store(project, readonly=True) as store:
        notes = read_notes(store)
    assert set(notes) == {key_a, key_b}
    assert notes[key_a] == ClipNote(*key_a, ("hand occluded", "label?"), "the cup is out of view", notes[key_a].updated)
    assert notes[key_b].tags == ("label?",) and notes[key_b].note == ""
    with Store(project) as store:  # no tags and no note: the clip's row goes
        write_note(store, key_b, [], "")
        assert set(read_notes(store)) == {key_a}


def test_an_older_project_gains_the_table_and_keeps_its_runs(project):
    with sqlite3.connect(project) as db:  # make it a schema 2 project, as CabinLens wrote them before tags
        db.execute("DROP TABLE clip_notes")
        db.execute("PRAGMA user_version = 2")
    db.close()
    with Store(project, readonly=True) as store:  # reading an old project: no tags, no error, nothing written
        assert read_notes(store) == {} and store.runs()
    with sqlite3.connect(project) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
    db.close()
    _, (a, _b) = first_samples(project)
    with Store(project) as store:  # opening it to write migrates it
        version = store.db.execute("PRAGMA user_version").fetchone()[0]
        assert version == SCHEMA_VERSION == 3
        write_note(store, (a.file_id, a.frame_start, a.frame_end), ["x"], "")
        assert len(store.runs()) == 1 and len(read_notes(store)) == 1


def test_overlapping_finds_the_clips_an_export_range_shows():
    n = ClipNote("vp1/run1", 100, 190, ("x",))
    notes = {n.key: n}
    assert overlapping(notes, "vp1/run1", 150, 400) == [n]
    assert overlapping(notes, "vp1/run1", 190, 400) == [] and overlapping(notes, "vp2/run1", 0, 1000) == []


def test_the_report_shows_tags_and_notes(project, tmp_path):
    from cabinlens.engine.analysis.report import write_report

    _, (a, _b) = first_samples(project)
    with Store(project) as store:
        write_note(store, (a.file_id, a.frame_start, a.frame_end), ["hand occluded", "relabel"], "cup <hidden>")
    out = tmp_path / "report"
    write_report(project, out, figures_too=False)
    with open(out / "predictions.csv") as f:
        rows = list(csv.DictReader(f))
    tagged = [r for r in rows if r["tags"]]
    assert len(tagged) == 1 and tagged[0]["file_id"] == a.file_id and int(tagged[0]["frame_start"]) == a.frame_start
    assert tagged[0]["tags"] == "hand occluded, relabel" and tagged[0]["note"] == "cup <hidden>"
    assert all(r["note"] == "" for r in rows if r is not tagged[0])
    page = (out / "index.html").read_text()
    assert "<h2>Tagged clips</h2>" in page and "1 clip tagged or annotated" in page
    assert "hand occluded (1)" in page and "cup &lt;hidden&gt;" in page
