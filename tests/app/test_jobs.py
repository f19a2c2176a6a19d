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
