"""``cabinlens demo --headless``: the demo without a window, ending in the full report.

The ``cabinlens`` launcher sends ``cabinlens demo`` here when it has no display (and says so); with
a display it opens the window, which runs the same preparation on its worker.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="the shipped I3D, C3D and P3D on the synthetic Drive&Act (window or --headless)",
                       description="Generates the synthetic Drive&Act (once), analyses split 0 val and test with the "
                       "three shipped models, computes embeddings and opens the window on the result; --headless "
                       "writes the full report instead. Everything is cached: a second run takes seconds.")
    p.add_argument("--headless", action="store_true", help="no window: write the report (see --out)")
    p.add_argument("--out", metavar="DIR", help="report folder (default: DATA/demo-report)")
    p.add_argument("--data", metavar="DIR", help="where the demo keeps its data (default: $CABINLENS_DATA or "
                   "~/.local/share/cabinlens)")
    p.add_argument("--device", default="auto", help="auto (default: the first GPU when there is one, else the CPU), cpu, cuda:N")
    p.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    from cabinlens.engine.analysis.report import describe_explanations, describe_pair, write_report
    from cabinlens.engine.analysis.service import ModelWarning
    from cabinlens.engine.cli.common import progress_bar, warn
    from cabinlens.engine.demo import DemoReady, default_data_dir, prepare

    data = Path(args.data) if args.data else default_data_dir()
    out = Path(args.out) if args.out else data / "demo-report"
    t0 = time.perf_counter()
    ready = None
    last = ""
    for item in prepare(data, device=args.device):
        if isinstance(item, DemoReady):
            ready = item
            continue
        if isinstance(item, ModelWarning):
            warn(item)
            continue
        if item.total:
            progress_bar(item.text, item)
        elif item.text != last:
            print(item.text, file=sys.stderr, flush=True)
        last = item.text
    assert ready is not None
    print(f"demo data: {ready.data}\nproject:   {ready.project}"
          f" ({'cached' if ready.cached else f'prepared in {ready.seconds:.0f} s'})")
    summary = write_report(ready.project, out)
    for run in summary["runs"]:
        m = run["metrics"]
        if m:
            print(f"  {run['name']}: balanced top-1 {100 * m['top1']['all']:.1f}%, top-5 {100 * m['top5']['all']:.1f}%")
    for line in filter(None, map(describe_explanations, summary["runs"])):
        print(f"  {line}")
    for pair in summary["pairs"]:
        print(f"  {describe_pair(pair)}")
    print(f"report: {out / 'index.html'} ({time.perf_counter() - t0:.0f} s in all)")
    return 0
