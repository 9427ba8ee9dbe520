"""The Linux process reader gives the rows psutil gives, for every process both saw."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.scan.collectors import processes

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytest.fixture
def long_named_program(tmp_path: Path):
    """A running program whose name is longer than the kernel's 15 characters, started from a copy that is
    then deleted: the two cases where /proc's raw answer differs from the name and path a person expects."""
    program = tmp_path / "offramp-a-very-long-program-name"
    shutil.copy(shutil.which("sleep"), program)
    proc = subprocess.Popen([str(program), "30"])
    time.sleep(0.2)
    program.unlink()
    yield proc, str(program)
    proc.kill()
    proc.wait()


def test_the_proc_reader_agrees_with_psutil(long_named_program) -> None:
    proc, _ = long_named_program
    before = {row["pid"]: row for row in processes.from_psutil()}
    proc_rows = {row["pid"]: row for row in processes.from_proc()}
    after = {row["pid"]: row for row in processes.from_psutil()}
    # Only processes that did not start, end or exec while the three reads ran.
    psutil_rows = {pid: row for pid, row in before.items() if after.get(pid) == row}
    # Every process psutil saw throughout is here too.
    assert set(psutil_rows) <= set(proc_rows)
    both = set(psutil_rows)
    assert str(os.getpid()) in both and str(proc.pid) in both
    assert [proc_rows[pid] for pid in sorted(both)] == [psutil_rows[pid] for pid in sorted(both)]


def test_a_long_name_and_a_deleted_program_read_as_a_person_expects(long_named_program) -> None:
    proc, path = long_named_program
    row = next(r for r in processes.from_proc() if r["pid"] == str(proc.pid))
    assert row["name"] == "offramp-a-very-long-program-name"
    assert row["path"] == path
    assert row["parent"] == str(os.getpid())


def test_the_first_process_has_no_parent() -> None:
    rows = {row["pid"]: row for row in processes.from_proc()}
    assert rows["1"]["parent"] == ""


def test_command_line_words_follow_the_kernel_and_rewritten_titles() -> None:
    assert processes.command_line("/usr/bin/kesl\0--daemon\0") == ["/usr/bin/kesl", "--daemon"]
    assert processes.command_line("/usr/bin/kesl\0") == ["/usr/bin/kesl"]
    # A program that rewrote its title into one string, with or without the final NUL.
    assert processes.command_line("kesl-supervisor --worker\0") == ["kesl-supervisor", "--worker"]
    assert processes.command_line("kesl-supervisor --worker") == ["kesl-supervisor", "--worker"]
    assert processes.command_line("") == []


def test_a_long_name_whose_title_holds_spaces_reads_as_psutil_reads_it(tmp_path: Path) -> None:
    program = tmp_path / "offramp-long-catprog-name"
    shutil.copy(shutil.which("cat"), program)
    # bash's `exec -a` gives the program one argv entry with a space in it, as a rewritten title would.
    proc = subprocess.Popen(["bash", "-c", f'exec -a "{program} --worker" "{program}"'], stdin=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            row = next((r for r in processes.from_proc() if r["pid"] == str(proc.pid)), None)
            if row and row["path"] == str(program):
                break
            time.sleep(0.05)
        psutil_row = next(r for r in processes.from_psutil() if r["pid"] == str(proc.pid))
        assert row == psutil_row
        assert row["name"] == "offramp-long-catprog-name"
    finally:
        proc.kill()
        proc.wait()
        proc.stdin.close()
