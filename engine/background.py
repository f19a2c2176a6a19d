"""Work nobody waits for (the window's session sweep) runs below the window and its playback.

Why: on a two-core machine a sweep that takes every core with torch's threads, at the GUI's
priority, leaves playback at 8-13 fps. A background job therefore

- uses fewer torch threads than the machine has cores (half, at least one). ``torch.set_num_threads``
  is process-wide, so it is restored when the job ends; in the window only its one engine worker
  runs torch, one job at a time, so nothing else sees the lower count;
- lowers the OS scheduling priority of its own thread. On Linux a thread is a task with a nice
  value of its own (``setpriority`` on its native id), and the threads it starts afterwards (the
  clip decoders, torch's OpenMP team) inherit it. An unprivileged process may raise a nice value but
  not lower it again, so ``in_background`` runs the job on a thread of its own that ends with it:
  the engine worker that drives it keeps its priority for the dataset analysis or report it runs
  next. Elsewhere nothing changes but the thread count;
- pauses briefly between batches (``Pacer``), so the interpreter lock and a core go to the GUI
  thread and the frame decoder between two batches. The pause is a tenth of the batch's time, at
  most 20 ms: nothing to a CPU batch of seconds, and no brake on a GPU whose batches take milliseconds.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

BACKGROUND_NICE = 10  # CFS gives a nice-10 task about a tenth of a core a nice-0 task wants
BATCH_PAUSE_S = 0.02  # the longest pause between two batches
PAUSE_SHARE = 0.1  # of the time since the last pause


def background_threads(cores: int | None = None) -> int:
    """Torch threads for background work: half the cores, at least one (one on two cores)."""
    return max(1, (cores or os.cpu_count() or 1) // 2)


def lower_thread_priority(niceness: int = BACKGROUND_NICE) -> bool:
    """Raise the calling OS thread's nice value to at least ``niceness``; False where that is not possible."""
    if not sys.platform.startswith("linux") or not hasattr(os, "setpriority"):
        return False
    tid = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, tid) < niceness:
            os.setpriority(os.PRIO_PROCESS, tid, niceness)
        return True
    except OSError:  # a sandbox that forbids it: the fewer threads still help
        return False


def thread_niceness() -> int | None:
    """The calling thread's nice value (Linux), else None."""
    if not sys.platform.startswith("linux") or not hasattr(os, "getpriority"):
        return None
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@contextmanager
def background(threads: int | None = None, niceness: int = BACKGROUND_NICE) -> Iterator[None]:
    """Run the body at background priority on the calling thread (see the module's docstring)."""
    import torch

    before = torch.get_num_threads()
    lower_thread_priority(niceness)
    torch.set_num_threads(threads or background_threads())
    try:
        yield
    finally:
        torch.set_num_threads(before)


def in_background(make: Callable[[], Iterator[T]], threads: int | None = None,
                  niceness: int = BACKGROUND_NICE) -> Iterator[T]:
    """``make()``'s items, computed on a short-lived thread at background priority, yielded here.

    The thread runs at most one item ahead; an exception there is raised here; closing this
    generator (the job aborted or superseded) stops the thread after its current item and closes
    ``make()``'s generator on it, so its ``finally`` blocks run where its resources live.
    """
    items: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    end = object()

    def put(item: tuple[bool, object]) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            with background(threads, niceness):
                produced = make()
                try:
                    for item in produced:
                        if not put((True, item)):
                            return
                finally:
                    close = getattr(produced, "close", None)
                    if close is not None:
                        close()
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            put((False, exc))
            return
        put((False, end))

    thread = threading.Thread(target=run, name="cabinlens-background", daemon=True)
    thread.start()
    try:
        while True:
            ok, item = items.get()
            if ok:
                yield item  # type: ignore[misc]
            elif item is end:
                return
            else:
                raise item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():
            try:  # unblock a put waiting on a full queue
                items.get(timeout=0.05)
            except queue.Empty:
                pass
        thread.join()


class Pacer:
    """Called after every batch: lets the GUI and playback run for a share of the time the batch took."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.clock, self.sleep = clock, sleep
        self._last = clock()

    def __call__(self) -> float:
        """Pause; returns how long."""
        seconds = min(BATCH_PAUSE_S, PAUSE_SHARE * (self.clock() - self._last))
        self.sleep(seconds)
        self._last = self.clock()
        return seconds
