"""A background job's thread runs with fewer torch threads and below the GUI's priority."""

from __future__ import annotations

import sys
import threading

import pytest
import torch

from cabinlens.engine.background import Pacer, background, background_threads, thread_niceness


def test_fewer_threads_than_cores_at_least_one():
    assert [background_threads(n) for n in (1, 2, 3, 16)] == [1, 1, 1, 8]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_the_job_thread_is_niced_the_gui_thread_is_not_and_torch_threads_come_back():
    before_threads, gui_nice = torch.get_num_threads(), thread_niceness()
    seen: dict[str, int | None] = {}

    def job() -> None:
        with background(threads=1):
            seen["threads"] = torch.get_num_threads()
            seen["nice"] = thread_niceness()
            child = threading.Thread(target=lambda: seen.__setitem__("child", thread_niceness()))
            child.start()  # a decoder the job starts
            child.join()

    worker = threading.Thread(target=job)
    worker.start()
    worker.join()
    assert seen["threads"] == 1 and seen["nice"] >= 10 and seen["child"] >= 10
    assert thread_niceness() == gui_nice and torch.get_num_threads() == before_threads


def test_the_pause_is_a_share_of_the_batch_time_and_never_long():
    now, slept = [0.0], []
    pace = Pacer(clock=lambda: now[0], sleep=slept.append)
    now[0] += 2.0  # a CPU batch of two seconds
    pace()
    now[0] += 0.03  # a GPU batch
    pace()
    assert slept == pytest.approx([0.02, 0.003])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_a_job_in_the_background_runs_niced_on_a_thread_of_its_own_and_the_driving_thread_keeps_its_priority():
    from cabinlens.engine.background import in_background

    seen: dict[str, object] = {}

    def job():
        seen["nice"] = thread_niceness()
        seen["thread"] = threading.get_ident()
        yield 1
        yield 2

    def drive() -> None:
        seen["items"] = list(in_background(job, threads=1))
        seen["driver"] = thread_niceness()

    driver = threading.Thread(target=drive)
    driver.start()
    driver.join()
    assert seen["items"] == [1, 2] and seen["nice"] >= 10 and seen["thread"] != driver.ident
    assert seen["driver"] == thread_niceness()  # the engine worker is not left niced for its next job


def test_a_background_job_raises_where_it_is_driven_and_is_closed_when_abandoned():
    from cabinlens.engine.background import in_background

    def failing():
        yield "first"
        raise ValueError("broken batch")

    got = []
    with pytest.raises(ValueError, match="broken batch"):
        for item in in_background(failing):
            got.append(item)
    assert got == ["first"]

    closed = threading.Event()

    def endless():
        try:
            while True:
                yield 0
        finally:
            closed.set()  # its resources are released on its own thread

    items = in_background(endless)
    assert next(items) == 0
    items.close()
    assert closed.wait(5)
