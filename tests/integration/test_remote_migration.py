"""The window's migration through the worker process (app/core/migrate/remote.py) on a private dpkg root.

The worker is the real console program (`python -m offramp migrate-worker`), started through the test
elevation (`elevation.DIRECT`: a private root needs no rights), so everything but the system's password
dialog is the real path: the socket, the protocol, the questions, the state, the exit code, dpkg.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from offramp.core import exitcodes
from offramp.core.migrate import remote
from offramp.core.migrate.context import Options, Question
from offramp.core.platform import elevation
from tests.support import linux_fixtures as fx
from tests.support.http_server import HttpServer
from tests.support.pkgbed import DpkgRoot
from tests.support.playbook_fixtures import pinned_playbook

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

WORKER = [sys.executable, "-m", "offramp", "migrate-worker"]


@pytest.fixture
def kaspersky_root(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> DpkgRoot:
    dpkg_root.install(*(built_packages.deb(s) for s in (fx.KESL, fx.KLNAGENT64, fx.KLEOPATRA)))
    return dpkg_root


@pytest.fixture
def playbook(tmp_path: Path, built_packages: BuiltPackages):
    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    with HttpServer() as server:
        url = server.add("/offramp-test-av_1.0_all.deb", payload)
        yield pinned_playbook(tmp_path, "linux", url, payload)


def _options(root: DpkgRoot, playbook: Path, tmp_path: Path, **extra: Any) -> Options:
    policy = tmp_path / "policy.yaml"
    policy.write_text("kind: policy\nschema_version: 1\nleftovers: {silent: remove}\n")
    return Options(
        root=str(root.path), replacement_ref=str(playbook), policy_file=str(policy), allow_loopback_http=True, **extra
    )


def test_the_worker_runs_the_migration_and_the_window_hears_every_step(
    kaspersky_root: DpkgRoot, playbook: Path, tmp_path: Path, private_home: Path
) -> None:
    seen_states: list[dict[str, str]] = []
    fractions: list[float] = []
    questions: list[Question] = []

    def ask(question: Question) -> Any:
        questions.append(question)
        return True  # the person agrees to each question (deleting the leftovers Offramp names)

    with (tmp_path / "worker.log").open("wb") as log:
        result = remote.run(
            "start",
            _options(kaspersky_root, playbook, tmp_path),
            elevation=elevation.DIRECT,
            worker=WORKER,
            support_code="ABC-DEF",
            progress=lambda _message, fraction: fractions.append(fraction),
            on_state=lambda state: seen_states.append(state.statuses()),
            ask=ask,
            log=log,
            keep_report=tmp_path / "window" / "report.json",
        )
    assert result.exit_code == exitcodes.SUCCESS, (result.message, (tmp_path / "worker.log").read_text())
    assert result.state.support_code == "ABC-DEF"  # the code the window showed is the case's code
    assert set(result.state.statuses().values()) <= {"done", "skipped"}
    installed = kaspersky_root.installed()
    assert "kesl" not in installed and "klnagent64" not in installed
    assert installed["offramp-test-av"] == fx.OFFRAMP_TEST_AV.full_version
    assert "kleopatra" in installed  # the look-alike is left alone
    # The window saw the run as it happened: states with steps running, then done, and rising progress.
    assert any("running" in states.values() for states in seen_states)
    assert fractions and max(fractions) == 1.0
    assert all(isinstance(q, Question) for q in questions)
    # The window keeps the run's report, owner-only, as the worker wrote it (the Done page reads it).
    kept = tmp_path / "window" / "report.json"
    assert json.loads(kept.read_text()) == json.loads((private_home / "state" / "report.json").read_text())
    assert json.loads(kept.read_text())["exit_code"] == 0 and stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_a_plan_other_than_the_one_agreed_to_is_refused_and_nothing_changes(
    kaspersky_root: DpkgRoot, playbook: Path, tmp_path: Path
) -> None:
    before = kaspersky_root.installed()
    with pytest.raises(remote.RemoteError) as caught:
        remote.run(
            "start",
            _options(kaspersky_root, playbook, tmp_path),
            elevation=elevation.DIRECT,
            worker=WORKER,
            fingerprint="not-the-plan-the-worker-makes",
        )
    assert "the plan changed since you agreed to it" in str(caught.value)
    assert caught.value.exit_code == exitcodes.USAGE
    assert kaspersky_root.installed() == before


def test_a_dismissed_password_dialog_says_so_and_changes_nothing(
    kaspersky_root: DpkgRoot, playbook: Path, tmp_path: Path
) -> None:
    # pkexec's documented exit code for a dismissed dialog, from a stand-in: this machine has no polkit agent.
    dismissed = elevation.Elevation("pkexec", ("/bin/sh", "-c", f"exit {elevation.PKEXEC_DISMISSED}", "pkexec"))
    before = kaspersky_root.installed()
    with pytest.raises(remote.RightsRefused) as caught:
        remote.run("start", _options(kaspersky_root, playbook, tmp_path), elevation=dismissed, worker=WORKER)
    assert caught.value.exit_code == exitcodes.NOT_ELEVATED
    assert "not given administrator rights" in str(caught.value) and "nothing was changed" in str(caught.value)
    assert kaspersky_root.installed() == before


@pytest.mark.skipif(os.name == "nt" or os.geteuid() != 0, reason="needs root to stand for an elevated worker")
def test_an_elevated_worker_refuses_options_that_widen_what_root_trusts(
    kaspersky_root: DpkgRoot, playbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The window is another user's process: its socket belongs to that user, as under pkexec.
    real_bind = remote.socket.socket.bind

    def bind_as_nobody(self: Any, address: Any) -> None:
        real_bind(self, address)
        os.chown(address, 65534, 65534)
        os.chown(os.path.dirname(address), 65534, 65534)

    monkeypatch.setattr(remote.socket.socket, "bind", bind_as_nobody)
    before = kaspersky_root.installed()
    with pytest.raises(remote.RemoteError) as caught:
        remote.run("start", _options(kaspersky_root, playbook, tmp_path), elevation=elevation.DIRECT, worker=WORKER)
    # Each thing that would let the user's own process choose what root trusts, deletes or installs.
    for widened in ("allow_loopback_http", "root", "policy_file", "a playbook file from outside"):
        assert widened in str(caught.value)
    assert "sudo offramp migrate" in str(caught.value)
    assert kaspersky_root.installed() == before


def test_the_elevations_wrap_the_worker_as_each_system_expects() -> None:
    worker = ["/usr/lib/offramp/offramp", "migrate-worker", "--connect", "/tmp/x y/socket"]
    assert elevation.Elevation("pkexec", ("/usr/bin/pkexec",)).wrap(worker) == ["/usr/bin/pkexec", *worker]
    mac = elevation.Elevation("osascript", ("/usr/bin/osascript",), background_shell=True).wrap(worker)
    assert mac[:2] == ["/usr/bin/osascript", "-e"]
    assert mac[2] == (
        "do shell script \"/usr/lib/offramp/offramp migrate-worker --connect '/tmp/x y/socket' >/dev/null 2>&1 &\" "
        "with administrator privileges"
    )
    assert elevation.Elevation("pkexec").refused(126) and elevation.Elevation("pkexec").refused(127)
    assert not elevation.Elevation("pkexec").refused(1)
    with pytest.raises(elevation.ElevationUnavailable, match="pkexec"):
        if sys.platform.startswith("linux"):
            elevation.for_this_system(which=lambda _name: None)
        else:
            raise elevation.ElevationUnavailable("pkexec")
