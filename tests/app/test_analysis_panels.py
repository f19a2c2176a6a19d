"""The linked analysis panels on the demo project: clicks select clips, the player follows, filters,
sorting, model switching and exports."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QImage

SHOTS = Path(__file__).resolve().parents[1] / "screenshots" / "offscreen"  # not kept: the kept ones are on Xvfb


def test_the_first_models_test_run_is_shown_with_every_panel_filled(panels):
    d = panels.data
    assert d.model == "i3d_small" and d.name.endswith("test") and len(d.labels) == 241
    assert panels.confusion.view.order and panels.report.table.proxy.rowCount() == 34
    assert panels.report.models.proxy.rowCount() == 6  # Table I: every run of the project
    assert len(panels.dendrogram.leaves) == len(d.linkage_names) and panels.dendrogram.clusters
    assert len(panels.scatter.scatter.data) == 241 and panels.failures.pairs
    assert d.separability.clips == 241 and d.separability.describe() in panels.scatter.separation.text()
    table, col = panels.report.table, panels.report.columns.index("CAM on evidence")
    shown = {table.text(r, 0): table.value(r, col) for r in range(table.proxy.rowCount())}
    scored = [k for k, p in enumerate(d.pointing) if p is not None]
    assert len(scored) >= 25  # the demo's videos carry evidence files
    assert all(shown[d.classes[k]] == pytest.approx(d.pointing[k]) for k in scored)


def test_a_confusion_cell_click_lists_its_clips_and_one_opens_in_the_player(qtbot, window, panels):
    d = panels.data
    true, pred, count, _ = d.metrics.top_confusions(1)[0]
    view = panels.confusion.view
    centre = view.cell_centre(true, pred)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(int(centre.x()), int(centre.y())))
    want = [i for i in range(len(d.labels)) if d.classes[d.labels[i]] == true and d.classes[d.predicted[i]] == pred]
    assert list(window.state.selection) == want and len(want) == count
    assert panels.clips.count() == count and f"{count} clip(s)" in panels.clips.title.text()
    panels.clips.activate(0)
    s = d.samples[want[0]]
    qtbot.waitUntil(lambda: window.state.session == s.file_id and window.state.frame == (s.frame_start + s.frame_end) // 2,
                    timeout=30000)
    qtbot.waitUntil(lambda: window.video.labels.text().startswith(f"<b>frame {window.state.frame}</b>"), timeout=30000)
    assert window.state.track == d.run_id


def test_hover_shows_the_numbers_of_a_cell(panels):
    view = panels.confusion.view
    true, pred, count, share = panels.data.metrics.top_confusions(1)[0]
    cell = view.cell_at(view.cell_centre(true, pred))
    text = view.describe(*cell)
    assert f"true {true} → predicted {pred}: {count} clip(s)" in text and f"{share:.0%}" in text


def test_a_scatter_click_moves_the_player(qtbot, window, panels):
    d = panels.data
    i = int(np.argmax(d.points[:, 0]))  # the rightmost point: nothing overlaps it from the right
    window.analysis_docks[0].raise_()
    qtbot.waitUntil(lambda: window.video.canvas.pixmap is not None, timeout=30000)  # layout settled
    plot, scatter = panels.scatter.plot, panels.scatter.scatter
    plot.autoRange()
    qtbot.wait(300)
    scene_pos = panels.scatter.view.mapViewToScene(QPointF(*d.points[i]))
    under = [int(p.data()) for p in scatter.pointsAt(QPointF(*d.points[i]))]
    assert i in under
    i = under[0]  # where points overlap (a small dock), the click takes the first under the cursor
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=plot.mapFromScene(scene_pos))
    qtbot.waitUntil(lambda: window.state.selection == (i,), timeout=15000)
    s = d.samples[i]
    qtbot.waitUntil(lambda: window.state.session == s.file_id and window.state.frame == (s.frame_start + s.frame_end) // 2,
                    timeout=30000)


def test_a_scatter_box_selects_exactly_the_points_inside(panels, window):
    d = panels.data
    x0, x1 = np.percentile(d.points[:, 0], [20, 60])
    y0, y1 = np.percentile(d.points[:, 1], [20, 60])
    panels.scatter.view.boxSelected.emit(QRectF(QPointF(x0, y0), QPointF(x1, y1)))
    inside = np.nonzero((d.points[:, 0] >= x0) & (d.points[:, 0] <= x1) & (d.points[:, 1] >= y0) & (d.points[:, 1] <= y1))[0]
    assert list(window.state.selection) == inside.tolist() and len(inside) > 0
    assert panels.clips.count() == len(inside)


def test_hovering_a_point_shows_its_clip_and_thumbnail(qtbot, panels):
    panels.scatter.show_preview(0)
    d = panels.data
    assert d.classes[d.labels[0]] in panels.scatter.preview_text.text()
    qtbot.waitUntil(lambda: not panels.scatter.preview.pixmap().isNull(), timeout=10000)


def test_the_dendrogram_filters_scatter_and_matrix(qtbot, window, panels):
    dendro = panels.dendrogram
    leaf = dendro.leaves[0]
    assert dendro.link_at(0.0, 5.0) == frozenset([leaf])
    d, ys, classes = max(dendro.links, key=lambda link: len(link[2]) if len(link[2]) < 10 else 0)
    assert dendro.link_at(float(d[1]), float((ys[1] + ys[2]) / 2)) == classes
    dendro.filterChosen.emit(classes)
    assert window.state.class_filter == classes
    assert panels.scatter.filter == classes and panels.confusion.view.highlight == classes
    brushes = panels.scatter.brushes()
    dimmed = [b.color().alpha() < 100 for b in brushes]
    assert len(brushes) == len(panels.data.labels)
    keep = [panels.data.classes[t] in classes or panels.data.classes[p] in classes
            for t, p in zip(panels.data.labels, panels.data.predicted, strict=True)]
    assert dimmed == [not k for k in keep]
    dendro.filterChosen.emit(frozenset())
    assert not window.state.class_filter


def test_class_table_sorts_by_number(qtbot, panels):
    table = panels.report.table
    col = 3  # recall
    table.sortByColumn(col, Qt.SortOrder.AscendingOrder)
    n = table.proxy.rowCount()
    values = [table.value(r, col) for r in range(n)]
    numbers = [v for v in values if v != float("-inf")]
    assert values == sorted(values) and numbers[0] < 1.0
    assert [float(table.text(r, col)) / 100 for r in range(n) if table.text(r, col) != "n/a"] == pytest.approx(numbers, abs=1e-3)
    rare = [table.text(r, 0) for r in range(n) if table.text(r, 1) == "rare"]
    assert set(rare) == set(panels.data.metrics.rare)


def test_clicking_a_most_common_confusion_selects_that_cell(window, panels):
    table = panels.report.table
    row = next(r for r in range(table.proxy.rowCount()) if table.text(r, 7) != "–")
    true, pred = table.text(row, 0), table.text(row, 7)
    table.clicked.emit(table.proxy.index(row, 7))
    assert list(window.state.selection) == panels.data.samples_of(true, pred)


def test_another_model_on_the_same_clips_shows_per_class_differences(qtbot, window, panels, tmp_path):
    from sklearn.metrics import recall_score

    from cabinlens.engine.analysis.store import Store

    report, d = panels.report, panels.data
    others = [p.theirs for p in d.peers]
    assert sorted(o.split(":")[0] for o in others) == ["c3d_small", "p3d_small"]  # the test runs, not the val ones
    assert all(o.endswith("test") for o in others) and report.versus.count() == 3 and report.peer is None
    assert "Δ recall" not in report.columns and report.comparison.isHidden()
    other = next(o for o in others if o.startswith("c3d_small"))
    report.compare_with(next(p.theirs_id for p in d.peers if p.theirs == other))
    assert report.versus.currentText() == "vs c3d_small"
    assert report.peer.theirs == other and report.columns.count("Δ recall") == 1 and report.comparison.isVisible()
    assert "McNemar p" in report.comparison.text() and f"on {len(d.labels)} shared clips" in report.comparison.text()

    # The other model's recall per class, recomputed from its stored logits with scikit-learn.
    with Store(window.state.project, readonly=True) as store:
        run = next(r for r in store.runs() if r.name == other)
        res = store.results(run.id)
    keep = res.labels >= 0
    theirs = recall_score(res.labels[keep], res.logits[keep].argmax(1), labels=range(len(d.classes)), average=None,
                          zero_division=0)
    table = report.table
    at = {name: report.columns.index(name) for name in ("recall", "Δ recall", "other's recall")}
    for row in range(table.proxy.rowCount()):
        name = table.text(row, 0)
        k = d.classes.index(name)
        if table.text(row, at["recall"]) == "n/a":
            assert table.text(row, at["Δ recall"]) == "n/a"
            continue
        assert table.value(row, at["other's recall"]) == pytest.approx(theirs[k])
        assert table.value(row, at["Δ recall"]) == pytest.approx(table.value(row, at["recall"]) - theirs[k])
    # The confusion link moved with the inserted columns and still selects that cell.
    confusion = report.columns.index("most common confusion")
    row = next(r for r in range(table.proxy.rowCount()) if table.text(r, confusion) != "–")
    table.clicked.emit(table.proxy.index(row, confusion))
    assert list(window.state.selection) == d.samples_of(table.text(row, 0), table.text(row, confusion))
    # A click on a class's Δ lists the clips only one of the two gets right; Compare shows them under both models.
    theirs_pred = dict(zip(res.indices.tolist(), res.logits.argmax(1).tolist(), strict=True))
    delta = report.columns.index("Δ recall")
    row = next(r for r in range(table.proxy.rowCount()) if table.value(r, delta) not in (0.0, float("-inf")))
    name = table.text(row, 0)
    table.clicked.emit(table.proxy.index(row, delta))
    k = d.classes.index(name)
    want = [i for i in range(len(d.labels)) if d.labels[i] == k
            and (d.predicted[i] == k) != (theirs_pred[int(d.indices[i])] == k)]
    assert list(window.state.selection) == want and want
    assert f"{name}: right for i3d_small or c3d_small only" in panels.clips.title.text()
    panels.clips.compare.click()
    n = min(len(want), 3)
    qtbot.waitUntil(lambda: len(window.compare.panes) == 2 * n and min(p.shown for p in window.compare.panes) >= 0,
                    timeout=30000)
    assert [p.spec.model for p in window.compare.panes] == ["i3d_small", "c3d_small"] * n
    assert [p.spec.start for p in window.compare.panes][::2] == [d.samples[i].frame_start for i in want[:n]]
    qtbot.wait(200)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / "compare_two_models.png"))
    window.tabs.setCurrentIndex(0)
    report.export(str(tmp_path / "versus.csv"))
    header = next(csv.reader(io.StringIO((tmp_path / "versus.csv").read_text())))
    assert header[:5] == ["class", "group", "Δ recall", "Δ F1", "other's recall"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    dock = next(dk for dk in window.analysis_docks if dk.widget() is report or report in dk.findChildren(type(report)))
    dock.raise_()
    qtbot.wait(100)
    assert report.grab().save(str(SHOTS / "class_report_versus.png"))
    report.compare_with(None)
    assert "Δ recall" not in report.columns and report.comparison.isHidden()


def test_switching_the_model_updates_every_panel(qtbot, window, panels):
    combo = panels.runs
    k = next(i for i in range(combo.count()) if combo.itemText(i).startswith("c3d_small") and combo.itemText(i).endswith("test"))
    combo.setCurrentIndex(k)
    assert panels.data is None and "computing" in panels.report.title.text()  # placeholder, no frozen window
    qtbot.waitUntil(lambda: panels.data is not None, timeout=60000)
    d = panels.data
    assert d.model == "c3d_small"
    for title in (panels.scatter.title, panels.confusion.title, panels.report.title, panels.dendrogram.title,
                  panels.failures.title):
        assert d.name in title.text()
    assert np.array_equal(panels.confusion.view.counts, d.metrics.confusion)
    assert panels.failures.pairs == d.metrics.top_confusions(12)


def test_every_panel_exports_what_it_shows(tmp_path, panels):
    for name, panel in (("scatter", panels.scatter), ("confusion", panels.confusion), ("dendrogram", panels.dendrogram),
                        ("failures", panels.failures)):
        panel.export(str(tmp_path / f"{name}.png"))
        panel.export(str(tmp_path / f"{name}.svg"))
        image = QImage(str(tmp_path / f"{name}.png"))
        assert not image.isNull() and image.width() > 100
        assert ET.parse(tmp_path / f"{name}.svg").getroot().tag.endswith("svg")
    for suffix in ("csv", "md", "tex"):
        panels.report.export(str(tmp_path / f"table2.{suffix}"))
    rows = list(csv.reader(io.StringIO((tmp_path / "table2.csv").read_text())))
    assert rows[0][:3] == ["class", "group", "precision"] and len(rows) == 35
    assert (tmp_path / "table2.md").read_text().startswith("| class")
    assert "\\toprule" in (tmp_path / "table2.tex").read_text()
    panels.report.which.setCurrentIndex(1)
    panels.report.export(str(tmp_path / "table1.csv"))
    assert len(list(csv.reader(io.StringIO((tmp_path / "table1.csv").read_text())))) == 7


def test_screenshots_of_the_panels(qtbot, window, panels):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for k, dock in enumerate(window.analysis_docks):
        dock.raise_()
        qtbot.wait(100)
        assert window.grab().save(str(SHOTS / f"analysis_panel_{k}_{dock.objectName().replace(' ', '_').lower()}.png"))
