"""Route what a job yields to the handler of its type: adding a kind of message is one table entry.

A job's generator yields values of many types (progress lines, sessions, tracks, warnings ...);
the worker carries them in one signal, and each receiver keeps one table instead of a chain of
``isinstance`` branches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


class Dispatch:
    """``dispatch(item)`` calls the handler registered for ``type(item)`` or its nearest base class."""

    def __init__(self, handlers: Mapping[type, Callable[[Any], object]]) -> None:
        self.handlers = dict(handlers)

    def __call__(self, item: object) -> bool:
        """Whether a handler took the item (an unknown kind is left alone)."""
        for cls in type(item).__mro__:
            handler = self.handlers.get(cls)
            if handler is not None:
                handler(item)
                return True
        return False
