"""Errors cross a process boundary intact (decoding processes hand them back pickled)."""

from __future__ import annotations

import pickle

from cabinlens.engine.errors import CabinLensError
from cabinlens.engine.video.errors import FrameUnavailableError


def test_an_error_keeps_its_type_message_and_attributes_through_pickling():
    error = FrameUnavailableError("/data/run1.mp4", "frame 7 is damaged", 3)
    error.nearest = 6
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is FrameUnavailableError and isinstance(back, IndexError)
    assert str(back) == str(error) == "/data/run1.mp4:3: frame 7 is damaged"
    assert (back.path, back.problem, back.line, back.nearest) == (error.path, error.problem, 3, 6)
    plain = pickle.loads(pickle.dumps(CabinLensError("the model has no feature layer 'fc'")))
    assert str(plain) == "the model has no feature layer 'fc'"
