"""Crash safety: the migration is killed with SIGKILL at every step boundary and in the middle of every step,
then resumed; it always reaches the same final state, and no finished step ever runs again."""

from __future__ import annotations

import dataclasses
import json
import random
import signal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from offramp.core.migrate.download import CHUNK_SIZE, PROGRESS_INTERVAL
from offramp.core.migrate.journal import read as read_journal
from tests.conftest import run_cli
from tests.support import linux_fixtures as fx
from tests.support.http_server import Fault, HttpServer
from tests.support.pkgbed import DpkgRoot, PackageFile
from tests.support.playbook_fixtures import pinned_playbook

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

LOOPBACK = {"OFFRAMP_ALLOW_LOOPBACK_HTTP": "1"}
STEPS = [
    "preflight",
    "stage.offramp-test-av",
    "uninstall.kaspersky-endpoint-security-linux",
    "uninstall.kaspersky-network-agent",
    "cleanup",
    "install.offramp-test-av",
    "verify.offramp-test-av",
    "rescan",
    "report",
]
# "during" exists where a step has a middle: a download in progress, between two package removals.
POINTS = [(point, step) for step in STEPS for point in ("before", "after-action", "after")] + [
    ("during", "stage.offramp-test-av"),
    ("during", "uninstall.kaspersky-endpoint-security-linux"),
]
MUTATING = {
    "stage.offramp-test-av",
    "uninstall.kaspersky-endpoint-security-linux",
    "uninstall.kaspersky-network-agent",
    "install.offramp-test-av",
}
# The replacement, made several download blocks long by a file that does not compress, so that a kill
# "during" the stage step lands in the middle of the body.
REPLACEMENT = dataclasses.replace(
    fx.OFFRAMP_TEST_AV,
    files={
        **fx.OFFRAMP_TEST_AV.files,
        "/var/lib/offramp-test-av/signatures.db": PackageFile(random.Random(0).randbytes(4 * CHUNK_SIZE)),
    },
)


@pytest.mark.slow
@pytest.mark.parametrize("point, step", POINTS, ids=[f"{p}:{s}" for p, s in POINTS])
def test_kill_and_resume_reaches_the_same_end(
    point: str, step: str, dpkg_root: DpkgRoot, built_packages: BuiltPackages, tmp_path: Path, private_home: Path
) -> None:
    dpkg_root.install(*(built_packages.deb(s) for s in (fx.KESL, fx.KESL_GUI, fx.KLNAGENT64)))
    payload = built_packages.deb(REPLACEMENT).read_bytes()
    assert len(payload) > 2 * CHUNK_SIZE
    with HttpServer() as server:
        mid_download = (point, step) == ("during", "stage.offramp-test-av")
        # Progress (and with it the "during" point) is reported at most every PROGRESS_INTERVAL; a server
        # that pauses longer than that between blocks gets a report, and the kill, in the middle of the body.
        pace = Fault(drip=(CHUNK_SIZE // 2, 2 * PROGRESS_INTERVAL)) if mid_download else None
        url = server.add("/offramp-test-av_1.0_all.deb", payload, always=pace)
        playbook = pinned_playbook(tmp_path, "linux", url, payload)
        killed = run_cli(
            "migrate",
            "--silent",
            "--root",
            str(dpkg_root.path),
            "--to",
            str(playbook),
            env={**LOOPBACK, "OFFRAMP_TEST_CRASH_AT": f"{point}:{step}"},
        )
        assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
        if mid_download:
            parts = list(private_home.rglob("*.part"))
            assert len(parts) == 1 and 0 < parts[0].stat().st_size < len(payload), "killed mid-download"
        resumed = run_cli("resume", "--silent", env=LOOPBACK)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr

    installed = dpkg_root.installed()
    assert not {"kesl", "kesl-gui", "klnagent64"} & set(installed)
    assert "offramp-test-av" in installed
    state = json.loads((private_home / "state" / "migration.json").read_text())
    assert state["finished"] is True and state["exit_code"] == 0

    journal = read_journal(private_home / "state" / "journal.jsonl")  # raises on a torn line before the end
    events = journal.events
    for step_id in STEPS:
        done_at = [i for i, e in enumerate(events) if e["event"] == "step.done" and e["step"] == step_id]
        assert len(done_at) == 1, f"{step_id} finished {len(done_at)} times"
        acted_after_done = [e for e in events[done_at[0] :] if e["event"] == "step.act" and e.get("step") == step_id]
        assert acted_after_done == [], f"{step_id} ran again after it had finished"
    for step_id in MUTATING:
        acts = [e for e in events if e["event"] == "step.act" and e.get("step") == step_id]
        # Killed after its effect but before its record: the resume's check sees the effect and does not act.
        assert len(acts) <= (2 if (point == "during" and step == step_id) else 1), f"{step_id} acted {len(acts)} times"
    assert events[-1]["event"] == "run.done"
