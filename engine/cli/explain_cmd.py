"""``cabinlens explain survey``: where the maps point, per layer, weighting and input size."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.explain.methods import METHODS


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("explain", help="measure explanations against a dataset's evidence files")
    commands = group.add_subparsers(dest="command", metavar="COMMAND")
    p = commands.add_parser(
        "survey",
        help="pointing game and energy share per layer, weighting and input size, with baselines and occlusion",
        description="Scores the true class's Grad-CAM of every block of MODEL in every weighting on random "
        "labelled clips that have evidence files (one forward pass per clip), beside a uniform, a centre and a "
        "motion map, and greys the evidence boxes to see whether the decision needs them.",
    )
    p.add_argument("--data", required=True, help="dataset root with evidence files (e.g. cabinlens data synth)")
    p.add_argument("--model", action="append", required=True, metavar="MODEL_OR_CHECKPOINT",
                   help="a checkpoint or an architecture name; repeat for several")
    p.add_argument("--clips", type=int, default=40, help="random labelled clips per model (default 40)")
    p.add_argument("--size", type=int, action="append", help="input side; repeat for several (default: the model's)")
    p.add_argument("--split", type=int, default=0)
    p.add_argument("--subset", default="test")
    p.add_argument("--weightings", default=",".join(METHODS),
                   help=f"comma-separated (default: all of {', '.join(METHODS)}; rollout and attngrad read a VideoMAE's "
                        "attention and are left out of the default for other models)")
    p.add_argument("--no-occlusion", action="store_true", help="skip the occlusion table")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", help="write the Markdown tables here (and the rows as CSV beside it)")
    p.set_defaults(func=_survey)
    group.set_defaults(func=lambda _args: group.print_help() or 2)


def _survey(args: argparse.Namespace) -> int:
    from cabinlens.engine.analysis.service import choose_device, resolve_model
    from cabinlens.engine.explain.layer_survey import markdown, survey, write_csv

    device = str(choose_device(args.device))
    weightings = [w.strip() for w in args.weightings.split(",") if w.strip()]
    unknown = [w for w in weightings if w not in METHODS]
    if unknown:
        raise CabinLensError(f"unknown weighting {unknown[0]!r} (use {', '.join(METHODS)})")
    rows, occlusions = [], []
    for model in args.model:
        sizes = args.size or [resolve_model(model).spec.input.size[0]]
        r, o = survey(args.data, model, clips=args.clips, sizes=sizes, split=args.split, subset=args.subset,
                      weightings=weightings, occlusion=not args.no_occlusion, seed=args.seed, device=device,
                      progress=lambda text: print(f"\r{text}", end="", file=sys.stderr, flush=True))
        print(file=sys.stderr)
        rows += r
        occlusions += o
    text = markdown(rows, occlusions)
    print(text)
    if args.out:
        out = Path(args.out)
        out.write_text(text + "\n", encoding="utf-8")
        write_csv(out.with_suffix(".csv"), rows)
        print(f"{out}, {out.with_suffix('.csv')}", file=sys.stderr)
    return 0
