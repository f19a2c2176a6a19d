"""Does clip decoding scale with decode workers at 1280x1024, and does the GIL bind?

    .venv/bin/python tests/bench/bench_decode_workers.py [--clips 96] [--frames 900] [--model i3d_small]

Analysis decodes one clip per annotated segment (frames spread over the segment, resized to the
model's input) in worker threads. Printed, all measured in this run:

- clips/s with 1, 2, cores and 2x cores decode threads, and the speed-up over one thread (the
  readers sharing the cores for FFmpeg's threads, against each taking all of them); the same
  with decoding processes (``--decode-in processes``; their start-up counts, and is printed);
- the GIL both ways (``gil_contention``), for a decoding thread and a decoding process: a
  pure-Python counter runs on a spare core while one decode worker (one FFmpeg thread) works; what
  the counter loses is the GIL time the decoder took, and how much slower the decoder runs beside
  it is the GIL time it lost (a busy Python thread is what inference is between its kernels).
  ``--gil-only N`` repeats just these N times (they are noisy on a small machine);
- the default the engine picks for this machine (``engine.analysis.decode_workers``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import numpy as np  # noqa: E402

from cabinlens.engine.analysis.decoder_choice import decode_rate  # noqa: E402
from cabinlens.engine.analysis.store import SampleRecord  # noqa: E402


def segment_samples(video: Path, frames: int, clips: int, length: int, seed: int = 0) -> list[tuple[int, SampleRecord]]:
    """``clips`` segments of ``length`` frames at random places, like the annotations of a split."""
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, frames - length, size=clips)
    return [(k, SampleRecord("s", str(video), int(s), int(s) + length, 0, "", -1, -1)) for k, s in enumerate(starts)]


def counter_rate(seconds: float, stop: threading.Event | None = None) -> float:
    """Increments a second of pure Python manages (holds the GIL all the time it runs)."""
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds and not (stop and stop.is_set()):
        for _ in range(1000):
            n += 1
    return n / (time.perf_counter() - t0)


def gil_contention(samples, spec, processes: bool = False) -> tuple[float, float]:
    """(GIL share, decoder slowdown) of one single-threaded decode worker beside a busy Python thread.

    GIL share: 1 - (counter rate beside the decoder) / (counter rate alone), what the decoder took
    from pure Python. Slowdown: the decoder's clips/s alone / its clips/s beside the counter, what
    pure Python took from the decoder: each time a thread gives the GIL up for a C call it waits up
    to the switch interval (5 ms) to get it back from a busy thread, which the first figure does not
    show. Inference drives the model from Python, so decoding threads meet this; processes have a
    GIL each and only hand blocks of clips over. Timing starts once the first clip is in, so a
    process's start-up is not counted.
    """
    from cabinlens.engine.analysis.prefetch import prefetch

    def decode(busy: bool) -> tuple[float, float]:
        clips = prefetch(samples, spec, 1, ahead=2, threads=1, processes=processes)
        next(clips)
        result: dict[str, float] = {}
        done = threading.Event()
        t = threading.Thread(target=lambda: result.update(rate=counter_rate(1e9, done)))
        if busy:
            t.start()
        t0 = time.perf_counter()
        n = sum(1 for _ in clips)
        rate = n / (time.perf_counter() - t0)
        done.set()
        if busy:
            t.join()
        return rate, result.get("rate", 0.0)

    alone = counter_rate(2.0)
    quiet, _ = decode(False)
    beside, counted = decode(True)
    return max(0.0, 1.0 - counted / alone), quiet / beside


def startup(samples, spec, workers: int) -> float:
    """Seconds to the first clip from ``workers`` processes, less the seconds to one thread's first clip."""
    from cabinlens.engine.analysis.prefetch import prefetch

    def first(processes: bool) -> float:
        t0 = time.perf_counter()
        clips = prefetch(samples, spec, workers if processes else 1, ahead=2, block=1, processes=processes)
        next(clips)
        elapsed = time.perf_counter() - t0
        clips.close()
        return elapsed

    return first(True) - first(False)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=96)
    parser.add_argument("--frames", type=int, default=900)
    parser.add_argument("--length", type=int, default=90, help="frames per segment (Drive&Act chunks: 90)")
    parser.add_argument("--model", default="i3d_small")
    parser.add_argument("--gil-only", type=int, metavar="REPEATS", default=0,
                        help="only the GIL shares, thread and process alternating REPEATS times (medians)")
    args = parser.parse_args()
    from media import write_h264

    from cabinlens.engine.analysis.decode_workers import decode_plan
    from cabinlens.engine.analysis.service import resolve_model
    from cabinlens.engine.video.reader import usable_cores

    spec = resolve_model(REPO / "resources" / "models" / f"{args.model}.pt").spec
    cores = usable_cores()
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "session.mp4"
        print(f"writing a 1280x1024 H.264 video ({args.frames} frames, GOP 300, 3 B-frames) ...", flush=True)
        write_h264(video, n=args.frames, width=1280, height=1024, gop=300, bframes=3)
        samples = segment_samples(video, args.frames, args.clips, args.length)
        print(f"{args.clips} clips of {spec.input.frames} frames from {args.length}-frame segments, resized to "
              f"{spec.input.size[0]}x{spec.input.size[1]}; {cores} usable cores", flush=True)
        decode_rate(samples[:4], spec, 1)  # warm up (imports, first reader)
        if args.gil_only:
            got: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
            for _ in range(args.gil_only):
                for processes in (False, True):
                    got[processes].append(gil_contention(samples, spec, processes))
            for processes, pairs in got.items():
                share, slow = (float(np.median([p[k] for p in pairs])) for k in (0, 1))
                print(f"a decoding {'process' if processes else 'thread'} beside a busy Python thread: takes "
                      f"{100 * share:.1f} % of its time, decodes {slow:.2f}x slower (medians of "
                      f"{', '.join(f'{100 * a:.1f} %/{b:.2f}x' for a, b in pairs)})", flush=True)
            sys.stdout.flush()
            os._exit(0)
        base = None
        for workers in sorted({1, 2, cores, 2 * cores}):
            rate = decode_rate(samples, spec, workers)
            base = base or rate
            line = f"  {workers:2d} decode thread(s): {rate:6.1f} clips/s = {rate / base:.2f}x one thread"
            if workers > 1:  # against every reader taking all the cores for FFmpeg's threads
                greedy = decode_rate(samples, spec, workers, threads=0)
                line += f" (each reader with {cores} FFmpeg threads instead: {greedy:.1f} clips/s)"
            print(line, flush=True)
            rate = decode_rate(samples, spec, workers, processes=True)
            print(f"  {workers:2d} decode process(es): {rate:6.1f} clips/s = {rate / base:.2f}x one thread", flush=True)
        print(f"  start-up of {cores} decoding processes (time to the first clip, less one thread's): "
              f"{startup(samples, spec, cores):.2f} s", flush=True)
        if cores >= 2:
            for processes in (False, True):
                share, slow = gil_contention(samples, spec, processes)
                print(f"a decoding {'process' if processes else 'thread'} beside a busy Python thread: takes "
                      f"{100 * share:.1f} % of its time, decodes {slow:.2f}x slower", flush=True)
        else:
            print("GIL share: not measured (one usable core: nothing runs beside the decoder)")
        print(f"engine default here: {decode_plan('cpu', clips=1000).describe()} beside CPU inference, "
              f"{decode_plan('cuda', clips=1000).describe()} beside a GPU")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
