"""Counts in messages read as English: "1 row", "3 rows" (never "1 rows" or "row(s)")."""

from __future__ import annotations


def plural(n: int, noun: str) -> str:
    """``noun`` for one, ``noun + s`` otherwise."""
    return noun if n == 1 else f"{noun}s"


def count(n: int, noun: str) -> str:
    """``"1 row"``, ``"3 rows"``."""
    return f"{n} {plural(n, noun)}"
