"""The command line's main: a reader that stops early (``| head -1``) ends a command quietly."""

from __future__ import annotations

import subprocess
import sys

from cabinlens.engine.cli.main import SIGPIPE_STATUS


def run_into_closed_pipe(*argv: object) -> tuple[int, str]:
    """Run ``cabinlens ARGV`` with its stdout a pipe whose reader has already gone; (status, stderr)."""
    child = subprocess.Popen([sys.executable, "-m", "cabinlens", *map(str, argv)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    child.stdout.close()  # the reader leaves before the first line, as head does after its line
    err = child.stderr.read()
    child.stderr.close()
    return child.wait(timeout=120), err


def test_a_closed_stdout_ends_every_command_quietly(own_project):
    for argv in (["sessions", own_project], ["data", "summary", own_project.parent / "segments.csv"]):
        code, err = run_into_closed_pipe(*argv)
        assert code in (0, SIGPIPE_STATUS), err
        assert "Traceback" not in err and "BrokenPipeError" not in err and "Exception ignored" not in err, err
