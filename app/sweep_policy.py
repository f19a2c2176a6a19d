"""When the window sweeps an opened session with the project's models: the user's policy, kept.

A sweep costs what a whole analysis costs, and on a laptop's CPU it competes with playback, so the
user chooses: **Off** (stored tracks only, no model work), **Around the playhead** (the windows within
``AROUND_SPAN`` frames of the playhead, again wherever the user goes), or **Whole session** (every
window, nearest the playhead first). A sweep the user cancels stays cancelled for that session
(``SweepHolds``) until the user starts it again.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QSettings

SWEEP_POLICY = "sweepPolicy"  # QSettings: one of SweepPolicy's values
AROUND_SPAN = 900  # frames either side of the playhead (30 s at 30 fps) an "around" sweep covers


class SweepPolicy(str, Enum):
    OFF = "off"
    AROUND = "around"
    SESSION = "session"

    @property
    def label(self) -> str:
        return {"off": "&Off (stored results only)", "around": "&Around the playhead",
                "session": "&Whole session"}[self.value]

    @property
    def span(self) -> int | None:
        """How far from the playhead a sweep goes (None: the whole session)."""
        return AROUND_SPAN if self is SweepPolicy.AROUND else None


DEFAULT_POLICY = SweepPolicy.AROUND


def kept_policy(settings: QSettings | None) -> SweepPolicy:
    """The kept policy (the default where none is kept, or a hand-edited value is no policy)."""
    if settings is None:
        return DEFAULT_POLICY
    try:
        return SweepPolicy(str(settings.value(SWEEP_POLICY, DEFAULT_POLICY.value)))
    except ValueError:
        return DEFAULT_POLICY


def keep_policy(settings: QSettings | None, policy: SweepPolicy) -> None:
    if settings is not None:
        settings.setValue(SWEEP_POLICY, policy.value)


class SweepHolds:
    """The sessions whose sweep the user cancelled, in this run of the window: no scrub, reopen or
    playhead move starts them again; only the user does (``release``)."""

    def __init__(self) -> None:
        self._held: set[tuple[str, str]] = set()

    def hold(self, project: str, file_id: str) -> None:
        if project and file_id:
            self._held.add((project, file_id))

    def release(self, project: str, file_id: str) -> None:
        self._held.discard((project, file_id))

    def held(self, project: str, file_id: str) -> bool:
        return (project, file_id) in self._held
