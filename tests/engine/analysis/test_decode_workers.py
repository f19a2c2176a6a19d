"""Who decodes: threads or processes, how many, and how many FFmpeg threads each reader gets."""

from __future__ import annotations

import pytest

from cabinlens.engine.analysis.decode_workers import (
    MAX_GPU_THREADS,
    MAX_PROCESSES,
    PROCESS_MIN_CLIPS,
    THREAD_LIMIT,
    DecodePlan,
    decode_cores,
    decode_plan,
    decode_workers,
    reader_threads,
)
from cabinlens.engine.errors import CabinLensError

BIG = PROCESS_MIN_CLIPS


def test_decode_threads_follow_the_device_and_the_cores():
    assert decode_workers("cpu", cores=2) == 2 and decode_workers("cpu", cores=1) == 1
    assert decode_workers("cpu", cores=32) == 2  # CPU inference needs the cores itself
    assert decode_workers("cuda", cores=2) == 2 and decode_workers("cuda:1", cores=8) == 7
    assert decode_workers("cuda", cores=128) == MAX_GPU_THREADS
    assert decode_workers("cuda", requested=3, cores=16) == 3
    assert reader_threads(1, cores=8) == 8 and reader_threads(3, cores=8) == 2 and reader_threads(15, cores=16) == 1


def test_auto_decodes_in_processes_beside_a_gpu_or_past_the_threads_limit_for_jobs_that_pay_for_starting_them():
    assert decode_plan("cpu", clips=10_000, cores=64) == DecodePlan(2)  # CPU inference keeps the cores
    assert decode_plan("cpu", requested=THREAD_LIMIT, clips=10_000, cores=64) == DecodePlan(THREAD_LIMIT)
    assert decode_plan("cpu", requested=THREAD_LIMIT + 2, clips=BIG, cores=8) == DecodePlan(6, processes=True)
    assert decode_plan("cuda", clips=BIG, cores=4) == DecodePlan(3, processes=True)
    assert decode_plan("cuda:1", clips=BIG, cores=16) == DecodePlan(15, processes=True)
    assert decode_plan("cuda", clips=BIG - 1, cores=16) == DecodePlan(MAX_GPU_THREADS)  # too small a job
    assert decode_plan("cuda", clips=BIG, cores=256) == DecodePlan(MAX_PROCESSES, processes=True)
    assert decode_plan("cuda", requested=12, clips=1, cores=16) == DecodePlan(12)


def test_the_user_can_ask_for_threads_or_processes():
    assert decode_plan("cuda", decode_in="threads", clips=BIG, cores=16) == DecodePlan(MAX_GPU_THREADS)
    assert decode_plan("cuda", requested=12, decode_in="threads", cores=16) == DecodePlan(12)
    assert decode_plan("cpu", decode_in="processes", cores=2) == DecodePlan(2, processes=True)
    with pytest.raises(CabinLensError, match="auto, threads, processes"):
        decode_plan("cpu", decode_in="fibres")


def test_ranks_that_torchrun_starts_on_one_machine_share_its_cores(monkeypatch):
    monkeypatch.setattr("cabinlens.engine.analysis.decode_workers.usable_cores", lambda: 32)
    monkeypatch.delenv("LOCAL_WORLD_SIZE", raising=False)
    assert decode_cores() == 32
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "4")
    assert decode_cores() == 8 and decode_plan("cuda", clips=BIG) == DecodePlan(7, processes=True)
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "64")
    assert decode_cores() == 1
