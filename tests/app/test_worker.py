"""The engine worker: progress, result, cancel, errors, superseded jobs, clean shutdown."""

from __future__ import annotations

import threading
import time

from app.worker import EngineWorker
from engine.errors import InputError


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
    with qtbot.waitSignal(worker.finished, timeout=5000) as finished:
        gen = worker.submit(counting(5))
    assert finished.args == [gen, "done"] and [i for _, i in seen] == [0, 1, 2, 3, 4]
    worker.shutdown()


def test_cancel_stops_between_yields(qtbot):
    worker = EngineWorker()
    seen = []
    worker.progress.connect(lambda g, item: (seen.append(item), worker.cancel() if item == 2 else None))
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        worker.submit(counting(100, 0.01))
    assert 2 <= max(seen) < 10
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
    qtbot.waitUntil(lambda: any(g == second for g, _ in results), timeout=5000)
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

    with qtbot.waitSignal(worker.failed, timeout=5000) as failed:
        worker.submit(bad)
    assert failed.args[1] == "/data/vp1/run.mp4: is truncated after frame 10"
    with qtbot.waitSignal(worker.failed, timeout=5000) as failed:
        worker.submit(crash)
    assert failed.args[1] == "ZeroDivisionError: division by zero"
    worker.shutdown()
    assert not worker._thread.isRunning()
