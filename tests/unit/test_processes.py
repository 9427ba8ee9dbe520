"""The Linux process reader gives the rows psutil gives, for every process both saw."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.collectors import processes

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
    both = set(psutil_rows) & set(proc_rows)
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
