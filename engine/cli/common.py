"""What several commands share: the terminal's progress bar, and warnings on stderr.

Resolving models and devices is the engine's (``cabinlens.engine.analysis.service``), not the CLI's.
"""

from __future__ import annotations

import sys


def progress_bar(label: str, p) -> None:
    """A redrawn bar on a terminal; in a log, a line at every quarter. ``p`` has ``done``, ``total``
    and optionally ``eta`` (the analysis runner's ``Progress``, a ``progress.Message``)."""
    if not p.total:
        return
    if not sys.stderr.isatty():
        if p.done == p.total or p.done * 4 // p.total != (p.done - 1) * 4 // p.total:
            print(f"  {label}: {p.done}/{p.total}", file=sys.stderr, flush=True)
        return
    width = 30
    filled = int(width * p.done / p.total)
    eta = getattr(p, "eta", None)
    eta = "" if eta is None else f" ETA {int(eta // 60)}:{int(eta % 60):02d}"
    print(f"\r  {label[:40]:<40} [{'#' * filled}{'.' * (width - filled)}] {p.done}/{p.total}{eta}   ",
          end="\n" if p.done >= p.total else "", file=sys.stderr, flush=True)


def warn(text: object) -> None:
    """A warning for the user, on stderr (``ModelWarning`` and plain strings alike)."""
    print(f"cabinlens: warning: {text}", file=sys.stderr, flush=True)


PRECISIONS = ("float32", "bfloat16", "float16")  # engine.device's, spelled here: the parser must not import torch


def add_precision_option(p) -> None:
    """``--precision``: autocast of the forward pass on CUDA; the CPU always computes in float32."""
    p.add_argument("--precision", choices=PRECISIONS, default="float32",
                   help="forward pass on CUDA in float32 (default), bfloat16 or float16 (autocast; the Grad-CAM "
                        "weights and maps stay float32); the CPU always computes in float32")


def workers_count(text: str) -> int | None:
    """``--workers``: ``auto`` (None: ``engine.analysis.decode_workers`` for the device) or a number >= 1
    of decoding threads or processes (``--decode-in``)."""
    return _auto_or_count(text, "decoding workers")


def batch_size(text: str) -> int | None:
    """``--batch-size``: ``auto`` (None: from free memory on CUDA, 8 on the CPU) or a number of clips >= 1."""
    return _auto_or_count(text, "clips")


def _auto_or_count(text: str, what: str) -> int | None:
    if text == "auto":
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        import argparse

        raise argparse.ArgumentTypeError(f"{text!r} is not auto or a number of {what} >= 1")
    return value
