"""The command runner waits for the program it started, not for everything that inherited its output."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from offramp.core.platform import commands

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses sh")


def test_a_child_left_running_does_not_hold_the_runner_until_the_timeout() -> None:
    # The shell starts a child that keeps the shell's stdout and stderr open, prints its pid and exits, as
    # a package script that starts a daemon does. A runner reading pipes to their end would time out.
    result = commands.run(["sh", "-c", "sleep 600 & echo $!; echo done >&2"], timeout=120, log=False)
    try:
        assert not result.timed_out
        assert result.returncode == 0 and result.stderr == "done\n"
    finally:
        os.kill(int(result.stdout), signal.SIGKILL)


def test_windows_line_ends_read_as_newlines_and_a_timeout_still_kills() -> None:
    assert commands.run(["printf", "a\\r\\nb\\n"], log=False).stdout == "a\nb\n"
    hung = commands.run(["sleep", "600"], timeout=1, log=False)
    assert hung.timed_out and hung.returncode is None
