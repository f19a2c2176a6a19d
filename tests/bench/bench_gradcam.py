"""Grad-CAM time against plain inference, measured in the same run (ratios).

    .venv/bin/python tests/bench/bench_gradcam.py [--repeats N]

Target (Grad-CAM issue): CAM time <= 1.15x inference for r3d_18 (batch 4, 16x112x112), the small
demo I3D and the full I3D (batch 1, 32x224x224). Inference = forward under no_grad.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.explain import GradCam  # noqa: E402
from engine.models import build_model, default_spec  # noqa: E402

CASES = [("r3d_18", 4, 16, 112), ("i3d_small", 4, 16, 112), ("i3d", 1, 32, 224)]


def timed(fn, repeats: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.manual_seed(0)
    worst = 0.0
    print(f"{'model':<10} {'batch':>5} {'input':>10} {'infer s':>8} {'cam s':>8} {'ratio':>6}")
    for arch, batch, frames, size in CASES:
        model = build_model(default_spec(arch, tuple(f"c{i}" for i in range(34))))
        x = torch.randn(batch, 3, frames, size, size)
        cam = GradCam(model, default_spec(arch).cam_layer)

        def infer():
            with torch.no_grad():
                model(x)

        t_inf, t_cam = timed(infer, args.repeats), timed(lambda: cam(x), args.repeats)
        worst = max(worst, t_cam / t_inf)
        print(f"{arch:<10} {batch:>5} {f'{frames}x{size}²':>10} {t_inf:8.3f} {t_cam:8.3f} {t_cam / t_inf:6.2f}")
    print(f"worst ratio {worst:.2f} (target <= 1.15): {'ok' if worst <= 1.15 else 'MISSED'}")
    return 0 if worst <= 1.15 else 1


if __name__ == "__main__":
    sys.exit(main())
