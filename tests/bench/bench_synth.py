"""Time and size of the synthetic Drive&Act, with where the time goes.

    .venv/bin/python tests/bench/bench_synth.py [--scale small|medium] [--seed S]

Target (synthetic-dataset issue): ``small`` in <= 60 s on a 2-core machine, <= 200 MB. The
breakdown (rendering vs encoding one run, measured in the same process) shows which part to
work on when the target is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import av

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cabinlens.engine.data.synth.config import SCALES  # noqa: E402
from cabinlens.engine.data.synth.generate import synthesize  # noqa: E402
from cabinlens.engine.data.synth.plan import plan_dataset  # noqa: E402
from cabinlens.engine.data.synth.render import ENCODER_OPTIONS, RunRenderer  # noqa: E402


def breakdown(scale: str, seed: int, folder: Path) -> tuple[float, float, int]:
    """(render ms/frame, encode ms/frame, frames) for the first run, each measured alone."""
    plan = plan_dataset(seed, SCALES[scale])[0]
    t0 = time.perf_counter()
    images = [f.image for f in RunRenderer(plan).frames()]
    render = time.perf_counter() - t0
    t0 = time.perf_counter()
    with av.open(str(folder / "encode.mp4"), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = images[0].shape[1], images[0].shape[0], "yuv420p"
        stream.options = dict(ENCODER_OPTIONS)
        for image in images:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="gray")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    encode = time.perf_counter() - t0
    return render / len(images) * 1e3, encode / len(images) * 1e3, len(images)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=tuple(SCALES), default="small")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        render_ms, encode_ms, frames = breakdown(args.scale, args.seed, Path(tmp))
        print(f"one run ({frames} frames): render {render_ms:.2f} ms/frame, encode {encode_ms:.2f} ms/frame "
              f"(encoding is {encode_ms / render_ms:.1f}x rendering)")
        t0 = time.perf_counter()
        result = synthesize(Path(tmp) / "data", args.seed, args.scale)
        seconds = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in (Path(tmp) / "data").rglob("*") if p.is_file())
    workers = os.cpu_count() or 1
    ideal = result.frames * (render_ms + encode_ms) / 1e3 / min(workers, result.runs)
    print(f"{args.scale}: {result.runs} runs, {result.frames} frames, {seconds:.1f} s with {workers} cores "
          f"({seconds / ideal:.2f}x the render+encode time split over the cores), {size / 2**20:.0f} MB")
    if args.scale != "small":
        return 0
    ok = seconds <= 60 and size <= 200 * 2**20
    print(f"target: <= 60 s and <= 200 MB: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
