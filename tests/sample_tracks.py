"""One small session's tracks (ground truth and one run), for the timeline and player widget tests."""

from __future__ import annotations

import numpy as np

from cabinlens.engine.analysis.session import SessionTracks, Track

CLASSES = ("drinking", "eating", "writing")


def tracks() -> SessionTracks:
    starts = np.array([0, 16, 32, 48])
    track = Track(run_id=7, model="m", kind="split", classes=CLASSES, spec={"input": {"frames": 16, "sampling": "uniform"}},
                  indices=np.arange(4), starts=starts, ends=starts + 16, labels=np.array([0, 1, 2, -1]),
                  predicted=np.array([0, 2, 2, 1]), confidence=np.array([0.9, 0.6, 0.7, 0.5]))
    return SessionTracks("vp1/run1.ids_1", "/v.mp4", [(0, 16, "drinking"), (16, 40, "eating")], [track])
