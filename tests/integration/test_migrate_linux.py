"""A whole silent migration on Linux, for real: a private dpkg root holding kesl, kesl-gui and klnagent64,
a replacement .deb downloaded from a real HTTP server on 127.0.0.1, verified, installed and rescanned."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from offramp.core.migrate.journal import read as read_journal
from tests.conftest import run_cli
from tests.support import linux_fixtures as fx
from tests.support.http_server import HttpServer
from tests.support.pkgbed import DpkgRoot
from tests.support.playbook_fixtures import pinned_playbook

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

LOOPBACK = {"OFFRAMP_ALLOW_LOOPBACK_HTTP": "1"}


@pytest.fixture
def kaspersky_root(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> DpkgRoot:
    dpkg_root.install(*(built_packages.deb(s) for s in (fx.KESL, fx.KESL_GUI, fx.KLNAGENT64, fx.KLEOPATRA)))
    return dpkg_root


@pytest.fixture
def served_playbook(tmp_path: Path, built_packages: BuiltPackages):
    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    with HttpServer() as server:
        url = server.add("/offramp-test-av_1.0_all.deb", payload)
        yield pinned_playbook(tmp_path, "linux", url, payload), server


def test_plan_lists_the_steps_in_a_safe_order(kaspersky_root: DpkgRoot, served_playbook) -> None:
    playbook, _server = served_playbook
    result = run_cli("plan", "--root", str(kaspersky_root.path), "--to", str(playbook), "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    ids = [s["id"] for s in plan["steps"]]
    assert [i for i in ids if not i.startswith("rescue.")] == [
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
    kesl = next(s for s in plan["steps"] if s["id"] == "uninstall.kaspersky-endpoint-security-linux")
    assert kesl["params"]["packages"] == ["kesl-gui", "kesl"]  # the GUI before the daemon it depends on
    assert ids.index("uninstall.kaspersky-endpoint-security-linux") < ids.index("uninstall.kaspersky-network-agent")
    assert ids.index("stage.offramp-test-av") < ids.index("uninstall.kaspersky-endpoint-security-linux")
    human = run_cli("plan", "--root", str(kaspersky_root.path), "--to", str(playbook))
    assert " 1. Check this machine is ready" in human.stdout
    assert "Remove Kaspersky Endpoint Security for Linux" in human.stdout


@pytest.mark.slow
@pytest.mark.parametrize("leftovers", ["report", "remove"])
def test_silent_migration_end_to_end(
    leftovers: str, kaspersky_root: DpkgRoot, served_playbook, tmp_path: Path, private_home: Path
) -> None:
    playbook, server = served_playbook
    report = tmp_path / "report.json"
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"kind: policy\nschema_version: 1\nleftovers: {{silent: {leftovers}}}\n")
    result = run_cli(
        "migrate",
        "--silent",
        "--root",
        str(kaspersky_root.path),
        "--to",
        str(playbook),
        "--report",
        str(report),
        "--policy",
        str(policy),
        env=LOOPBACK,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    installed = kaspersky_root.installed()
    assert "kesl" not in installed and "kesl-gui" not in installed and "klnagent64" not in installed
    assert installed["offramp-test-av"] == fx.OFFRAMP_TEST_AV.full_version
    assert "kleopatra" in installed  # the look-alike is left alone
    assert not (kaspersky_root.path / "opt/kaspersky/kesl").exists()  # dpkg took the package's own files

    data = json.loads(report.read_text())
    assert data["exit_code"] == 0 and data["finished"] is True
    assert [s["status"] for s in data["steps"]] == ["done"] * len(data["steps"])
    assert len(server.requests_for("/offramp-test-av_1.0_all.deb")) == 1

    journal = read_journal(private_home / "state" / "journal.jsonl")
    acted = [e["step"] for e in journal.events if e["event"] == "step.act"]
    assert acted.index("stage.offramp-test-av") < acted.index("uninstall.kaspersky-endpoint-security-linux")
    assert acted.index("uninstall.kaspersky-endpoint-security-linux") < acted.index("uninstall.kaspersky-network-agent")
    assert acted.index("uninstall.kaspersky-network-agent") < acted.index("install.offramp-test-av")
    assert journal.events[-1]["event"] == "run.done"

    # A deployment tool that resumes after this run (its first try was cut off once the run had finished)
    # gets the outcome again, not a usage error, and nothing runs twice.
    resumed = run_cli("resume", "--silent", env=LOOPBACK)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "already finished" in resumed.stdout and result.stdout.split("Support code: ")[1].strip() in resumed.stdout
    assert read_journal(private_home / "state" / "journal.jsonl").events == journal.events

    again = run_cli("scan", "--root", str(kaspersky_root.path))
    assert again.returncode == (1 if leftovers == "report" else 0), again.stdout
    states = kaspersky_root.states()
    if leftovers == "report":
        # Nobody confirmed: the configuration dpkg keeps and the log folder stay, and the report says so.
        assert data["rescan"]["verdict"] == "leftovers"
        assert states["kesl"][1] == "deinstall ok config-files"
        assert (kaspersky_root.path / "var/log/kaspersky/kesl/install.log").exists()
    else:
        assert data["rescan"]["verdict"] == "clean"
        assert "kesl" not in states  # purged through dpkg, not deleted behind its back
        assert not (kaspersky_root.path / "var/log/kaspersky").exists()


def test_nothing_to_do_exits_zero(dpkg_root: DpkgRoot, served_playbook) -> None:
    playbook, server = served_playbook
    result = run_cli("migrate", "--silent", "--root", str(dpkg_root.path), "--to", str(playbook), env=LOOPBACK)
    assert (result.returncode, server.requests) == (0, [])
    assert "nothing to do" in result.stdout


def test_dry_run_changes_nothing(kaspersky_root: DpkgRoot, served_playbook) -> None:
    playbook, server = served_playbook
    before = kaspersky_root.installed()
    result = run_cli(
        "migrate", "--silent", "--dry-run", "--root", str(kaspersky_root.path), "--to", str(playbook), env=LOOPBACK
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert kaspersky_root.installed() == before
    assert server.requests == []


@pytest.mark.parametrize("fault", ["wrong-hash", "not-found"])
def test_a_bad_download_removes_nothing_and_leaves_no_file(
    fault: str, kaspersky_root: DpkgRoot, tmp_path: Path, built_packages: BuiltPackages, private_home: Path
) -> None:
    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    with HttpServer() as server:
        url = server.add("/offramp-test-av_1.0_all.deb", payload)
        if fault == "not-found":
            url = server.url("/missing.deb")
        playbook = pinned_playbook(tmp_path, "linux", url, payload, sha256="ab" * 32 if fault == "wrong-hash" else None)
        before = kaspersky_root.installed()
        result = run_cli("migrate", "--silent", "--root", str(kaspersky_root.path), "--to", str(playbook), env=LOOPBACK)
    expected = {"wrong-hash": 23, "not-found": 22}[fault]
    assert result.returncode == expected, result.stdout + result.stderr
    assert kaspersky_root.installed() == before
    downloads = private_home / "cache" / "downloads"
    assert not downloads.exists() or list(downloads.iterdir()) == []
    assert "Nothing was removed" in result.stdout


def test_a_bad_policy_is_a_usage_error_naming_the_line(kaspersky_root: DpkgRoot, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("kind: policy\nschema_version: 1\nreboot:\n  allowed: sometimes\n")
    result = run_cli(
        "migrate", "--silent", "--root", str(kaspersky_root.path), "--to", "clamav", "--policy", str(policy)
    )
    assert result.returncode == 2
    assert f"{policy}:4:12: reboot.allowed: expected boolean" in result.stderr
    assert "Traceback" not in result.stderr


def test_resume_with_nothing_to_resume_is_a_usage_error() -> None:
    result = run_cli("resume", "--silent")
    assert result.returncode == 2
    assert "no unfinished migration" in result.stderr
