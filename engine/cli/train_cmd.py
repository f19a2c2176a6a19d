"""``cabinlens train``: train or fine-tune a model on a Drive&Act-format split."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train or fine-tune a model on a split; checkpoints with a record of the run",
                       description="Trains on SPLIT's train subset, reports balanced top-1 on its val subset after "
                       "every epoch and writes OUT (CabinLens checkpoint) each epoch. --resume continues a stopped run.")
    p.add_argument("--data", required=True, metavar="ROOT")
    p.add_argument("--model", required=True, metavar="ARCH_OR_CHECKPOINT", help="architecture (new weights) or checkpoint")
    p.add_argument("--out", required=True, metavar="CHECKPOINT")
    p.add_argument("--split", type=int, default=0)
    p.add_argument("--view")
    p.add_argument("--level", default="midlevel")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--balanced", action="store_true", help="class-balanced sampling (1/frequency)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--limit", type=int, help="only the first N training clips")
    p.add_argument("--val-limit", type=int, help="validate on only the first N val clips")
    p.add_argument("--cache", action="store_true",
                   help="decode every train/val segment once and keep it in memory (fast epochs; needs RAM)")
    p.add_argument("--amp", action="store_true", help="bfloat16 autocast on CUDA")
    p.add_argument("--resume", action="store_true")
    p.set_defaults(func=_train)


def _train(args: argparse.Namespace) -> int:
    from cabinlens.engine.training.train import TrainConfig, train

    from cabinlens.engine.analysis.service import choose_device

    device = choose_device(args.device)
    cfg = TrainConfig(data=args.data, model=args.model, out=args.out, split=args.split, view=args.view, level=args.level,
                      epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, balanced=args.balanced, seed=args.seed,
                      device=str(device), workers=args.workers, limit=args.limit,
                      val_limit=args.val_limit, cache=args.cache, amp=args.amp)
    try:
        for p in train(cfg, resume=args.resume, status=lambda line: print(line, flush=True)):
            if p.val_balanced_top1 is not None or p.step == p.steps:
                val = "n/a" if p.val_balanced_top1 is None else f"{p.val_balanced_top1:.1%}"
                print(f"epoch {p.epoch}/{p.epochs}: loss {p.loss:.3f}, val balanced top-1 {val}, {p.seconds:.0f} s "
                      f"-> {args.out}", flush=True)
            elif sys.stderr.isatty():
                print(f"\r  epoch {p.epoch} step {p.step}/{p.steps} loss {p.loss:.3f}", end="", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print(f"\ncabinlens: interrupted; the last finished epoch is in {args.out}; --resume continues", file=sys.stderr)
        return 130
    return 0
