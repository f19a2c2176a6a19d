"""``cabinlens sessions PROJECT``: the sessions (videos) of a project, with what has been analysed on each."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sessions", help="list a project's sessions: file id, video, frames, fps, analysed samples",
                       description="Every session (video) a run of PROJECT has samples on. The file id is what "
                       "export-clip --session and the window take (with or without the video's extension).")
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_sessions)


def _sessions(args: argparse.Namespace) -> int:
    from cabinlens.engine.analysis.session import sessions
    from cabinlens.engine.analysis.store import Store
    from cabinlens.engine.errors import CabinLensError
    from cabinlens.engine.video.reader import probe

    with Store(args.project, readonly=True) as store:
        found = sessions(store)
    rows = []
    for s in found:
        try:
            info = probe(s.video)
            frames, fps, problem = info.frame_count, info.fps, ""
        except CabinLensError as exc:
            frames, fps, problem = None, None, getattr(exc, "problem", str(exc))
        rows.append({"file_id": s.file_id, "video": s.video, "frames": frames, "fps": fps,
                     "samples": dict(s.samples), "problem": problem})
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    if not rows:
        print(f"{args.project}: no sessions (nothing analysed yet)")
        return 0
    width = max(len(r["file_id"]) for r in rows)
    print(f"{'file id':<{width}}  {'frames':>7} {'fps':>6}  analysed samples  video")
    for r in rows:
        frames = "?" if r["frames"] is None else str(r["frames"])
        fps = "?" if r["fps"] is None else f"{r['fps']:.2f}"
        samples = ", ".join(f"{m} {n}" for m, n in r["samples"].items()) or "none"
        video = r["video"] + (f"  ({r['problem']})" if r["problem"] else "")
        print(f"{r['file_id']:<{width}}  {frames:>7} {fps:>6}  {samples}  {video}")
    print(f"{len(rows)} session(s)")
    return 0
