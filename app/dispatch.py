"""Route what a job yields to the handler of its type: adding a kind of message is one table entry.

A job's generator yields values of many types (progress lines, sessions, tracks, warnings ...);
the worker carries them in one signal, and each receiver keeps one table instead of a chain of
``isinstance`` branches.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Mapping
from typing import Any


class Dispatch:
    """``dispatch(item)`` calls the handler registered for ``type(item)`` or its nearest base class.

    Bound methods are held weakly: a window keeping its own table must not form a reference cycle,
    which would leave its Qt objects to Python's cyclic collector, at a random later moment on the
    GUI thread (where destroying them next to running worker threads can crash the process).
    """

    def __init__(self, handlers: Mapping[type, Callable[[Any], object]]) -> None:
        self.handlers = {cls: weakref.WeakMethod(h) if inspect.ismethod(h) else (lambda h=h: h)
                         for cls, h in handlers.items()}

    def __call__(self, item: object) -> bool:
        """Whether a handler took the item (an unknown kind, or a handler whose owner is gone, is left alone)."""
        for cls in type(item).__mro__:
            ref = self.handlers.get(cls)
            if ref is not None:
                handler = ref()
                if handler is None:
                    return False
                handler(item)
                return True
        return False
