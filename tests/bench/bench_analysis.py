"""End-to-end analysis throughput against its two halves, and memory against the number of samples.

    .venv/bin/python tests/bench/bench_analysis.py [--data ROOT] [--model ARCH] [--batch-size B] [--workers W]

Targets (analysis issue): end-to-end clips/s >= 0.9 x min(decode-only, inference-only), all three
measured in this run on the same clips; memory flat in the number of samples (analysing the same
clips again as new runs, the resident size after 2N and after 4N clips differs by less than 5% + 20 MiB). Without --data the small
synthetic dataset is generated in a temporary folder first.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cabinlens.engine.analysis.jobs import open_run, split_job  # noqa: E402
from cabinlens.engine.analysis.runner import CAM_TOP, analyse, prefetch  # noqa: E402
from cabinlens.engine.analysis.store import Store  # noqa: E402
from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES  # noqa: E402
from cabinlens.engine.explain import GradCam  # noqa: E402
from cabinlens.engine.models import build_model, default_spec  # noqa: E402


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data")
    parser.add_argument("--model", default="i3d_small")
    parser.add_argument("--subset", default="test")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--limit", type=int, help="analyse only the first N clips")
    parser.add_argument("--torch-threads", type=int, help="intra-op threads for inference (default: torch's)")
    args = parser.parse_args()
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    tmp = tempfile.TemporaryDirectory()
    data = args.data
    if data is None:
        from cabinlens.engine.data.synth.generate import synthesize

        data = Path(tmp.name) / "synth"
        print("generating the small synthetic dataset ...", flush=True)
        synthesize(data)
    spec = default_spec(args.model, DRIVEACT_MIDLEVEL_CLASSES)
    torch.manual_seed(0)
    model = build_model(spec).to(args.device)
    job = split_job(data, spec, subset=args.subset)
    if args.limit:
        job = job.__class__(job.kind, job.name, job.samples[: args.limit], job.params, job.annotation_hash,
                            job.dataset_hash, job.train_counts)
    samples = list(enumerate(job.samples))
    n = len(samples)
    print(f"{args.model}, {n} clips of {job.name}, batch {args.batch_size}, {args.workers} decoding threads, "
          f"{torch.get_num_threads()} inference threads, {args.device}")

    t0 = time.perf_counter()
    clips = [c for _, c in prefetch(samples, spec, args.workers, ahead=2 * args.batch_size)]
    decode = n / (time.perf_counter() - t0)

    cam = GradCam.for_spec(model, spec)
    t0 = time.perf_counter()
    for k in range(0, n, args.batch_size):
        x = torch.from_numpy(np.stack(clips[k : k + args.batch_size])).to(args.device).permute(0, 4, 1, 2, 3)
        result = cam(spec.input.normalise(x), top=CAM_TOP, extra=[0] * x.shape[0])
        result.maps.cpu()
    infer = n / (time.perf_counter() - t0)
    del clips

    with Store(Path(tmp.name) / "bench.cabinlens") as store:
        run_id = open_run(store, job, spec, args.model, "bench", "clip")
        t0 = time.perf_counter()
        for _ in analyse(store, run_id, model, spec, batch_size=args.batch_size, device=args.device, workers=args.workers):
            pass
        end_to_end = n / (time.perf_counter() - t0)
        # Memory: the same clips analysed again as new runs; a leak would grow with every pass.
        after = [rss_mib()]
        for k in range(int(os.environ.get("BENCH_MEMORY_PASSES", "3"))):
            again = open_run(store, job, spec, args.model, f"memory {k}", "clip")
            for _ in analyse(store, again, model, spec, batch_size=args.batch_size, device=args.device, workers=args.workers):
                pass
            after.append(rss_mib())
    tmp.cleanup()
    ratio = end_to_end / min(decode, infer)
    shared = 1 / (1 / decode + 1 / infer)
    print(f"decode only    {decode:7.1f} clips/s")
    print(f"inference only {infer:7.1f} clips/s (forward + Grad-CAM of top-5 and ground truth)")
    print(f"end to end     {end_to_end:7.1f} clips/s = {ratio:.2f} x min(decode, inference) (target >= 0.9); "
          f"{end_to_end / shared:.2f} x the bound when both halves share the same cores ({shared:.1f})")
    growth = after[-1] - after[1]
    flat = growth < 0.05 * after[1] + 20
    print(f"resident memory after each of {len(after)} passes over {n} clips: {', '.join(f'{m:.0f}' for m in after)} MiB "
          f"({growth:+.0f} MiB over the last {2 * n}): {'flat' if flat else 'GROWS'}")
    ok = ratio >= 0.9 and flat
    print("ok" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
