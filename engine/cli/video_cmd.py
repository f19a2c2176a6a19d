"""``cabinlens video ...``: inspect a video and pull out exact frames.

Whatever the file is (a folder, an empty or text file, random bytes, a cut-off or damaged video),
a problem ends as one ``cabinlens: error: FILE: PROBLEM`` line with exit status 2, never a trace.
``probe --verify`` exits with 1 when the video reads but is damaged, so scripts can sort files.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import av

from cabinlens.engine.cli.groups import add_group
from cabinlens.engine.errors import InputError
from cabinlens.engine.io import atomic_path
from cabinlens.engine.video.reader import VideoInfo, VideoReader, probe

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


def register(sub: argparse._SubParsersAction) -> None:
    cmds = add_group(sub, "video", "videos: probe, frame")
    p = cmds.add_parser("probe", help="codec, size, fps, frames that decode, keyframes, damage",
                        description="Exit status: 0 readable (and, with --verify, undamaged), "
                        "1 damaged (with --verify), 2 not a readable video.")
    p.add_argument("file")
    p.add_argument("--verify", action="store_true",
                   help="decode every packet: count what really decodes and the damage (its numbering is kept for later reads)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_guarded(_probe))
    f = cmds.add_parser("frame", help="write frame INDEX (0-based: FFmpeg's INDEX-th decoded picture) as an image")
    f.add_argument("file")
    f.add_argument("index", type=int)
    f.add_argument("out", help="output image (.png, .jpg)")
    f.set_defaults(func=_guarded(_frame))


def _guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Decoder and file-system errors the reader did not foresee still name the file, in one line."""

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except av.FFmpegError as exc:
            raise InputError(args.file, f"cannot be decoded ({exc.__class__.__name__}: {exc.strerror or exc})") from None
        except (OSError, MemoryError) as exc:
            raise InputError(getattr(exc, "filename", None) or args.file, f"cannot be read or written: {exc}") from None

    return run


def _probe(args: argparse.Namespace) -> int:
    info = probe(args.file, verify=args.verify)
    status = 1 if args.verify and info.damaged else 0
    if args.json:
        print(json.dumps(info.to_dict(), indent=2))
        return status
    claimed = info.container_frame_count
    print(f"{info.path}")
    print(f"  codec      {info.codec} ({info.pixel_format}), {info.width}x{info.height} at {info.fps:.3f} fps")
    note = "" if claimed in (0, info.frame_count) else f" (the container claims {claimed})"
    print(f"  frames     {info.frame_count}{note}, {info.duration_s:.2f} s")
    print(f"  keyframes  {info.keyframes}, longest GOP {info.max_gop} frames")
    if info.problem:
        print(f"  problem    {info.problem}")
    if args.verify:
        _print_verification(info)
    return status


def _print_verification(info: VideoInfo) -> None:
    d = info.damage
    if not info.damaged:
        print("  verified   no problem: every packet decoded to one picture")
        return
    print("  verified   the stream is damaged; frame k is still FFmpeg's k-th decoded picture")
    rows = (
        ("undecodable packets", d.undecodable_packets, "decoder errors"),
        ("pictures dropped", d.dropped_pictures, "packets that produced no picture"),
        ("timestamp gaps", d.timestamp_gaps, "frame times missing in a constant-rate stream"),
        ("non-monotonic", d.non_monotonic_timestamps, "decode timestamps going backwards"),
        ("duplicate times", d.duplicate_timestamps, ""),
        ("corrupt packets", d.corrupt_packets, "flagged by the demuxer"),
        ("no picture code", d.pictureless_packets, "packets without a picture start code"),
    )
    for label, count, why in rows:
        print(f"    {label:<21} {count}" + (f"  ({why})" if why and count else ""))
    if d.truncated:
        print("    truncated             yes (the file ends early or demuxing stopped on an error)")


def _frame(args: argparse.Namespace) -> int:
    import cv2  # image encoding only

    out = Path(args.out)
    if out.suffix.lower() not in IMAGE_SUFFIXES:
        raise InputError(out, "the output must be an image file (.png, .jpg, .bmp, .tif)")
    if out.is_dir():
        raise InputError(out, "is a folder; give the image's file name")
    with VideoReader(args.file, pixel_format="bgr24", cache_bytes=0) as reader:
        frame = reader.frame(args.index)
    ok, encoded = cv2.imencode(out.suffix, frame)
    if not ok:
        raise InputError(out, "the image could not be encoded")
    try:
        with atomic_path(out) as tmp:
            tmp.write_bytes(encoded.tobytes())
    except OSError as exc:
        raise InputError(out, f"cannot be written: {exc.strerror or exc}") from None
    print(f"wrote frame {args.index} ({frame.shape[1]}x{frame.shape[0]}) to {out}")
    return 0
