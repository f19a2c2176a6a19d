"""Finding clips in the window: the Clips list filters every clip of the run (class, prediction,
session, right or wrong, confidence, near misses, tag), sorts by any column, and tags clips; the
tags are stored in the project and are there again after it is closed and reopened."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cabinlens.widgets.clip_query import COLUMNS
from projects import copy_project


@pytest.fixture
def mine(demo_data, tmp_path) -> Path:
    from cabinlens.engine.demo import PROJECT

    return copy_project(demo_data / PROJECT, tmp_path / "mine.cabinlens")


def open_in(qtbot, window, project: Path):
    window.player.sweep_sessions = False
    window.open_project(str(project))
    qtbot.waitUntil(lambda: window.analysis.data is not None and window.analysis.clips.model.cols is not None,
                    timeout=120000)
    return window.analysis


def listed(clips) -> list[int]:
    return clips.positions()


def test_filters_narrow_every_clip_of_the_run(qtbot, window, mine):
    panels = open_in(qtbot, window, mine)
    d, clips, bar = panels.data, panels.clips, panels.clips.filters
    n = len(d.labels)
    assert clips.count() == n and f"all {n} clips" in clips.title.text()
    k = int(np.bincount(d.labels).argmax())
    bar.true.setCurrentText(d.classes[k])
    assert listed(clips) == np.nonzero(d.labels == k)[0].tolist()
    bar.outcome.setCurrentText("wrong")
    assert listed(clips) == np.nonzero((d.labels == k) & (d.predicted != k))[0].tolist()
    assert f"class {d.classes[k]}, wrong" in clips.title.text()
    bar.reset()
    p = int(np.bincount(d.predicted).argmax())
    bar.predicted.setCurrentText(d.classes[p])
    bar.low.setValue(20)
    bar.high.setValue(60)
    want = (d.predicted == p) & (d.confidence >= 0.2 - 1e-9) & (d.confidence <= 0.6 + 1e-9)
    assert listed(clips) == np.nonzero(want)[0].tolist()
    bar.reset()
    session = d.samples[0].file_id
    bar.session.setCurrentText(session)
    assert listed(clips) == [i for i, s in enumerate(d.samples) if s.file_id == session]
    bar.reset()
    bar.near.setChecked(True)
    near = sorted({i for m in d.near_misses for i in (m.correct, m.wrong)})
    assert listed(clips) == near and near
    bar.clear.click()
    assert clips.count() == n
    # a panel's selection narrows the list; the filters apply within it; All clips widens it again
    true, pred, count, _ = d.metrics.top_confusions(1)[0]
    panels.confusion.view.cellClicked.emit(true, pred)
    assert clips.count() == count and clips.all.isVisibleTo(clips)
    bar.outcome.setCurrentText("right")
    assert clips.count() == 0
    bar.reset()
    clips.all.click()
    assert clips.count() == n and not window.state.selection


def test_any_column_sorts_and_double_click_opens(qtbot, window, mine):
    panels = open_in(qtbot, window, mine)
    d, clips = panels.data, panels.clips
    clips.table.sortByColumn(COLUMNS.index("Conf."), Qt.SortOrder.DescendingOrder)
    conf = d.confidence[listed(clips)]
    assert np.all(np.diff(conf) <= 0) and len(conf) == len(d.labels)
    clips.table.sortByColumn(COLUMNS.index("Ground truth"), Qt.SortOrder.AscendingOrder)
    names = [d.classes[d.labels[i]] for i in listed(clips)]
    assert names == sorted(names)
    clips.table.sortByColumn(COLUMNS.index("Session"), Qt.SortOrder.AscendingOrder)
    keys = [(d.samples[i].file_id, d.samples[i].frame_start) for i in listed(clips)]
    assert keys == sorted(keys)
    clips.filters.outcome.setCurrentText("wrong")  # a filter keeps the chosen order
    keys = [(d.samples[i].file_id, d.samples[i].frame_start) for i in listed(clips)]
    assert keys == sorted(keys) and all(d.labels[i] != d.predicted[i] for i in listed(clips))
    first = clips.position(0)
    for column in range(len(COLUMNS)):  # every column sorts (tags and notes too: empty ones together)
        clips.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
        assert sorted(listed(clips)) == sorted(np.nonzero(d.labels != d.predicted)[0].tolist())
    clips.table.sortByColumn(COLUMNS.index("Time"), Qt.SortOrder.AscendingOrder)
    first = clips.position(0)
    clips.table.doubleClicked.emit(clips.model.index(0, 1))
    s = d.samples[first]
    qtbot.waitUntil(lambda: window.state.session == s.file_id, timeout=30000)


def test_tags_and_notes_are_stored_and_survive_a_reopen(qtbot, window, mine, settings):
    from cabinlens.app.main_window import MainWindow
    from cabinlens.engine.analysis.clip_notes import read_notes
    from cabinlens.engine.analysis.store import Store

    panels = open_in(qtbot, window, mine)
    d, clips = panels.data, panels.clips
    clips.select_rows([0, 2])
    assert clips.save.text() == "Save to 2 clips"
    clips.tags.setText("hand occluded, relabel ,hand occluded")
    clips.note.setText("cup out of view")
    clips.save.click()
    chosen = [clips.position(0), clips.position(2)]
    keys = {(d.samples[i].file_id, d.samples[i].frame_start, d.samples[i].frame_end) for i in chosen}
    assert [clips.model.tags[i] for i in chosen] == [("hand occluded", "relabel")] * 2  # shown at once
    qtbot.waitUntil(lambda: panels.notes_writer.pending == 0, timeout=30000)
    with Store(mine, readonly=True) as store:
        stored = read_notes(store)
    assert set(stored) == keys and all(n.note == "cup out of view" for n in stored.values())
    clips.filters.tag.setCurrentText("relabel")
    assert sorted(listed(clips)) == sorted(chosen)
    clips.filters.tag.setCurrentText("(untagged)")
    assert clips.count() == len(d.labels) - 2
    clips.filters.reset()
    clips.select_rows([2])  # the editors show the current clip; emptying both removes its tags
    assert clips.tags.text() == "hand occluded, relabel" and clips.note.text() == "cup out of view"
    clips.tags.clear()
    clips.note.clear()
    clips.save.click()
    qtbot.waitUntil(lambda: panels.notes_writer.pending == 0, timeout=30000)
    window.close()  # closing finishes the writes

    again = MainWindow(settings)
    qtbot.addWidget(again)
    again.show()
    try:
        reopened = open_in(qtbot, again, mine)
        model = reopened.clips.model
        assert model.tags[chosen[0]] == ("hand occluded", "relabel") and model.notes[chosen[0]] == "cup out of view"
        assert model.tags[chosen[1]] == () and model.notes[chosen[1]] == ""
        assert reopened.clips.filters.tag.findText("relabel") >= 0
    finally:
        again.close()
