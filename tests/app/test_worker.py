"""The engine worker: progress, result, cancel, errors, superseded jobs, clean shutdown."""

from __future__ import annotations

import threading
import time

from cabinlens.app.worker import EngineWorker
from cabinlens.engine.errors import InputError


def counting(n, delay=0.0):
    def make(abort: threading.Event):
        def gen():
            for i in range(n):
                time.sleep(delay)
                yield i
            return "done"

        return gen()

    return make


def test_progress_then_finished(qtbot):
    worker = EngineWorker()
    seen = []
    worker.progress.connect(lambda g, item: seen.append((g, item)))
    with qtbot.waitSignal(worker.finished, timeout=15000) as finished:
        gen = worker.submit(counting(5))
    assert finished.args == [gen, "done"] and [i for _, i in seen] == [0, 1, 2, 3, 4]
    worker.shutdown()


def test_cancel_stops_between_yields(qtbot):
    """After the GUI cancels on item 2, the job yields the item it was computing, and no more.

    The job waits after item 2 until the GUI has cancelled, so the count does not depend on how
    quickly a (loaded) machine delivers the signals."""
    worker = EngineWorker()
    seen = []
    cancelled_by_gui = threading.Event()

    def make(abort: threading.Event):
        def gen():
            for i in range(100):
                if i == 3:
                    assert cancelled_by_gui.wait(30)
                yield i
            return "done"

        return gen()

    def progress(_g, item) -> None:
        seen.append(item)
        if item == 2:
            worker.cancel()
            cancelled_by_gui.set()

    worker.progress.connect(progress)
    with qtbot.waitSignal(worker.cancelled, timeout=30000):
        worker.submit(make)
    assert seen == [0, 1, 2, 3]
    worker.shutdown()


def test_a_new_job_supersedes_the_running_one(qtbot):
    worker = EngineWorker()
    results = []
    worker.finished.connect(lambda g, value: results.append((g, value)))
    cancelled = []
    worker.cancelled.connect(cancelled.append)
    first = worker.submit(counting(1000, 0.01))
    time.sleep(0.05)
    second = worker.submit(counting(3))
    qtbot.waitUntil(lambda: any(g == second for g, _ in results), timeout=15000)
    assert cancelled == [first] and not worker.is_current(first) and worker.is_current(second)
    worker.shutdown()


def test_errors_arrive_as_one_line_messages(qtbot):
    worker = EngineWorker()

    def bad(_abort):
        yield 1
        raise InputError("/data/vp1/run.mp4", "is truncated after frame 10")

    def crash(_abort):
        yield 1
        raise ZeroDivisionError("division by zero")

    with qtbot.waitSignal(worker.failed, timeout=15000) as failed:
        worker.submit(bad)
    assert failed.args[1] == "/data/vp1/run.mp4: is truncated after frame 10"
    with qtbot.waitSignal(worker.failed, timeout=15000) as failed:
        worker.submit(crash)
    assert failed.args[1] == "ZeroDivisionError: division by zero"
    worker.shutdown()
    assert not worker._thread.isRunning()
