"""The Clips list's filters and sort over 10,000 clips: numpy masks and one argsort, checked
against a plain Python recount; the table model lists exactly those rows."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cabinlens.widgets.clip_query import COLUMNS, ClipColumns, ClipQuery, ordered, sort_key

N = 10_000


@pytest.fixture(scope="module")
def run():
    """An analysis-like object of 10,000 clips over 5 classes and 40 sessions (arrays, no videos)."""
    rng = np.random.default_rng(0)
    classes = ("eating", "drinking", "reading_magazine", "closing_door_outside", "opening_bottle")
    labels = rng.integers(0, 5, N)
    predicted = np.where(rng.random(N) < 0.7, labels, rng.integers(0, 5, N))
    samples = [SimpleNamespace(file_id=f"vp{k % 40}/run1.ids_1", video=f"/nowhere/{k % 40}.mp4",
                               frame_start=90 * (k // 40), frame_end=90 * (k // 40) + 90) for k in range(N)]
    near = [SimpleNamespace(correct=k, wrong=k + 1) for k in range(0, 200, 2)]
    return SimpleNamespace(classes=classes, labels=labels, predicted=predicted, confidence=rng.random(N),
                           samples=samples, near_misses=near)


def test_masks_match_a_recount(run):
    cols = ClipColumns.of(run)
    assert len(cols.sessions) == 40 and cols.key(41) == ("vp1/run1.ids_1", 90, 180)
    tags = [("odd",) if k % 2 else () for k in range(N)]
    q = ClipQuery(true=1, outcome="wrong", confidence=(0.25, 0.75))
    want = [k for k in range(N) if run.labels[k] == 1 and run.predicted[k] != 1 and 0.25 <= run.confidence[k] <= 0.75]
    assert np.nonzero(q.mask(cols, tags))[0].tolist() == want
    q = ClipQuery(predicted=0, session=cols.sessions.index("vp3/run1.ids_1"), tag="odd")
    want = [k for k in range(N) if run.predicted[k] == 0 and k % 40 == 3 and k % 2]
    assert np.nonzero(q.mask(cols, tags))[0].tolist() == want
    assert np.nonzero(ClipQuery(near_miss=True).mask(cols, tags))[0].tolist() == list(range(200))
    assert np.nonzero(ClipQuery(tag="").mask(cols, tags, scope=np.arange(10)))[0].tolist() == [0, 2, 4, 6, 8]


def test_sorting_is_stable_and_reverses(run):
    cols = ClipColumns.of(run)
    keep = np.ones(N, dtype=bool)
    rows = ordered(keep, sort_key(cols, COLUMNS.index("Ground truth"), [()] * N, [""] * N))
    names = [run.classes[run.labels[k]] for k in rows]
    assert names == sorted(names)
    first = [k for k in rows if names[0] == run.classes[run.labels[k]]]
    assert first == sorted(first)  # ties keep the analysis's order
    rows = ordered(keep, sort_key(cols, COLUMNS.index("Conf."), [()] * N, [""] * N), descending=True)
    assert np.all(np.diff(run.confidence[rows]) <= 0)


def test_the_table_lists_the_filtered_rows(qtbot, run):
    from cabinlens.widgets.clip_list import ClipList

    clips = ClipList()
    qtbot.addWidget(clips)
    clips.resize(900, 500)
    clips.show()
    clips.show_clips(run, [])
    assert clips.count() == N and clips.model.columnCount() == len(COLUMNS)
    clips.filters.true.setCurrentText("drinking")
    clips.filters.outcome.setCurrentText("right")
    want = [k for k in range(N) if run.labels[k] == 1 and run.predicted[k] == 1]
    assert clips.positions() == want
    index = clips.model.index(0, COLUMNS.index("Predicted"))
    assert clips.model.data(index) == "drinking"
    clips.table.sortByColumn(COLUMNS.index("Conf."), Qt.SortOrder.AscendingOrder)
    assert np.all(np.diff(run.confidence[clips.positions()]) >= 0)
    with qtbot.waitSignal(clips.notesEdited) as edited:
        clips.select_rows([0])
        clips.tags.setText("a, b")
        clips.note.setText("n")
        clips.save.click()
    ((key, tags, note),) = edited.args[0]
    assert key == ClipColumns.of(run).key(clips.position(0)) and tags == ("a", "b") and note == "n"
