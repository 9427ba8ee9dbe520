"""The test beds' pipe drain (tests/support/drain.py) never reads a descriptor its caller may close."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.drain import Drain


def test_closing_the_pipe_under_a_drain_takes_nothing_from_the_file_opened_next(tmp_path: Path) -> None:
    # The child writes, then waits for a line, so the drain is blocked in read() when the caller closes its
    # pipe. The next file opened takes the pipe's number; a drain reading by that number would take its bytes
    # as soon as the child's second line woke it.
    child = subprocess.Popen(
        ["sh", "-c", 'echo hello; read line; echo "$line"'], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert child.stdin is not None and child.stdout is not None
    drain = Drain(child.stdout)
    child.stdout.close()
    payload = tmp_path / "payload"
    payload.write_bytes(b"a file of someone else's\n" * 2000)
    with payload.open("rb") as mine:
        child.stdin.write(b"bye\n")
        child.stdin.close()
        assert child.wait(timeout=30) == 0
        assert drain.join(timeout=30), "the drain did not see the end of the child's output"
        assert mine.read() == payload.read_bytes()
    assert drain.text() == "hello\nbye\n"
