"""The window's session side at real scale: a 1280x1024 session of 10-60 minutes with the real
annotation density, a sweep track over all of it.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_session_scale.py [--minutes 2 10 30]
        [--size 1280x1024] [--session FOLDER]  # FOLDER: made by `cabinlens data synth F --session-minutes M`

Per session length it prints: seconds to read the session's tracks from the project (the engine
part of click-to-tracks), seconds the GUI thread is blocked to lay out and paint the timeline with
every segment (target <= 2 s to all tracks, <= 50 ms per GUI block), the process's resident memory,
and whether a sweep stores its results as it goes (rows in the store growing between batches).
The sweep track's predictions are written without inference (a full CPU sweep of 30 minutes takes
hours), so the figures are the window's cost, not the model's.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        line = next(x for x in f if x.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def make_session(folder: Path, minutes: float, size: tuple[int, int]) -> Path:
    from cabinlens.engine.data.synth.session import write_session

    result = write_session(folder, minutes, size)
    print(f"  generated {result.frames} frames at {size[0]}x{size[1]} in {result.seconds:.1f} s "
          f"({result.frames / result.seconds:.0f} frames/s), {result.annotations} annotations", flush=True)
    return folder


def fill_project(project: Path, session: Path, model: Path, stride: int) -> tuple[str, int, int]:
    """A sweep run over the whole session, its predictions written without inference."""
    from cabinlens.engine.analysis.jobs import open_run, sweep_job
    from cabinlens.engine.analysis.service import resolve_model
    from cabinlens.engine.analysis.store import Store

    resolved = resolve_model(model)
    video = next((session / "inner_mirror").rglob("*.mp4"))
    labels = session / "iccv_activities_3s" / "activities_3s" / "inner_mirror" / "midlevel.chunks_90.csv"
    job = sweep_job(video, resolved.spec, stride=stride, annotations=labels)
    rng = np.random.default_rng(0)
    classes = len(resolved.spec.classes)
    with Store(project) as store:
        run = open_run(store, job, resolved.spec, resolved.name, resolved.weights, "clip", resolved.source)
        for k in range(0, len(job.samples), 512):
            rows = []
            for idx in range(k, min(k + 512, len(job.samples))):
                logits = rng.normal(size=classes).astype(np.float32)
                logits[max(0, job.samples[idx].label)] += 3 * rng.random()
                rows.append((idx, logits, np.zeros(64, np.float16), np.arange(6), np.zeros((6, 2, 4, 4)), 0.01))
            store.write_batch(run, rows)
        store.finish_run(run)
    return job.samples[0].file_id, run, len(job.samples)


def stores_as_it_goes(project: Path, session: Path, model: Path, batches: int = 3) -> list[int]:
    """Rows stored after each of the first ``batches`` batches of a real sweep (then aborted)."""
    from cabinlens.engine.analysis.jobs import open_run, sweep_job
    from cabinlens.engine.analysis.runner import analyse
    from cabinlens.engine.analysis.service import resolve_model
    from cabinlens.engine.analysis.store import Store

    resolved = resolve_model(model)
    video = next((session / "inner_mirror").rglob("*.mp4"))
    abort = threading.Event()
    seen = []
    with Store(project) as store, Store(project, readonly=True) as reader:
        run = open_run(store, sweep_job(video, resolved.spec, stride=8), resolved.spec, resolved.name,
                       resolved.weights, "clip", resolved.source)
        for _ in analyse(store, run, resolved.model, resolved.spec, batch_size=4, workers=1, abort=abort):
            seen.append(len(reader.done(run)))
            if len(seen) > batches:
                abort.set()
    return seen


def measure(minutes: float, size: tuple[int, int], given: Path | None, work: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from cabinlens.engine.analysis.session import session_tracks
    from cabinlens.engine.analysis.store import Store
    from cabinlens.widgets.timeline import Timeline

    app = QApplication.instance() or QApplication([])
    print(f"session of {minutes:g} min:", flush=True)
    session = given or make_session(work / f"session{minutes:g}", minutes, size)
    project = work / f"session{minutes:g}.cabinlens"
    model = REPO / "resources" / "models" / "c3d_small.pt"
    file_id, _, windows = fill_project(project, session, model, stride=8)
    before = rss_mb()
    t0 = time.perf_counter()
    with Store(project, readonly=True) as store:
        tracks = session_tracks(store, file_id)
    read = time.perf_counter() - t0
    timeline = Timeline()
    timeline.resize(1600, 240)
    timeline.show()
    app.processEvents()
    t0 = time.perf_counter()
    timeline.set_tracks(tracks, frame_count=int(minutes * 1800))
    layout = time.perf_counter() - t0
    paints = []
    for _ in range(5):
        t0 = time.perf_counter()
        timeline.grab()  # one full paint with every segment
        paints.append(time.perf_counter() - t0)
    segments = len(tracks.ground_truth) + sum(len(t.starts) for t in tracks.tracks)
    print(f"  tracks read {read:.2f} s; timeline laid out in {layout * 1000:.0f} ms, painted in median "
          f"{1000 * sorted(paints)[2]:.0f} ms, max {1000 * max(paints):.0f} ms with all {segments} segments "
          f"({len(tracks.ground_truth)} ground truth, {windows} sweep windows); click to tracks about "
          f"{read + layout + paints[0]:.2f} s (target <= 2 s)")
    print(f"  resident memory {rss_mb():.0f} MB ({rss_mb() - before:+.0f} MB for this session's tracks and timeline; "
          f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)", flush=True)
    timeline.close()
    seen = stores_as_it_goes(project, session, model)
    print(f"  a real sweep stores as it goes: rows stored after each batch {seen} "
          f"({'yes' if seen == sorted(seen) and seen[-1] > seen[0] else 'NO'})", flush=True)
    if given is None:
        shutil.rmtree(session)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0])
    parser.add_argument("--size", default="1280x1024")
    parser.add_argument("--session", type=Path, help="a folder made by `cabinlens data synth F --session-minutes M`")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in args.minutes:
            measure(minutes, size, args.session, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
