"""Analysis under torchrun against one process, on the same cores, in the same run.

    .venv/bin/python tests/bench/bench_distributed.py [--data ROOT] [--model ARCH] [--subset val|test]
        [--ranks N] [--gpu]

On the CPU: N ranks x 1 thread each (gloo) against 1 process x N threads, the same split, the
same model; both end to end (``cabinlens analyze``: model loading, decoding, inference, the
store; for the ranks also the merge, and the t-SNE and Ward clustering it computes, which the
single process's time includes as a separate step). The ratio is one process's
time over the ranks' (> 1: the ranks are faster). With --gpu, the ranks use one GPU each
(``cuda:LOCAL_RANK``, NCCL) against one process on cuda:0. Without --data the small synthetic
dataset is generated in a temporary folder first.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(cmd: list[str], threads: int, cwd: Path) -> tuple[float, str]:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr[-3000:]}")
    return took, done.stdout + done.stderr


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data")
    parser.add_argument("--model", default="i3d_small")
    parser.add_argument("--subset", default="val")
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--gpu", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cabinlens-bench-dist-"))
    data = Path(args.data) if args.data else work / "synth"
    if not args.data:
        from cabinlens.engine.data.synth.generate import synthesize

        print("generating the small synthetic dataset ...", flush=True)
        synthesize(data, 0, "small")
    device = "cuda" if args.gpu else "cpu"
    base = ["analyze", "--data", str(data), "--subset", args.subset, "--model", args.model, "--device", device]
    single = [sys.executable, "-m", "cabinlens", *base, "--project", str(work / "one.cabinlens"),
              "--workers", str(args.ranks)]
    ranks = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={args.ranks}",
             "-m", "cabinlens", *base, "--project", str(work / "ranks.cabinlens"), "--workers", "1"]
    cores = os.cpu_count() or 1
    one_threads = 1 if args.gpu else args.ranks
    print(f"{cores} cores; {args.model} on split 0 {args.subset}; "
          f"{'GPU' if args.gpu else 'CPU'}: 1 process x {one_threads} threads vs {args.ranks} ranks x 1 thread")
    t_analyse, _ = run(single, one_threads, work)
    embed = [sys.executable, "-c", "import sys\nfrom cabinlens.engine.analysis.embeddings import cached_tsne, cached_ward\n"
             "from cabinlens.engine.analysis.store import Store\nwith Store(sys.argv[1]) as s:\n"
             "    for r in s.runs():\n        cached_tsne(s, r.id); cached_ward(s, r.id)\n", str(work / "one.cabinlens")]
    t_embed, _ = run(embed, one_threads, work)
    t_one = t_analyse + t_embed  # the ranks' job computes the embeddings after its merge: the same work
    t_ranks, out = run(ranks, 1, work)
    samples = re.search(r"(\d+) samples in", out)
    n = int(samples.group(1)) if samples else 0
    print(f"1 process:   {t_one:6.1f} s  ({n / t_one:5.1f} clips/s): analyze {t_analyse:.1f} s + t-SNE/Ward {t_embed:.1f} s")
    print(f"{args.ranks} ranks:     {t_ranks:6.1f} s  ({n / t_ranks:5.1f} clips/s), merge and t-SNE included")
    print(f"ratio (1 process / {args.ranks} ranks): {t_one / t_ranks:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
