"""The Linux process reader gives the rows psutil gives, for processes whose rows cannot change meanwhile.

Other processes on the machine are no part of these tests: a kernel worker renames itself whenever it
picks up other work, and anything may start, exec or end between two reads. So the readers are compared
on the processes the test starts and owns, each in a state it stays in until the test ends it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from offramp.core.scan.collectors import processes

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _copy_of(tool: str, to: Path) -> Path:
    found = shutil.which(tool)
    assert found is not None, f"{tool} is not on PATH"
    shutil.copy(found, to)
    return to


@contextmanager
def running(argv: list[str]) -> Iterator[subprocess.Popen[bytes]]:
    """A `cat` (or a copy of it) running under `argv`, returned once it has echoed a line back: by then any
    exec in between has happened, so its name, path and parent stay as they are until it is ended."""
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(b"ready\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == b"ready\n"
        yield proc
    finally:
        proc.kill()
        proc.wait()
        proc.stdin.close()
        proc.stdout.close()


@pytest.fixture
def owned(tmp_path: Path) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """Processes for each case where /proc's raw answer differs from what a person expects, and a plain one."""
    deleted = _copy_of("cat", tmp_path / "offramp-a-very-long-program-name")
    titled = _copy_of("cat", tmp_path / "offramp-long-catprog-name")
    with ExitStack() as stack:
        started = {
            "plain": stack.enter_context(running(["cat"])),
            # Longer than the kernel's 15 characters, and started from a copy that is then deleted.
            "deleted": stack.enter_context(running([str(deleted)])),
            # bash's `exec -a` gives the program one argv entry with a space in it, as a rewritten title would.
            "titled": stack.enter_context(running(["bash", "-c", f'exec -a "{titled} --worker" "{titled}"'])),
        }
        deleted.unlink()
        yield started


def _rows(reader, pids: set[str]) -> dict[str, dict[str, str]]:
    return {row["pid"]: row for row in reader() if row["pid"] in pids}


def _unchanging_kernel_thread() -> set[str]:
    """kthreadd (pid 2), a kernel thread that never renames itself, where this is not a PID namespace."""
    try:
        return {"2"} if Path("/proc/2/comm").read_text() == "kthreadd\n" else set()
    except OSError:
        return set()


def test_the_proc_reader_agrees_with_psutil(owned: dict[str, subprocess.Popen[bytes]]) -> None:
    pids = {str(os.getpid())} | {str(p.pid) for p in owned.values()} | _unchanging_kernel_thread()
    from_proc = _rows(processes.from_proc, pids)
    from_psutil = _rows(processes.from_psutil, pids)
    assert set(from_proc) == pids
    assert from_proc == from_psutil


def test_a_long_name_and_a_deleted_program_read_as_a_person_expects(
    owned: dict[str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    row = _rows(processes.from_proc, {str(owned["deleted"].pid)})[str(owned["deleted"].pid)]
    assert row == {
        "pid": str(owned["deleted"].pid),
        "name": "offramp-a-very-long-program-name",
        "path": str(tmp_path / "offramp-a-very-long-program-name"),
        "parent": str(os.getpid()),
    }


def test_a_long_name_whose_title_holds_spaces_reads_as_psutil_reads_it(
    owned: dict[str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    pid = str(owned["titled"].pid)
    row = _rows(processes.from_proc, {pid})[pid]
    assert row["name"] == "offramp-long-catprog-name"
    assert row["path"] == str(tmp_path / "offramp-long-catprog-name")
    assert row == _rows(processes.from_psutil, {pid})[pid]


def test_the_first_process_has_no_parent() -> None:
    assert _rows(processes.from_proc, {"1"})["1"]["parent"] == ""


def test_command_line_words_follow_the_kernel_and_rewritten_titles() -> None:
    assert processes.command_line("/usr/bin/kesl\0--daemon\0") == ["/usr/bin/kesl", "--daemon"]
    assert processes.command_line("/usr/bin/kesl\0") == ["/usr/bin/kesl"]
    # A program that rewrote its title into one string, with or without the final NUL.
    assert processes.command_line("kesl-supervisor --worker\0") == ["kesl-supervisor", "--worker"]
    assert processes.command_line("kesl-supervisor --worker") == ["kesl-supervisor", "--worker"]
    assert processes.command_line("") == []
