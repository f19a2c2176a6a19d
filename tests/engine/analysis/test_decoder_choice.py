"""Which decoder an analysis uses: asked for, refused with a reason, or timed on the job's clips."""

from __future__ import annotations

import pytest
import torch

from cabinlens.engine.analysis.decoder_choice import (CALIBRATION_CLIPS, WORTH_TIMING, choose_decoder,
                                                      gpu_decoder_problem)
from cabinlens.engine.analysis.store import SampleRecord
from cabinlens.engine.errors import CabinLensError

CUDA = torch.device("cuda")  # a device object only: nothing runs on it here
CPU = torch.device("cpu")


def _samples(n: int) -> list[tuple[int, SampleRecord]]:
    return [(k, SampleRecord("s", "session.mp4", 10 * k, 10 * k + 16, 0, "", -1, -1)) for k in range(n)]


def _rates(cpu: float, gpu: float, seen: list):
    def rate(probe, _spec, workers, decoder):
        seen.append((decoder, [i for i, _ in probe], workers))
        return {"cpu": cpu, "cuda": gpu}[decoder]
    return rate


def _no_problem(_video: str) -> None:
    return None


def _never(*_args):
    raise AssertionError("nothing may be timed or probed here")


def test_the_cpu_is_used_without_a_word_when_asked_or_when_the_model_runs_on_the_cpu():
    for requested, device in (("cpu", CUDA), ("auto", CPU), ("cpu", CPU)):
        choice = choose_decoder(requested, device, _samples(100), None, 2, rate=_never, problem=_never)
        assert (choice.decoder, choice.why) == ("cpu", "")


def test_the_gpu_decoder_is_refused_with_the_reason():
    with pytest.raises(CabinLensError, match="needs --device cuda"):
        choose_decoder("cuda", CPU, _samples(100), None, 2, rate=_never, problem=_never)
    with pytest.raises(CabinLensError, match="--decoder cuda: no driver here"):
        choose_decoder("cuda", CUDA, _samples(100), None, 2, rate=_never, problem=lambda _v: "no driver here")
    with pytest.raises(CabinLensError, match="unknown decoder 'nvdec'"):
        choose_decoder("nvdec", CUDA, _samples(100), None, 2, rate=_never, problem=_never)


def test_auto_says_why_it_stays_on_the_cpu_when_the_gpu_cannot_decode():
    choice = choose_decoder("auto", CUDA, _samples(100), None, 2, rate=_never, problem=lambda _v: "no driver here")
    assert choice.decoder == "cpu" and choice.why == "decoding on the CPU: no driver here"


@pytest.mark.parametrize(("cpu", "gpu", "expected"), [(10.0, 25.0, "cuda"), (30.0, 25.0, "cpu")])
def test_auto_times_both_decoders_on_clips_spread_over_the_job_and_keeps_the_faster(cpu, gpu, expected):
    seen: list = []
    choice = choose_decoder("auto", CUDA, _samples(400), None, 7, rate=_rates(cpu, gpu, seen), problem=_no_problem)
    assert choice.decoder == expected
    assert f"{gpu:.1f} clips/s" in choice.why and f"7 CPU threads {cpu:.1f} clips/s" in choice.why
    assert [d for d, _, _ in seen] == ["cpu", "cuda"] and all(w == 7 for _, _, w in seen)
    probe = seen[0][1]
    assert seen[1][1] == probe and len(probe) == CALIBRATION_CLIPS
    assert probe[0] == 0 and probe[-1] >= 400 * (CALIBRATION_CLIPS - 1) // CALIBRATION_CLIPS  # the whole job


def test_a_small_job_is_not_worth_timing():
    choice = choose_decoder("auto", CUDA, _samples(WORTH_TIMING - 1), None, 2, rate=_never, problem=_no_problem)
    assert choice.decoder == "cpu" and "too few" in choice.why
    assert choose_decoder("cuda", CUDA, _samples(3), None, 2, rate=_never, problem=_no_problem).decoder == "cuda"


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU machine may decode on the GPU")
def test_without_a_gpu_the_probe_names_the_video_and_the_problem(long_gop_video):
    problem = gpu_decoder_problem(str(long_gop_video))
    assert problem and (long_gop_video.name in problem or "offers no CUDA" in problem)
