"""Whose prediction and Grad-CAM the player shows: the user's choice of run, kept per project.

A split run covers the sessions of its subset, and each session has a sweep run of its own per model,
so a choice is kept as (model, kind, name) and found again on every session: the same run where the
session has it, else the same model's run of that kind, else the same model's, else the first split
run (whose samples are labelled, so the correct/wrong row has something to show).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from PySide6.QtCore import QSettings

from cabinlens.engine.analysis.session import Track

PLAYER_RUNS = "playerRuns"  # QSettings: {project path: {model, kind, name}}, most recent first
KEPT_PROJECTS = 8


@dataclass(frozen=True)
class RunChoice:
    model: str
    kind: str  # "split" or "sweep"
    name: str = ""


def choice_of(track: Track) -> RunChoice:
    return RunChoice(track.model, track.kind, track.name)


def describe(track: Track) -> str:
    """How the run reads in the picker and the label line: 'i3d_small · split 0 val', 'i3d_small · session sweep'."""
    if track.kind == "sweep":
        return f"{track.shown} · session sweep"
    what = track.name.split(": ", 1)[1] if ": " in track.name else track.kind
    what = what.split(" ", 1)[1] if what.count(" ") >= 3 and "/" in what.split(" ", 1)[0] else what  # view/level said once
    return f"{track.shown} · {what}"


def labels(tracks: list[Track]) -> list[str]:
    """``describe`` of each run, with the run's full name where two would read the same."""
    short = [describe(t) for t in tracks]
    return [s if short.count(s) == 1 else f"{t.shown} · {t.name.split(': ', 1)[-1]}" for s, t in zip(short, tracks, strict=True)]


def resolve(tracks: list[Track], wanted: RunChoice | None) -> Track | None:
    """The session's run that answers ``wanted`` best (see the module's docstring)."""
    if not tracks:
        return None
    if wanted is not None:
        tests = (lambda t: choice_of(t) == wanted,
                 lambda t: t.model == wanted.model and t.kind == wanted.kind,
                 lambda t: t.model == wanted.model and t.kind == "split",
                 lambda t: t.model == wanted.model)
        for test in tests:
            found = next((t for t in tracks if test(t)), None)
            if found is not None:
                return found
    return next((t for t in tracks if t.kind == "split"), tracks[0])


class KeptRunChoices:
    """The run choice of each project in QSettings, like the compare layouts (a hand-edited value is ignored)."""

    def __init__(self, settings: QSettings | None) -> None:
        self.settings = settings

    def _all(self) -> dict:
        if self.settings is None:
            return {}
        try:
            kept = json.loads(str(self.settings.value(PLAYER_RUNS, "{}")))
        except ValueError:
            return {}
        return kept if isinstance(kept, dict) else {}

    def get(self, project: str) -> RunChoice | None:
        value = self._all().get(project)
        if not isinstance(value, dict):
            return None
        try:
            return RunChoice(str(value["model"]), str(value["kind"]), str(value.get("name", "")))
        except KeyError:
            return None

    def keep(self, project: str, choice: RunChoice) -> None:
        if self.settings is None or not project:
            return
        kept = {project: asdict(choice), **{k: v for k, v in self._all().items() if k != project}}
        self.settings.setValue(PLAYER_RUNS, json.dumps(dict(list(kept.items())[:KEPT_PROJECTS])))
