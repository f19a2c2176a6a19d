"""How a sweep decodes a 1280x1024 session: decoded pictures per video frame, and time against one
sequential decode of the same frames measured in the same run.

    .venv/bin/python tests/bench/bench_sweep_decode.py [--frames 900] [--window 16] [--stride 4] [--workers 1 2]

Targets (engine-at-scale issue): a sweep with stride < window decodes each frame about once
(decoded/frames <= 1.2, not window/stride), and its time stays near one sequential pass that
resizes each frame once (<= 1.5x), the floor of this work. Pictures are counted at the decoder (every picture
FFmpeg outputs, converted or not).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from cabinlens.engine.analysis.store import SampleRecord  # noqa: E402
from cabinlens.engine.video.reader import VideoReader  # noqa: E402

DECODED = [0]


def count_pictures() -> None:
    """Count every picture the readers' decoders output (random access and sequential alike)."""
    original = VideoReader._decode

    def counting(self, stream, packet, tracker):
        frames = original(self, stream, packet, tracker)
        DECODED[0] += len(frames)
        return frames

    VideoReader._decode = counting


def sweep_samples(video: Path, frames: int, window: int, stride: int) -> list[tuple[int, SampleRecord]]:
    return [(k, SampleRecord("s", str(video), start, start + window, -1, "", -1, -1))
            for k, start in enumerate(range(0, frames - window + 1, stride))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=900)
    parser.add_argument("--window", type=int, default=16)
    parser.add_argument("--stride", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--model", default="c3d_small")
    args = parser.parse_args()
    from media import write_h264

    from cabinlens.engine.analysis.runner import prefetch
    from cabinlens.engine.models.spec import resize_frames
    from cabinlens.engine.analysis.service import resolve_model

    spec = resolve_model(REPO / "resources" / "models" / f"{args.model}.pt").spec
    count_pictures()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "session.mp4"
        print(f"writing a 1280x1024 H.264 video ({args.frames} frames, GOP 300, 3 B-frames) ...", flush=True)
        write_h264(video, n=args.frames, width=1280, height=1024, gop=300, bframes=3)
        with VideoReader(video) as reader:
            DECODED[0] = 0
            t0 = time.perf_counter()
            for _, frame in reader.iter_frames():
                resize_frames(frame[None], spec.input)
            sequential = time.perf_counter() - t0
        print(f"baseline: one sequential decode (rgb24) resizing each frame once to {spec.input.size}: "
              f"{sequential:.2f} s = {args.frames / sequential:.0f} frames/s, {DECODED[0]} pictures")
        samples = sweep_samples(video, args.frames, args.window, args.stride)
        for workers in args.workers:
            DECODED[0] = 0
            t0 = time.perf_counter()
            got = sum(1 for _ in prefetch(samples, spec, workers, ahead=16))
            seconds = time.perf_counter() - t0
            per_frame = DECODED[0] / args.frames
            print(f"sweep window {args.window} stride {args.stride}, {workers} worker(s): {got} clips, "
                  f"{DECODED[0]} pictures decoded = {per_frame:.2f} per frame (window/stride = "
                  f"{args.window / args.stride:.1f}); {seconds:.2f} s = {seconds / sequential:.2f}x the sequential pass")
            ok &= per_frame <= 1.2 and seconds <= 1.5 * sequential
    print("ok" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
