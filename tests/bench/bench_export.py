"""Annotated clip export against plain decode+encode of the same frames, measured in the same run.

    .venv/bin/python tests/bench/bench_export.py [--frames N] [--repeats R]

Uses the 1280x1024 long-GOP H.264 benchmark video of bench_video.py (the NIR cameras' size) and a
320x256 one made the same way (the demo's size), each with a project holding one run of 90-frame
clips over it (random logits and Grad-CAMs at I3D's layer resolution), so the export does
everything a real one does: per-frame CAM lookup and interpolation, overlay, banner, strip, tiling.
Target (issue "Compare and export"): export throughput >= 0.8x decode+encode of the same frames.
Two baselines, both decoding the source frames sequentially on a thread (as the export does) and
encoding with the same H.264 settings:
  source   encodes the decoded frames themselves (side by side for two panes);
  output   encodes the export's own output frames, rendered into memory before the clock starts.
They differ because the annotated frames (colour heat maps, text) cost x264 about 1.6x the CPU of
the grey source frames; "output" isolates what the export adds: drawing and orchestration.
"""

from __future__ import annotations

import argparse
import queue
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import media  # noqa: E402
from bench_video import make_video  # noqa: E402
from cabinlens.engine.analysis.store import SampleRecord, Store  # noqa: E402
from cabinlens.engine.clips.draw import OverlayStyle  # noqa: E402
from cabinlens.engine.clips.encode import Mp4Writer  # noqa: E402
from cabinlens.engine.clips.export import ClipRenderer, ExportDone, export_clip  # noqa: E402
from cabinlens.engine.clips.panes import PaneSpec, resolve_panes  # noqa: E402
from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES  # noqa: E402
from cabinlens.engine.models.registry import default_spec  # noqa: E402
from cabinlens.engine.video.reader import VideoReader  # noqa: E402

FILE_ID = "vp1/bench.ids_1"
CHUNK = 90


def make_project(folder: Path, video: Path, frames: int) -> Path:
    project = folder / "bench.cabinlens"
    classes = DRIVEACT_MIDLEVEL_CLASSES
    spec = default_spec("i3d_small", classes)
    samples = [SampleRecord(FILE_ID, str(video), s, min(s + CHUNK, frames), (s // CHUNK) % len(classes),
                            classes[(s // CHUNK) % len(classes)], s // CHUNK, 0) for s in range(0, frames, CHUNK)]
    identity = {"checkpoint_sha256": "bench", "dataset_hash": "bench", "annotation_hash": "bench",
                "spec": spec.to_dict(), "cam_mode": "clip", "cam_layer": spec.cam_layer, "params": {"subset": "test"}}
    rng = np.random.default_rng(0)
    with Store(project) as store:
        run = store.begin_run(identity, "i3d_small: bench test", samples,
                              {"kind": "split", "model": "i3d_small", "arch": "i3d_small", "classes": classes})
        store.write_batch(run, [(i, rng.normal(size=len(classes)), rng.normal(size=64), rng.integers(0, 34, 6),
                                 rng.random((6, 2, 4, 4)), 0.0) for i in range(len(samples))])
    return project


def baseline(video: Path, start: int, end: int, panes: int, out: Path, rendered: list | None = None) -> float:
    """Decode the frames (one thread per pane, as the export) and encode them side by side, or
    encode ``rendered`` (the export's output frames) in their place."""
    readers = [VideoReader(video, cache_bytes=0) for _ in range(panes)]
    queues = [queue.Queue(12) for _ in range(panes)]

    def decode(reader, q):
        for _, frame in reader.iter_frames(start, end):
            q.put(frame)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=decode, args=rq) for rq in zip(readers, queues)]
    for t in threads:
        t.start()
    info = readers[0].info
    if rendered is None:
        writer = Mp4Writer(out, info.width * panes, info.height, info.fps)
    else:
        writer = Mp4Writer(out, rendered[0].shape[1], rendered[0].shape[0], info.fps)
    for t in range(end - start):
        frames = [q.get() for q in queues]
        if rendered is not None:
            writer.write(rendered[t])
        else:
            writer.write(np.concatenate(frames, axis=1) if panes > 1 else frames[0])
    writer.close()
    for t in threads:
        t.join()
    for r in readers:
        r.close()
    return (end - start) / (time.perf_counter() - t0)


def _specs(start: int, end: int, panes: int) -> list[PaneSpec]:
    return [PaneSpec(FILE_ID, start, end)] + [PaneSpec(FILE_ID, start, end, target="gt")] * (panes - 1)


def render_all(project: Path, video: Path, start: int, end: int, panes: int) -> list[np.ndarray]:
    with Store(project, readonly=True) as store, VideoReader(video) as reader:
        renderer = ClipRenderer(resolve_panes(store, _specs(start, end, panes)), [reader.info] * panes)
        return [renderer.render(t, [frame] * panes) for t, (_, frame) in enumerate(reader.iter_frames(start, end))]


def export(project: Path, start: int, end: int, panes: int, out: Path) -> float:
    specs = _specs(start, end, panes)
    t0 = time.perf_counter()
    for item in export_clip(project, specs, out, style=OverlayStyle()):
        done = item
    assert isinstance(done, ExportDone) and done.frames == end - start
    return (end - start) / (time.perf_counter() - t0)


def small_video() -> Path:
    path = Path(tempfile.gettempdir()) / "cabinlens_bench_320x256_gop300.mp4"
    if not path.exists():
        tmp = path.with_suffix(".part.mp4")
        media.write_h264(tmp, n=1200, width=320, height=256, gop=300, bframes=3)
        tmp.rename(path)
    return path


def _verdict(ratio: float) -> str:
    return ", >= 0.8 met" if ratio >= 0.8 else ", >= 0.8 MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=240)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for video, frames in ((make_video(), args.frames), (small_video(), 4 * args.frames)):
        with VideoReader(video) as r:
            n, size = r.frame_count, f"{r.info.width}x{r.info.height}"
        start, end = 30, min(n, 30 + frames)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            project = make_project(folder, video, n)
            print(f"{video.name}: {size}; exporting frames [{start}, {end}), {args.repeats} alternating repeats")
            for panes in (1, 2):
                rendered = render_all(project, video, start, end, panes)
                source, output, ours = [], [], []
                for _ in range(args.repeats):
                    source.append(baseline(video, start, end, panes, folder / "base.mp4"))
                    output.append(baseline(video, start, end, panes, folder / "base.mp4", rendered))
                    ours.append(export(project, start, end, panes, folder / "export.mp4"))
                del rendered
                s_, o_, e_ = statistics.median(source), statistics.median(output), statistics.median(ours)
                print(f"  {panes} pane{'s' if panes > 1 else ''}: annotated export {e_:6.1f} frames/s; decode+encode "
                      f"of the source frames {s_:6.1f} (ratio {e_ / s_:.2f}{_verdict(e_ / s_)}), of the output "
                      f"frames {o_:6.1f} (ratio {e_ / o_:.2f}{_verdict(e_ / o_)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
