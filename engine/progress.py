"""One line of progress for people: what is happening, with a count when there is one.

Shared by engine generators (the demo's preparation) and the window's status bar, so a job's
progress passes through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    text: str
    done: int = 0
    total: int = 0
