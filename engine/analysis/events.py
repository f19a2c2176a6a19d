"""What an analysis reports as it goes: progress, warnings about a model, a run's start and end.

Plain dataclasses without torch, so the window can route them by type (its dispatch tables)
before torch is imported; the service and the runner yield them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    elapsed: float
    aborted: bool = False
    session_done: int = 0  # samples done in this session (a resumed run starts from its stored ones)

    @property
    def eta(self) -> float | None:
        """Seconds left at the rate of this session (None before the first batch)."""
        return None if self.done == 0 or self.elapsed == 0 else self.elapsed / max(self.session_done, 1) * (self.total - self.done)


@dataclass(frozen=True)
class ModelWarning:
    """Something the user should know about a model (missing class names, random weights, ...)."""

    model: str
    text: str

    def __str__(self) -> str:
        return f"{self.model}: {self.text}"


@dataclass(frozen=True)
class DataNote:
    """Something the user should know about the data (ignored files, repeated rows, skipped rows)."""

    text: str


@dataclass(frozen=True)
class RunStarted:
    run_id: int
    model: str
    job: str
    device: str
    todo: int  # samples still to analyse (0: the run is complete, nothing is computed)
    total: int


@dataclass(frozen=True)
class RunFinished:
    run_id: int
    model: str
    job: str
    device: str
    done: int  # samples stored in the run
    computed: int  # of which this call computed
    seconds: float
    aborted: bool = False
