"""Errors that carry the file and the problem, so every layer can show users one clear line."""

from __future__ import annotations

from pathlib import Path


class CabinLensError(Exception):
    """Base of every error the engine reports to a user (CLI message or GUI dialog)."""

    def __reduce__(self):
        """Pickled as message and attributes, so an error crosses from a decoding process intact
        (the default calls ``__init__`` again with the message alone, which subclasses refuse)."""
        return _restore, (type(self), self.args, self.__dict__)


def _restore(cls: type, args: tuple, state: dict) -> CabinLensError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class InputError(CabinLensError):
    """Bad user input: names the file, optionally the line, and what is wrong with it."""

    def __init__(self, path: str | Path, problem: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.problem = problem
        self.line = line
        where = f"{self.path}:{line}" if line is not None else f"{self.path}"
        super().__init__(f"{where}: {problem}")
