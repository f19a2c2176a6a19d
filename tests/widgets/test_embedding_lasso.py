"""Lasso selection in the t-SNE scatter: point-in-polygon against matplotlib, and a Ctrl+drag."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
from matplotlib.path import Path as MplPath
from PySide6.QtCore import QPointF, Qt

from cabinlens.widgets.embedding_scatter import EmbeddingScatter, points_in_polygon

SHOTS = Path(__file__).resolve().parents[1] / "screenshots" / "offscreen"  # not kept: the kept ones are on Xvfb


def _star(centre, radii, n: int = 7, turn: float = 0.3) -> np.ndarray:
    """A non-convex polygon: alternating outer and inner radii."""
    angles = turn + np.arange(2 * n) * np.pi / n
    r = np.where(np.arange(2 * n) % 2 == 0, radii[0], radii[1])
    return np.stack([centre[0] + r * np.cos(angles), centre[1] + r * np.sin(angles)], axis=1)


def test_points_in_polygon_matches_matplotlib_on_non_convex_shapes():
    rng = np.random.default_rng(0)
    for k in range(20):
        points = rng.normal(size=(2000, 2)) * 3
        polygon = _star(rng.normal(size=2), (rng.uniform(2, 5), rng.uniform(0.3, 1.5)), n=int(rng.integers(3, 9)))
        if k % 2:
            polygon = polygon[::-1]  # either winding
        want = MplPath(polygon).contains_points(points)
        np.testing.assert_array_equal(points_in_polygon(points, polygon), want, err_msg=f"shape {k}")
    assert not points_in_polygon(np.zeros((3, 2)), np.array([[0.0, 0.0], [1.0, 1.0]])).any()  # two points: no area
    assert points_in_polygon(np.zeros((0, 2)), _star((0, 0), (1, 0.5))).shape == (0,)


class _Drag:
    """What pyqtgraph hands a ViewBox during a drag, with Ctrl held."""

    def __init__(self, down: QPointF, pos: QPointF, start: bool, finish: bool) -> None:
        self._down, self._pos, self._start, self._finish = down, pos, start, finish

    def modifiers(self):
        return Qt.KeyboardModifier.ControlModifier

    def accept(self) -> None:
        pass

    def isStart(self) -> bool:  # noqa: N802 - pyqtgraph API
        return self._start

    def isFinish(self) -> bool:  # noqa: N802 - pyqtgraph API
        return self._finish

    def buttonDownPos(self) -> QPointF:  # noqa: N802 - pyqtgraph API
        return self._down

    def pos(self) -> QPointF:
        return self._pos


def test_ctrl_drag_draws_a_lasso_and_selects_the_clips_inside(qtbot):
    rng = np.random.default_rng(1)
    points = rng.normal(size=(800, 2)) * 10
    labels = rng.integers(0, 5, size=800)
    data = SimpleNamespace(name="run", points=points, labels=labels, predicted=labels, classes=tuple("abcde"))
    scatter = EmbeddingScatter()
    qtbot.addWidget(scatter)
    scatter.resize(500, 420)
    scatter.show()
    qtbot.waitExposed(scatter)
    scatter.set_data(data)
    qtbot.wait(50)
    chosen, polygons = [], []
    scatter.boxSelected.connect(chosen.append)
    scatter.view.lassoSelected.connect(polygons.append)
    outline = _star((3.0, -2.0), (14.0, 5.0), n=5)
    view = scatter.view
    items = [view.mapFromView(QPointF(float(x), float(y))) for x, y in outline]
    down = items[0]
    for k, pos in enumerate(items):
        view.mouseDragEvent(_Drag(down, pos, start=k == 0, finish=False))
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert scatter.grab().save(str(SHOTS / "embedding_lasso.png"))  # the lasso while it is drawn
    view.mouseDragEvent(_Drag(down, items[0], start=False, finish=True))
    assert len(polygons) == 1 and len(chosen) == 1
    drawn = polygons[0]
    np.testing.assert_allclose(drawn[1:-1], outline, atol=1e-6)  # the trail, back in data coordinates
    want = np.nonzero(MplPath(drawn).contains_points(points))[0].tolist()
    assert chosen[0] == want and 20 < len(want) < 800
    assert view._lasso is None  # the outline is gone once the selection is made
