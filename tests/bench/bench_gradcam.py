"""Grad-CAM time and peak memory against plain inference, measured in the same run (ratios).

    .venv/bin/python tests/bench/bench_gradcam.py [--repeats N] [--device cpu|cuda] [--no-memory] [--only ARCH]

Besides the paper's Eq. 1-2 (``cam``), every other weighting at the CAM layer and the LayerCAM fusion
of two layers from one pass (``fuse``) are timed against the same inference (time ratios only); for
the VideoMAE also attention rollout and gradient-weighted rollout (``rollout``, ``attngrad``: eager
attention in every block, and for attngrad a backward pass through all of them; reported, not held to
the Grad-CAM target).

Targets (Grad-CAM issue): CAM time <= 1.15x inference and CAM peak memory <= 1.3x inference for
r3d_18 (batch 4, 16x112x112), the small demo I3D (batch 4), the full I3D (batch 1, 32x224x224) and a
VideoMAE-S from a Hugging Face folder (batch 1, 16x224x224, Grad-CAM on its last encoder layer's tokens).
Inference = forward under no_grad. Memory is the peak above what the model and input already hold:
on CUDA from the allocator's statistics, on the CPU from the process's resident size sampled every
millisecond in a fresh process per measurement (large blocks are returned to the OS at once, so the
resident size follows the tensors alive).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cabinlens.engine.explain import GradCam  # noqa: E402
from cabinlens.engine.explain.multilayer import MultiLayerCam  # noqa: E402
from cabinlens.engine.models import build_model, default_spec  # noqa: E402

CASES = [("r3d_18", 4, 16, 112), ("i3d_small", 4, 16, 112), ("i3d", 1, 32, 224), ("videomae", 1, 16, 224)]
TIME_TARGET, MEMORY_TARGET = 1.15, 1.3
MODES = ("time", "hires", "layercam", "gradcampp")
ATTENTION = ("rollout", "attngrad")  # VideoMAE only
FUSE = {"r3d_18": ("layer3", "layer4"), "i3d_small": ("Mixed_4f", "Mixed_5c"), "i3d": ("Mixed_4f", "Mixed_5c")}


def videomae(frames: int, size: int):
    """VideoMAE-S (hidden 384, 12 layers, tubelets 2x16x16) with random weights, through the loader a
    save_pretrained folder takes: the wrapped model and its spec (Grad-CAM on the last encoder layer)."""
    import tempfile

    from transformers import VideoMAEConfig, VideoMAEForVideoClassification

    from cabinlens.engine.models import load_model

    config = VideoMAEConfig(image_size=size, num_frames=frames, hidden_size=384, num_hidden_layers=12,
                            num_attention_heads=6, intermediate_size=1536, num_labels=34)
    with tempfile.TemporaryDirectory() as folder:
        VideoMAEForVideoClassification(config).eval().save_pretrained(folder)
        loaded = load_model(folder)
    return loaded.model, loaded.spec


def setup(arch: str, batch: int, frames: int, size: int, device: str):
    torch.manual_seed(0)
    if arch == "videomae":
        model, spec = videomae(frames, size)
        model = model.to(device)
    else:
        spec = default_spec(arch, tuple(f"c{i}" for i in range(34)))
        model = build_model(spec).to(device)
    x = torch.randn(batch, 3, frames, size, size, device=device)
    cam = GradCam.for_spec(model, spec)

    def infer():
        with torch.no_grad():
            model(x)

    fns = {"infer": infer, "cam": lambda: cam(x)}
    for mode in MODES:
        fns[mode] = lambda mode=mode: cam(x, mode=mode)
    if arch == "videomae":
        for mode in ATTENTION:
            fns[mode] = lambda mode=mode: cam(x, mode=mode)
    if arch in FUSE:
        multi = MultiLayerCam(model, FUSE[arch])
        fns["fuse"] = lambda: multi(x, weightings=("layercam",)).fused(FUSE[arch])
    return fns


def timed(fn, repeats: int, device: str) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(repeats):
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if device == "cuda":
            torch.cuda.synchronize()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def child_peak(kind: str, arch: str, batch: int, frames: int, size: int, device: str) -> int:
    """Peak bytes above the baseline for one call of ``kind`` (run in a fresh process)."""
    fns = setup(arch, batch, frames, size, device)
    gc.collect()
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        fns[kind]()
        torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated() - base
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    base, peak, done = _rss(), [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.001)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    fns[kind]()
    done.set()
    sampler.join()
    return max(peak[0], _rss()) - base


def peak_in_fresh_process(kind: str, case: tuple, device: str) -> int:
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "0"}
    cmd = [sys.executable, __file__, "--child", kind, *map(str, case), "--device", device]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return int(json.loads(out.strip().splitlines()[-1])["peak"])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--only", action="append", help="run only this case (repeat for several)")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, arch, *numbers = args.child
        print(json.dumps({"peak": child_peak(kind, arch, *map(int, numbers), args.device)}))
        return 0
    print(f"device {args.device}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'model':<10} {'batch':>5} {'input':>10} {'infer s':>8} {'cam s':>8} {'time':>6}"
          f" {'infer MiB':>10} {'cam MiB':>8} {'memory':>7}")
    worst_time = worst_memory = 0.0
    others = []
    for case in CASES:
        arch, batch, frames, size = case
        if args.only and arch not in args.only:
            continue
        fns = setup(*case, args.device)
        t_inf, t_cam = timed(fns["infer"], args.repeats, args.device), timed(fns["cam"], args.repeats, args.device)
        ratios = {kind: timed(fns[kind], args.repeats, args.device) / t_inf for kind in (*MODES, "fuse", *ATTENTION)
                  if kind in fns}
        others.append((arch, ratios))
        del fns
        worst_time = max(worst_time, t_cam / t_inf, *(v for k, v in ratios.items() if k not in ATTENTION))
        memory = ""
        if not args.no_memory:
            m_inf, m_cam = (peak_in_fresh_process(k, case, args.device) for k in ("infer", "cam"))
            worst_memory = max(worst_memory, m_cam / m_inf)
            memory = f" {m_inf / 2**20:10.1f} {m_cam / 2**20:8.1f} {m_cam / m_inf:7.2f}"
        print(f"{arch:<10} {batch:>5} {f'{frames}x{size}²':>10} {t_inf:8.3f} {t_cam:8.3f} {t_cam / t_inf:6.2f}{memory}")
    kinds = (*MODES, "fuse", *ATTENTION)
    print(f"{'model':<10} " + " ".join(f"{k:>9}" for k in kinds) + "   (time / inference, same run)")
    for arch, ratios in others:
        print(f"{arch:<10} " + " ".join(f"{ratios[k]:9.2f}" if k in ratios else f"{'n/a':>9}" for k in kinds))
    ok = worst_time <= TIME_TARGET and (args.no_memory or worst_memory <= MEMORY_TARGET)
    print(f"worst time ratio {worst_time:.2f} (target <= {TIME_TARGET})"
          + ("" if args.no_memory else f", worst memory ratio {worst_memory:.2f} (target <= {MEMORY_TARGET})")
          + f": {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
