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
