"""engine.batching without a GPU: the batch from (mocked) free memory, and halving on a (faked) out-of-memory."""

from __future__ import annotations

import pytest
import torch

from cabinlens.engine import batching
from cabinlens.engine.batching import DeviceMemoryError, batch_from_memory, cuda_batch_size, run_halving

MiB = 2**20


def test_the_batch_takes_a_share_of_the_free_memory_within_bounds():
    assert batch_from_memory(1000 * MiB, 100 * MiB, fill=0.8) == 8
    assert batch_from_memory(1000 * MiB, 100 * MiB, 200 * MiB, fill=0.8) == 6  # the fixed cost first
    assert batch_from_memory(1000 * MiB, 1 * MiB, cap=64) == 64
    assert batch_from_memory(10 * MiB, 100 * MiB) == 1  # at least one: halving says the rest


def test_the_cuda_batch_comes_from_a_probe_and_mem_get_info(monkeypatch):
    free = {"bytes": 8000 * MiB}
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (free["bytes"], 80000 * MiB))
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: None)
    # one clip peaks at 300 MiB, two at 500: 200 MiB a clip, 100 MiB fixed
    monkeypatch.setattr(batching, "probe_peaks", lambda run, device: (300 * MiB, 500 * MiB))
    assert cuda_batch_size(lambda n: None, torch.device("cuda:0")) == (8000 * 0.8 - 100) // 200  # 31
    free["bytes"] = 100000 * MiB
    assert cuda_batch_size(lambda n: None, torch.device("cuda:0")) == batching.MAX_BATCH
    assert cuda_batch_size(lambda n: None, torch.device("cuda:0"), cap=5) == 5
    # a probe whose second clip seemed free (workspace noise): half of two clips' peak per clip
    monkeypatch.setattr(batching, "probe_peaks", lambda run, device: (500 * MiB, 500 * MiB))
    free["bytes"] = 8000 * MiB
    assert cuda_batch_size(lambda n: None, torch.device("cuda:0")) == (8000 * 0.8 - 250) // 250  # 24


def test_a_batch_that_runs_out_of_memory_is_halved_and_every_item_runs_once():
    ran: list[int] = []
    tries: list[int] = []

    def run(piece):
        tries.append(len(piece))
        if len(piece) > 3:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (fake)")
        ran.extend(piece)
        return len(piece)

    shrunk: list[int] = []
    done, size = run_halving(list(range(13)), 13, run, on_shrink=shrunk.append)
    assert ran == list(range(13)) and done == 13
    assert size == 3 and shrunk == [6, 3] and tries[:3] == [13, 6, 3]
    assert run_halving(list(range(5)), size, run) == (5, 3)  # later batches keep the smaller size


def test_one_clip_that_does_not_fit_says_so():
    def run(piece):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory (fake)")

    with pytest.raises(DeviceMemoryError, match="one clip does not fit"):
        run_halving([1, 2], 2, run)


def test_other_errors_are_not_retried():
    calls = []

    def run(piece):
        calls.append(piece)
        raise ValueError("broken")

    with pytest.raises(ValueError):
        run_halving([1, 2, 3, 4], 4, run)
    assert len(calls) == 1
