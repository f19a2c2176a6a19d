"""One helper for the command groups (``cabinlens data|video|models ...``), so each registers alike."""

from __future__ import annotations

import argparse


def add_group(sub: argparse._SubParsersAction, name: str, help_text: str) -> argparse._SubParsersAction:
    """Add ``cabinlens NAME``; without a command it prints its help and exits 2."""
    group = sub.add_parser(name, help=help_text)
    group.set_defaults(func=lambda _a: group.print_help() or 2)
    return group.add_subparsers(dest="command", metavar="COMMAND")
