"""The embedding scatter with 10,000 clips: redraw, colour switch, filter and hover, against a plain
pyqtgraph scatter of the same points drawn in the same run (the floor).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_panels.py [--points N]

Target (GUI II issue): smooth with 10,000 points, i.e. each interaction well under a frame budget
of ~50 ms beyond what pyqtgraph itself needs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def fake_data(n: int, classes: int = 34) -> SimpleNamespace:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, classes, n)
    predicted = np.where(rng.random(n) < 0.8, labels, rng.integers(0, classes, n))
    names = tuple(f"class_{k:02d}" for k in range(classes))
    per_class = [SimpleNamespace(name=c, group="common" if k < classes // 2 else "rare") for k, c in enumerate(names)]
    samples = [SimpleNamespace(video="", file_id=f"vp{k % 15}/run", frame_start=10 * k, frame_end=10 * k + 90)
               for k in range(n)]
    data = SimpleNamespace(name="bench", classes=names, labels=labels, predicted=predicted,
                           confidence=rng.random(n), top5=np.tile(np.arange(5), (n, 1)),
                           points=rng.normal(size=(n, 2)).astype(np.float32) * 20,
                           metrics=SimpleNamespace(per_class=per_class), samples=samples)
    data.describe = lambda i: f"{names[labels[i]]} → {names[predicted[i]]}"
    return data


def timed(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=10_000)
    n = parser.parse_args().points
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from cabinlens.widgets.embedding_scatter import EmbeddingScatter

    app = QApplication([])
    data = fake_data(n)
    plain = pg.PlotWidget()
    item = pg.ScatterPlotItem(size=7, pen=None)
    plain.addItem(item)
    plain.resize(700, 600)
    plain.show()

    def floor() -> None:
        item.setData(x=data.points[:, 0], y=data.points[:, 1], brush=pg.mkBrush(100, 100, 200))
        plain.grab()

    scatter = EmbeddingScatter()
    scatter.resize(700, 700)
    scatter.show()
    app.processEvents()

    def load() -> None:
        scatter.set_data(data)
        scatter.plot.grab()

    def colour() -> None:
        scatter.colouring.setCurrentIndex((scatter.colouring.currentIndex() + 1) % scatter.colouring.count())
        scatter.plot.grab()

    def filtered() -> None:
        scatter.set_filter({"class_01", "class_02"} if not scatter.filter else set())
        scatter.plot.grab()

    def hover() -> None:
        scatter.show_preview(int(np.random.randint(n)))

    base = timed(floor)
    print(f"{n} points; plain pyqtgraph scatter (set + draw): {1000 * base:.1f} ms")
    for name, fn in (("load a run", load), ("switch colouring", colour), ("class filter on/off", filtered),
                     ("hover preview", hover)):
        t = timed(fn)
        print(f"  {name:<22} {1000 * t:7.1f} ms   ratio to the plain scatter {t / base:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
