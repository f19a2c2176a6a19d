"""The window's jobs: what a job yields after a session list may never be shown.

The window opens the first session as soon as the list arrives, on the same worker, which
supersedes the job that yielded it; so the job's last word must come before the list.
"""

from __future__ import annotations

import threading

from cabinlens.app.jobs import RunChoices, SessionsFound, demo, load_project
from cabinlens.engine.progress import Message


def _after_the_sessions(items: list) -> list:
    at = next(i for i, item in enumerate(items) if isinstance(item, SessionsFound))
    return items[at + 1:]


def test_a_project_says_its_session_count_before_the_sessions(project):
    items = list(load_project(str(project)))
    assert isinstance(items[-1], SessionsFound) and items[-1].sessions
    assert not _after_the_sessions(items)
    summary = items[-2]
    assert isinstance(summary, Message) and summary.text == f"{project.name}: {len(items[-1].sessions)} sessions"
    assert any(isinstance(item, RunChoices) for item in items[:-1])


def test_the_demo_says_it_is_ready_before_its_sessions(demo_data):
    items = list(demo(str(demo_data), threading.Event()))
    assert not _after_the_sessions(items)
    assert isinstance(items[-2], Message) and items[-2].text.startswith("demo ready") and "(cached)" in items[-2].text


def test_a_session_sweep_whose_checkpoint_is_gone_warns_once_and_opens_the_session(project, tmp_path):
    """A project made elsewhere names a checkpoint this machine lacks: the session opens, the sweep says
    which model it leaves out (one warning, no error dialog), and the other models still sweep."""
    import shutil
    import sqlite3

    from cabinlens.app.jobs import SessionLoaded, open_session
    from cabinlens.engine.analysis.events import ModelWarning
    from cabinlens.engine.analysis.store import Store

    copy = tmp_path / "elsewhere.cabinlens"
    shutil.copy(project, copy)
    with sqlite3.connect(copy) as db:
        db.execute("UPDATE runs SET source = '/gone/models/mine.pt' WHERE kind = 'split'")
    with Store(copy, readonly=True) as store:
        file_id = next(iter(store.session_videos()))
    items = list(open_session(str(copy), file_id, 0, threading.Event(), sweep=True, device="cpu"))
    assert isinstance(items[0], SessionLoaded)
    warnings = [i for i in items if isinstance(i, ModelWarning)]
    assert len(warnings) == 1 and "/gone/models/mine.pt is not there any more" in warnings[0].text


def test_a_sweep_around_the_playhead_covers_the_windows_near_it_and_says_rate_and_time_left(project, tmp_path):
    """Run on a thread of its own, like the window's worker: the sweep lowers its own thread's priority."""
    import torch
    from projects import copy_project

    from cabinlens.app.jobs import open_session
    from cabinlens.engine.analysis.store import Store

    copy = copy_project(project, tmp_path / "swept.cabinlens")
    with Store(copy, readonly=True) as store:
        file_id = next(iter(store.session_videos()))
    threads, items = torch.get_num_threads(), []
    worker = threading.Thread(target=lambda: items.extend(
        open_session(str(copy), file_id, 200, threading.Event(), sweep=True, device="cpu", span=40)))
    worker.start()
    worker.join(300)
    counted = [i for i in items if isinstance(i, Message) and i.total]
    assert counted and all(m.text.startswith("Sweep c3d_small (random) around the playhead: ") for m in counted)
    assert counted[-1].done == counted[-1].total <= 11  # the windows centred within 40 frames of frame 200
    assert any(m.text.endswith(" left") and " windows/s · " in m.text for m in counted), [m.text for m in counted]
    assert isinstance(items[-1], Message) and items[-1].text == f"{file_id}: swept around the playhead"
    assert torch.get_num_threads() == threads  # the process's torch threads are back
