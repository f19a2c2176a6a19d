"""Do attention rollout and gradient-weighted rollout earn their place beside Grad-CAM on a VideoMAE?

    .venv/bin/python tests/bench/bench_attention_methods.py [--epochs N] [--clips N] [--seed S]

A VideoMAE (4 blocks, hidden 64, tubelets 2x8x8, 8x64x64 input: 4x8x8 tokens) is trained here, on the
CPU in a few minutes, on a task whose evidence is known: a bright square moves left, right, up or down
(the class) over a random texture, beside a static square just as bright (a distractor). The model
has to find the moving square; a map that explains it must point there.

For each method, on held-out clips the model gets right (its true class):
- pointing: in how many time slices the map's peak lies on the moving square (its tokens), and on
  the distractor; the share of tokens the square covers is the chance level;
- randomisation (Adebayo et al.): mean Spearman correlation with the trained model's map after the
  head alone is re-initialised, and with every block re-initialised (a map that explains the model
  must change: near 1 fails);
- cost: time per batch against plain inference (SDPA attention) in the same run.
Grad-CAM is read at the last block and at the middle one; rollout and attngrad up to the last block.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cabinlens.engine.explain import GradCam  # noqa: E402
from cabinlens.engine.explain.sanity.randomisation import cascading_randomisation, gradcam_method  # noqa: E402
from cabinlens.engine.models import load_model  # noqa: E402

FRAMES, SIZE, PATCH, TUBELET, SQUARE, STEP = 8, 64, 8, 2, 10, 4
CLASSES = ("left", "right", "up", "down")
MOVES = {0: (0, -1), 1: (0, 1), 2: (-1, 0), 3: (1, 0)}  # (dy, dx) per frame, times STEP


def make_clips(n: int, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor, np.ndarray, np.ndarray]:
    """Clips (n, 3, T, H, W) in [0, 1], labels, and per clip and frame the boxes (y, x) of the moving
    square and of the static distractor (top-left corners)."""
    x = np.empty((n, FRAMES, SIZE, SIZE), np.float32)
    moving = np.empty((n, FRAMES, 2), np.int64)
    static = np.empty((n, 2), np.int64)
    labels = rng.integers(0, len(CLASSES), n)
    span = STEP * (FRAMES - 1)
    for i, label in enumerate(labels):
        x[i] = rng.uniform(0.1, 0.45, (1, SIZE // 4, SIZE // 4)).repeat(4, 1).repeat(4, 2)  # coarse texture, static
        dy, dx = MOVES[int(label)]
        y0 = rng.integers(max(0, -dy * span), SIZE - SQUARE - max(0, dy * span) + 1)
        x0 = rng.integers(max(0, -dx * span), SIZE - SQUARE - max(0, dx * span) + 1)
        while True:  # a distractor that never overlaps the moving square
            sy, sx = rng.integers(0, SIZE - SQUARE + 1, 2)
            ys, xs = y0 + dy * STEP * np.arange(FRAMES), x0 + dx * STEP * np.arange(FRAMES)
            if np.all((np.abs(ys - sy) >= SQUARE) | (np.abs(xs - sx) >= SQUARE)):
                break
        static[i] = sy, sx
        for f in range(FRAMES):
            moving[i, f] = ys[f], xs[f]
            x[i, f, sy:sy + SQUARE, sx:sx + SQUARE] = 0.95
            x[i, f, ys[f]:ys[f] + SQUARE, xs[f]:xs[f] + SQUARE] = 0.95
    clips = torch.from_numpy(x)[:, None].expand(-1, 3, -1, -1, -1).contiguous()
    return clips, torch.from_numpy(labels), moving, static


def normalise(clips: torch.Tensor) -> torch.Tensor:
    return (clips - 0.45) / 0.225


def train(folder: Path, epochs: int, clips: int, seed: int) -> float:
    from transformers import VideoMAEConfig, VideoMAEForVideoClassification

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x, y, _, _ = make_clips(clips, rng)
    config = VideoMAEConfig(image_size=SIZE, patch_size=PATCH, num_frames=FRAMES, tubelet_size=TUBELET,
                            hidden_size=64, num_hidden_layers=4, num_attention_heads=4, intermediate_size=128,
                            num_labels=len(CLASSES), id2label=dict(enumerate(CLASSES)),
                            label2id={c: i for i, c in enumerate(CLASSES)})
    model = VideoMAEForVideoClassification(config)
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    steps = epochs * (clips // 32)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=1e-3, total_steps=steps, pct_start=0.1)
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(clips)
        losses = []
        for b in range(clips // 32):
            idx = order[b * 32:(b + 1) * 32]
            logits = model(pixel_values=normalise(x[idx]).transpose(1, 2)).logits
            loss = torch.nn.functional.cross_entropy(logits, y[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            losses.append(float(loss.detach()))
        print(f"  epoch {epoch + 1}/{epochs}: loss {statistics.mean(losses):.3f}", flush=True)
    model.eval().save_pretrained(folder)
    return statistics.mean(losses)


def tokens_of(boxes: np.ndarray, t: int) -> set[tuple[int, int]]:
    """(row, col) tokens that a square covers in the two frames of time slice t."""
    cells = set()
    for f in (TUBELET * t, TUBELET * t + 1):
        y, x = boxes[f]
        for r in range(y // PATCH, (y + SQUARE - 1) // PATCH + 1):
            for c in range(x // PATCH, (x + SQUARE - 1) // PATCH + 1):
                cells.add((r, c))
    return cells


def pointing(maps: np.ndarray, moving: np.ndarray, static: np.ndarray) -> tuple[float, float, float]:
    """(share of time slices whose peak is on the moving square, on the distractor, chance level)."""
    on = off = 0
    area = []
    n, t, h, w = maps.shape
    for i in range(n):
        still = np.repeat(static[i][None], FRAMES, 0)
        for s in range(t):
            r, c = np.unravel_index(int(np.argmax(maps[i, s])), (h, w))
            target = tokens_of(moving[i], s)
            on += (r, c) in target
            off += (r, c) in tokens_of(still, s) - target
            area.append(len(target) / (h * w))
    return on / (n * t), off / (n * t), float(np.mean(area))


def timed(fn, repeats: int = 5) -> float:
    fn()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--clips", type=int, default=3200, help="training clips")
    parser.add_argument("--test", type=int, default=200, help="held-out clips")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "moving_square"
        t0 = time.perf_counter()
        print(f"training a VideoMAE on {args.clips} clips for {args.epochs} epochs ...", flush=True)
        train(folder, args.epochs, args.clips, args.seed)
        print(f"trained in {time.perf_counter() - t0:.0f} s")
        loaded = load_model(folder)
        model, spec = loaded.model, loaded.spec
        x, y, moving, static = make_clips(args.test, np.random.default_rng(args.seed + 1))
        x = normalise(x)
        with torch.no_grad():
            predicted = torch.cat([model(x[i:i + 50]).argmax(1) for i in range(0, len(x), 50)])
        right = (predicted == y).numpy()
        print(f"held-out accuracy {right.mean():.1%} ({right.sum()}/{len(right)} clips right)")
        xr, yr, mr, sr = x[right], y[right], moving[right], static[right]
        last, middle = model.token_blocks()[-1], model.token_blocks()[1]
        methods = {
            "Grad-CAM clip, last block": (last, "clip"), "Grad-CAM clip, block 1": (middle, "clip"),
            "HiResCAM, last block": (last, "hires"), "LayerCAM, last block": (last, "layercam"),
            "rollout": (last, "rollout"), "attngrad": (last, "attngrad"),
        }
        batch = xr[:16]

        def infer():
            with torch.no_grad():
                model(batch)

        t_inf = timed(infer)
        checked = min(24, len(xr))
        print(f"{'method':<28} {'on square':>9} {'on distractor':>13} {'chance':>7} {'head rnd':>9} {'all rnd':>8} {'time':>6}")
        for name, (layer, mode) in methods.items():
            cam = GradCam.for_spec(model, spec, layer)
            maps = torch.cat([cam(xr[i:i + 50], yr[i:i + 50, None], mode=mode).maps[:, 0] for i in range(0, len(xr), 50)])
            hit, distractor, chance = pointing(maps.numpy(), mr, sr)
            rnd = cascading_randomisation(model, spec, xr[:checked], yr[:checked], method=gradcam_method(spec, mode, layer))
            cost = timed(lambda: cam(batch, yr[:16, None], mode=mode)) / t_inf
            print(f"{name:<28} {hit:9.1%} {distractor:13.1%} {chance:7.1%} {rnd.steps[0].mean_spearman:9.2f} "
                  f"{rnd.steps[-1].mean_spearman:8.2f} {cost:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
