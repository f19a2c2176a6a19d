"""``cabinlens video ...``: inspect a video and pull out exact frames."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cabinlens.engine.cli.groups import add_group
from cabinlens.engine.errors import InputError
from cabinlens.engine.io import atomic_path
from cabinlens.engine.video.reader import VideoReader, probe


def register(sub: argparse._SubParsersAction) -> None:
    cmds = add_group(sub, "video", "videos: probe, frame")
    p = cmds.add_parser("probe", help="codec, size, fps, frames that decode, keyframes")
    p.add_argument("file")
    p.add_argument("--verify", action="store_true", help="decode every frame to count what really decodes")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_probe)
    f = cmds.add_parser("frame", help="write frame INDEX (0-based) as an image")
    f.add_argument("file")
    f.add_argument("index", type=int)
    f.add_argument("out", help="output image (.png, .jpg)")
    f.set_defaults(func=_frame)


def _probe(args: argparse.Namespace) -> int:
    info = probe(args.file, verify=args.verify)
    if args.json:
        print(json.dumps(info.to_dict(), indent=2))
        return 0
    claimed = info.container_frame_count
    print(f"{info.path}")
    print(f"  codec      {info.codec} ({info.pixel_format}), {info.width}x{info.height} at {info.fps:.3f} fps")
    note = "" if claimed in (0, info.frame_count) else f" (the container claims {claimed})"
    print(f"  frames     {info.frame_count}{note}, {info.duration_s:.2f} s")
    print(f"  keyframes  {info.keyframes}, longest GOP {info.max_gop} frames")
    if info.problem:
        print(f"  problem    {info.problem}")
    return 0


def _frame(args: argparse.Namespace) -> int:
    import cv2  # image encoding only

    out = Path(args.out)
    if out.suffix.lower() not in (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"):
        raise InputError(out, "the output must be an image file (.png, .jpg, .bmp, .tif)")
    with VideoReader(args.file, pixel_format="bgr24", cache_bytes=0) as reader:
        frame = reader.frame(args.index)
    ok, encoded = cv2.imencode(out.suffix, frame)
    if not ok:
        raise InputError(out, "the image could not be encoded")
    with atomic_path(out) as tmp:
        tmp.write_bytes(encoded.tobytes())
    print(f"wrote frame {args.index} ({frame.shape[1]}x{frame.shape[0]}) to {out}")
    return 0
