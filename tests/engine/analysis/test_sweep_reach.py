"""A sweep around the playhead analyses the windows near it; the whole session's sweep finds them and does the rest."""

from __future__ import annotations

from cabinlens.engine.analysis.events import RunFinished, RunStarted
from cabinlens.engine.analysis.jobs import samples_near, sweep_job
from cabinlens.engine.analysis.service import Analysis, analyse_models
from cabinlens.engine.analysis.store import SampleRecord


def test_samples_near_a_frame_by_their_centre():
    samples = [SampleRecord("s", "v.mp4", start, start + 16, -1, "", -1, -1) for start in range(0, 225, 16)]
    assert samples_near(samples, 200, 40) == [10, 11, 12, 13, 14]  # centres 168 ... 232
    assert samples_near(samples, 0, 8) == [0]


def test_around_the_playhead_then_the_whole_session(long_gop_video, tmp_path):
    project = tmp_path / "p.cabinlens"
    def make(spec):
        return sweep_job(long_gop_video, spec, window=16, stride=16)  # 15 windows

    how = Analysis(device="cpu", batch_size=4, workers=1, near_frame=200)
    around = list(analyse_models(project, ["c3d_small"], make, Analysis(**{**how.__dict__, "near_span": 40})))
    started = next(e for e in around if isinstance(e, RunStarted))
    assert (started.todo, started.total) == (5, 5) and around[-1].done == 5
    whole = list(analyse_models(project, ["c3d_small"], make, how))
    started, finished = next(e for e in whole if isinstance(e, RunStarted)), whole[-1]
    assert (started.todo, started.total) == (10, 15)
    assert isinstance(finished, RunFinished) and (finished.done, finished.computed) == (15, 10)
