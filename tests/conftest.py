"""Shared fixtures: real Drive&Act files when present, generated videos, no dangling threads."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import media  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED_DRIVEACT = REPO.parent / "shared" / "driveact"


# Session-wide builds (minutes on a busy two-core machine): whichever test asks first pays for them.
SESSION_BUILDS = frozenset({"synth_small", "val_project", "demo_data"})
BUILD_TIMEOUT_S = 1200
# A test run that starts another (the window's tests under a real X server) hands its builds on
# through these variables instead of paying for them twice.
SHARED_BUILD_ENV = {"synth_small": "CABINLENS_TEST_SYNTH", "val_project": "CABINLENS_TEST_VAL_PROJECT",
                    "demo_data": "CABINLENS_TEST_DEMO_DATA"}


def shared_build(name: str) -> Path | None:
    given = os.environ.get(SHARED_BUILD_ENV[name])
    return Path(given) if given else None


def pytest_collection_modifyitems(config, items):
    """Tests that use a session-wide build get time to make it on top of the per-test limit, so a
    loaded machine fails no test for the fixture's sake (only the first user really spends it)."""
    for item in items:
        if SESSION_BUILDS & set(getattr(item, "fixturenames", ())) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(BUILD_TIMEOUT_S))


@pytest.fixture(scope="session", autouse=True)
def private_video_cache(tmp_path_factory):
    """What the reader learns about damaged files goes to a folder of this run's, never the user's cache."""
    from cabinlens.engine.video import file_facts

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CABINLENS_CACHE", str(tmp_path_factory.mktemp("video-cache")))
        file_facts.forget()
        yield
        file_facts.forget()


@pytest.fixture(scope="session")
def real_driveact() -> Path:
    if not (SHARED_DRIVEACT / "a_column_co_driver").is_dir():
        pytest.skip("real Drive&Act annotation files (../shared/driveact) are not present")
    return SHARED_DRIVEACT


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def long_gop_video(media_dir) -> Path:
    """240 frames, GOP 120, 3 B-frames, moov at the end."""
    return media.write_h264(media_dir / "long_gop.mp4")


@pytest.fixture(scope="session")
def long_gop_reference(long_gop_video) -> list:
    return media.sequential_frames(long_gop_video)


@pytest.fixture(scope="session")
def synth_small(tmp_path_factory) -> Path:
    """The default synthetic Drive&Act (small, seed 0), generated once per test session."""
    if shared_build("synth_small"):
        return shared_build("synth_small")
    from cabinlens.engine.data.synth.generate import synthesize

    root = tmp_path_factory.mktemp("synth") / "driveact"
    synthesize(root, seed=0, scale="small")
    return root


@pytest.fixture(scope="session")
def val_project(synth_small, tmp_path_factory) -> Path:
    """Split-0 val of the synthetic dataset analysed once by ``cabinlens analyze`` in one process
    (c3d_small, random weights): the window's tests open it, the distributed tests compare with it."""
    if shared_build("val_project"):
        return shared_build("val_project")
    from cabinlens.engine.cli.main import main

    path = tmp_path_factory.mktemp("gui") / "val.cabinlens"
    assert main(["analyze", "--data", str(synth_small), "--subset", "val", "--model", "c3d_small",
                 "--project", str(path), "--device", "cpu"]) == 0
    return path


@pytest.fixture(scope="session")
def demo_data(synth_small, tmp_path_factory) -> Path:
    """A demo data folder over the session's synthetic dataset, prepared once (analyses, embeddings)."""
    if shared_build("demo_data"):
        return shared_build("demo_data")
    from cabinlens.engine.demo import DATASET, DemoReady, prepare

    folder = tmp_path_factory.mktemp("demo")
    (folder / DATASET).symlink_to(synth_small, target_is_directory=True)
    items = list(prepare(folder))
    assert isinstance(items[-1], DemoReady) and not items[-1].cached
    return folder


@pytest.fixture(scope="session")
def hf_project(synth_small, tmp_path_factory) -> Path:
    """Split-0 val of the synthetic dataset analysed by a tiny random VideoMAE and a tiny random TimeSformer
    (Hugging Face folders ``videomae/`` and ``timesformer/`` beside the project, the 34 Drive&Act classes):
    a few seconds. The VideoMAE favours the two commonest val classes, so it is right on some of their
    clips and wrong on others (near misses, clips for the sanity checks). Tests that add runs work on a copy."""
    pytest.importorskip("transformers")
    from cabinlens.engine.cli.main import main
    from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES
    from hf_models import favour, tiny_timesformer, tiny_videomae

    root = tmp_path_factory.mktemp("hf-project")
    tiny_videomae(root / "videomae", classes=tuple(DRIVEACT_MIDLEVEL_CLASSES))
    # seed 0's head prefers sitting_still to placing_an_object by 0.056-0.100 on these clips: the offset splits them
    favour(root / "videomae", {DRIVEACT_MIDLEVEL_CLASSES.index("sitting_still"): 5.0,
                               DRIVEACT_MIDLEVEL_CLASSES.index("placing_an_object"): 5.078})
    tiny_timesformer(root / "timesformer", classes=tuple(DRIVEACT_MIDLEVEL_CLASSES))
    project = root / "hf.cabinlens"
    assert main(["analyze", "--data", str(synth_small), "--subset", "val", "--model", str(root / "videomae"),
                 "--model", str(root / "timesformer"), "--project", str(project), "--device", "cpu"]) == 0
    return project


@pytest.fixture(autouse=True)
def no_dangling_threads():
    """Fail a test that leaves Python threads running (workers must be joined)."""
    before = set(threading.enumerate())
    yield
    leftover = [
        t for t in threading.enumerate()
        if t not in before and t.is_alive() and not t.daemon
    ]
    for t in leftover:
        t.join(timeout=5)
    still = [t.name for t in leftover if t.is_alive()]
    assert not still, f"threads left running: {still}"
