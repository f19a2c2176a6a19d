"""``cabinlens sessions PROJECT``: the sessions (videos) of a project, with what each run analysed on them."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sessions", help="list a project's sessions: file id, video, frames, fps, analysed samples per run",
                       description="Every session (video) a run of PROJECT has samples on, with the samples each run "
                       "analysed there (runs of one model overlap: every row, a subset, a sweep). The file id is what "
                       "export-clip --session and the window take (with or without the video's extension).")
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_sessions)


def _sessions(args: argparse.Namespace) -> int:
    from cabinlens.engine.analysis.session import sessions
    from cabinlens.engine.wording import plural
    from cabinlens.engine.analysis.store import Store

    with Store(args.project, readonly=True) as store:
        found = sessions(store)
    rows = [_row(s) for s in found]
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    if not rows:
        print(f"{args.project}: no sessions (nothing analysed yet)")
        return 0
    width = max(len(r["file_id"]) for r in rows)
    print(f"{'file id':<{width}}  {'frames':>7} {'fps':>6}  video")
    for s, r in zip(found, rows, strict=True):
        frames = "?" if r["frames"] is None else str(r["frames"])
        fps = "?" if r["fps"] is None else f"{r['fps']:.2f}"
        video = r["video"] + (f"  ({r['problem']})" if r["problem"] else "")
        print(f"{r['file_id']:<{width}}  {frames:>7} {fps:>6}  {video}")
        for run in s.runs:
            print(f"  {run.describe()}")
    print(f"{len(rows)} {plural(len(rows), 'session')}")
    return 0


def _row(s) -> dict:
    """One session as JSON: the video's facts (or why it cannot be read) and each run's analysed samples."""
    from cabinlens.engine.errors import CabinLensError
    from cabinlens.engine.video.reader import probe

    try:
        info = probe(s.video)
        frames, fps, problem = info.frame_count, info.fps, ""
    except CabinLensError as exc:
        frames, fps, problem = None, None, getattr(exc, "problem", str(exc))
    runs = [{"run": r.run_id, "name": r.name, "kind": r.kind, "model": r.model, "samples": r.samples,
             "accuracy": r.accuracy} for r in s.runs]
    return {"file_id": s.file_id, "video": s.video, "frames": frames, "fps": fps, "runs": runs, "problem": problem}
