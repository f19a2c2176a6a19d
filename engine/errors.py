"""Errors that carry the file and the problem, so every layer can show users one clear line."""

from __future__ import annotations

from pathlib import Path


class CabinLensError(Exception):
    """Base of every error the engine reports to a user (CLI message or GUI dialog)."""


class InputError(CabinLensError):
    """Bad user input: names the file, optionally the line, and what is wrong with it."""

    def __init__(self, path: str | Path, problem: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.problem = problem
        self.line = line
        where = f"{self.path}:{line}" if line is not None else f"{self.path}"
        super().__init__(f"{where}: {problem}")
