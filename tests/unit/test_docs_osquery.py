"""The jq commands docs/osquery.md gives, run as written on results logs from stock osquery and from Fleet."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli
from tests.support.osquery_logs import HostSpec, write_log
from tests.support.testbeds import unavailable

DOC = REPO / "docs" / "osquery.md"
LOGS = {"/var/log/osquery/osqueryd.snapshots.log": dict(delimiter="_"), "/tmp/osquery_result": dict(pack="Global")}


def jq_commands() -> dict[str, str]:
    """The documented jq command for each log, by the log's path."""
    commands = re.findall(r"```sh\n(jq [^\n]+)\n```", DOC.read_text())
    return {path: next(c for c in commands if path in c) for path in LOGS}


@pytest.mark.parametrize("log_path", sorted(LOGS))
def test_the_documented_jq_command_keeps_one_host_that_scan_inventory_reads(tmp_path: Path, log_path: str) -> None:
    if shutil.which("jq") is None:
        unavailable("jq is not installed (tools/apt/docs.txt)")
    style = LOGS[log_path]
    hosts = [
        HostSpec("pc-banned", ["windows-installed"], **style),  # type: ignore[arg-type]
        HostSpec("pc-clean", ["windows-clean"], **style),  # type: ignore[arg-type]
    ]
    log = write_log(tmp_path / "results.log", hosts)
    with log.open("a") as f:  # another pack's line for the same host
        f.write('{"name":"pack_it_uptime","hostIdentifier":"pc-banned","snapshot":[{"days":"3"}]}\n')
    assert run_cli("scan", "--inventory", str(log)).returncode == 2  # two hosts: refused
    command = jq_commands()[log_path].replace(log_path, str(log)).replace("HOST.log", str(tmp_path / "one.log"))
    command = command.replace("--arg host HOST", "--arg host pc-banned")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "one.log").read_text().splitlines()
    assert lines and all("pc-banned" in line and "uptime" not in line for line in lines)
    scan = run_cli("scan", "--inventory", str(tmp_path / "one.log"), "--json")
    assert scan.returncode == 1, scan.stderr
    fleet = run_cli("fleet", "scan", "--csv", str(log))
    assert fleet.returncode == 1 and "pc-clean" in fleet.stdout and "pc-banned" in fleet.stdout
