"""The Ansible collection against a simulated fleet, with real ansible-core: 22 hosts on the local connection,
each with its own private dpkg root and Offramp state folder, the replacement served from 127.0.0.1.

Hosts: Kaspersky-shaped packages on some, nothing on others, one whose kesl refuses removal as a
password-protected install does, one whose replacement download is missing. Check mode must show the
plan and change nothing; the first run migrates; a second run changes nothing; the reports the role
fetched feed `offramp fleet scan`'s sibling, `offramp fleet report`.

The restart path has a host of its own: a policy that asks for a restart after the removals makes the
migration exit 3010, the role runs its restart tasks (a test file in place of ansible.builtin.reboot, through
offramp_reboot_tasks: it gives the host's root a new boot id, as a restart would) and then `offramp resume`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import REPO, run_cli
from tests.support import linux_fixtures as fx
from tests.support.http_server import HttpServer
from tests.support.pkgbed import DpkgRoot
from tests.support.pkgbed_fixtures import DPKG_TOOLS, require_tools
from tests.support.playbook_fixtures import pinned_playbook
from tests.support.testbeds import unavailable

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

pytestmark = pytest.mark.slow

COLLECTIONS = REPO / "integrations" / "ansible"
BIN = Path(sys.executable).parent
HOSTS = 22
# kesl refusing its removal, as a password-protected install does; dpkg then keeps it installed.
PROTECTED_KESL = dataclasses.replace(
    fx.KESL,
    scripts={**fx.KESL.scripts, "prerm": 'echo "kesl: removal is protected by a password" >&2\nexit 1\n'},
)
RECAP = re.compile(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$", re.M)
TASK = re.compile(r"^TASK \[(?:[^\]:]+ : )?([^\]]+)\] \**\n(\w+): \[(\S+)\]", re.M)
# The restart the restart test gives its host in place of ansible.builtin.reboot (which refuses to restart the
# controller over the local connection): a new boot id in the host's root, as a real restart gives the kernel
# one, and a line saying which exit code asked for it.
RESTART_TASKS = """\
- name: Restart the simulated host
  ansible.builtin.copy:
    content: "{{ lookup('ansible.builtin.pipe', 'cat /proc/sys/kernel/random/uuid') }}\\n"
    dest: "{{ offramp_root }}/proc/sys/kernel/random/boot_id"
    mode: "0644"

- name: Note the restart
  ansible.builtin.lineinfile:
    path: "{{ restarts_log }}"
    line: "{{ inventory_hostname }} restarted after exit {{ offramp_migration.exit_code }}"
    create: true
    mode: "0644"
"""
# An admin who wants Kaspersky's kernel modules gone before the replacement goes in.
RESTART_POLICY = """\
kind: policy
schema_version: 1
reboot: {after_removal: true}
data_rescue: assume-done
passwords: {source: env}
"""


def recap(output: str) -> dict[str, dict[str, int]]:
    """PLAY RECAP's counters per host (ok, changed, unreachable, failed, skipped, rescued, ignored)."""
    tail = output.split("PLAY RECAP", 1)[1]
    return {
        host: {k: int(v) for k, v in (pair.split("=") for pair in counters.split())}
        for host, counters in RECAP.findall(tail)
    }


def task_results(output: str) -> list[tuple[str, str, str]]:
    """(task name, status, host) for each task's first result line, in the order they ran."""
    return TASK.findall(output)


def kind_of(i: int) -> str:
    if i == 1:
        return "protected"
    if i == 2:
        return "broken-download"
    return ("kesl", "network-agent", "clean")[i % 3]


@pytest.fixture
def fleet(tmp_path: Path, built_packages: BuiltPackages) -> Any:
    require_tools(DPKG_TOOLS, "the dpkg test bed")
    if not (BIN / "ansible-playbook").exists():
        unavailable("ansible-core is not installed (pip install -e '.[test]')")
    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    packages = {
        "kesl": [built_packages.deb(s) for s in (fx.KESL, fx.KESL_GUI)],
        "network-agent": [built_packages.deb(fx.KLNAGENT64)],
        "protected": [built_packages.deb(PROTECTED_KESL)],
        "broken-download": [built_packages.deb(fx.KESL)],
        "clean": [built_packages.deb(fx.KLEOPATRA)],  # a look-alike, left alone
    }
    with HttpServer() as server:
        url = server.add("/offramp-test-av_1.0_all.deb", payload)
        good = pinned_playbook(tmp_path, "linux", url, payload)
        (tmp_path / "broken").mkdir()
        broken = pinned_playbook(tmp_path / "broken", "linux", url.replace("offramp-test-av", "missing"), payload)
        hosts: dict[str, Any] = {}
        for i in range(1, HOSTS + 1):
            name, kind = f"host-{i:02d}", kind_of(i)
            root = DpkgRoot(tmp_path / "roots" / name)
            root.install(*packages[kind])
            hosts[name] = {
                "kind": kind,
                "root": root,
                "vars": {
                    "ansible_connection": "local",
                    "ansible_python_interpreter": sys.executable,
                    "offramp_executable": str(BIN / "offramp"),
                    "offramp_root": str(root.path),
                    "offramp_to": str(broken if kind == "broken-download" else good),
                    "offramp_report": str(tmp_path / "homes" / name / "report.json"),
                    "offramp_reboot": False,
                    "offramp_reports_dir": str(tmp_path / "collected"),
                    "offramp_environment": {
                        "OFFRAMP_HOME": str(tmp_path / "homes" / name),
                        "OFFRAMP_ALLOW_LOOPBACK_HTTP": "1",
                    },
                },
            }
        inventory = tmp_path / "inventory.json"
        inventory.write_text(json.dumps({"fleet": {"hosts": {n: h["vars"] for n, h in hosts.items()}}}))
        site = tmp_path / "site.yml"
        site.write_text("- hosts: fleet\n  gather_facts: false\n  roles:\n    - offramp.migrate.offramp\n")
        yield hosts, inventory, site, tmp_path


def playbook(inventory: Path, site: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORKS": "4",
        "ANSIBLE_LOCAL_TEMP": str(inventory.parent / "ansible-tmp"),
        "ANSIBLE_REMOTE_TEMP": str(inventory.parent / "ansible-tmp"),
    }
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory), str(site), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        stdin=subprocess.DEVNULL,
    )


def test_a_fleet_migrates_with_the_role_and_the_reports_sum_up(fleet: Any) -> None:
    hosts, inventory, site, tmp = fleet
    banned = {n for n, h in hosts.items() if h["kind"] != "clean"}
    failing = {n for n, h in hosts.items() if h["kind"] in ("protected", "broken-download")}

    check = playbook(inventory, site, "--check")
    counts = recap(check.stdout)
    print("check mode recap:\n" + check.stdout.split("PLAY RECAP", 1)[1])
    assert set(counts) == set(hosts), check.stdout + check.stderr
    for name, c in counts.items():
        assert (c["changed"], c["failed"]) == ((1, 0) if name in banned else (0, 0)), (name, c, check.stdout)
    assert "Remove Kaspersky Endpoint Security for Linux" in check.stdout  # the plan, shown
    assert all("kesl" in hosts[n]["root"].installed() or "klnagent64" in hosts[n]["root"].installed() for n in banned)

    first = playbook(inventory, site)
    print("first run recap:\n" + first.stdout.split("PLAY RECAP", 1)[1])
    counts = recap(first.stdout)
    for name, c in counts.items():
        expected = (0, 1) if name in failing else ((1, 0) if name in banned else (0, 0))
        assert (c["changed"], c["failed"]) == expected, (name, c, first.stdout[-4000:])
    for name, host in hosts.items():
        installed = host["root"].installed()
        if name in banned - failing:
            assert "offramp-test-av" in installed and not {"kesl", "klnagent64"} & set(installed), name
        if host["kind"] == "protected":
            assert "kesl" in installed and "offramp-test-av" not in installed  # left as it was found
        if host["kind"] == "broken-download":
            assert "kesl" in installed and "offramp-test-av" not in installed  # nothing removed: stage first
        if host["kind"] == "clean":
            assert "kleopatra" in installed and "offramp-test-av" not in installed

    second = playbook(inventory, site)
    print("second run recap:\n" + second.stdout.split("PLAY RECAP", 1)[1])
    counts = recap(second.stdout)
    assert all(c["changed"] == 0 for c in counts.values()), second.stdout[-4000:]
    assert {n for n, c in counts.items() if c["failed"]} == failing

    summed = run_cli("fleet", "report", "--json", str(tmp / "collected"))
    assert summed.returncode == 1, summed.stderr
    data = json.loads(summed.stdout)
    assert data["summary"]["by_state"]["finished"] == len(banned - failing)
    assert data["summary"]["by_state"]["failed"] == len(failing)
    reasons = {m["host"]: m for m in data["machines"]}
    assert len(reasons) == len(banned)
    broken = next(n for n in failing if hosts[n]["kind"] == "broken-download")
    assert reasons[broken]["exit_code"] == 22 and "download" in reasons[broken]["reason"]
    protected = next(n for n in failing if hosts[n]["kind"] == "protected")
    assert reasons[protected]["exit_code"] not in (0, 3010, 1641)
    print(run_cli("fleet", "report", str(tmp / "collected")).stdout)


def test_the_collection_passes_ansible_lint_and_its_module_documents_itself() -> None:
    lint = BIN / "ansible-lint"
    if not lint.exists():
        unavailable("ansible-lint is not installed (pip install -e '.[test]')")
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS), "NO_COLOR": "1"}
    collection = COLLECTIONS / "ansible_collections" / "offramp" / "migrate"
    done = subprocess.run(
        [str(lint), "--offline", "--nocolor", "--profile", "production"],
        cwd=collection,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    doc = subprocess.run(
        [str(BIN / "ansible-doc"), "--json", "offramp.migrate.offramp"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert doc.returncode == 0, doc.stderr
    options = json.loads(doc.stdout)["offramp.migrate.offramp"]["doc"]["options"]
    assert {"to", "report", "root", "environment", "command"} <= set(options)


def test_a_host_whose_migration_needs_a_restart_is_restarted_and_resumed(
    tmp_path: Path, built_packages: BuiltPackages
) -> None:
    """The role's restart path: Offramp exits 3010, the role runs its restart tasks (overridden, as
    offramp_reboot_tasks allows), then `offramp resume`, which finishes the migration after the restart."""
    require_tools(DPKG_TOOLS, "the dpkg test bed")
    if not (BIN / "ansible-playbook").exists():
        unavailable("ansible-core is not installed (pip install -e '.[test]')")
    name = "restarts-01"
    root = DpkgRoot(tmp_path / "root")
    root.install(built_packages.deb(fx.KESL), built_packages.deb(fx.KESL_GUI))
    boot_id = root.path / "proc/sys/kernel/random/boot_id"
    boot_id.parent.mkdir(parents=True)
    boot_id.write_text("0b0e1d2c-0000-4000-8000-000000000001\n")
    (tmp_path / "restart.yml").write_text(RESTART_TASKS)
    (tmp_path / "policy.yaml").write_text(RESTART_POLICY)
    restarts = tmp_path / "restarts.log"
    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    with HttpServer() as server:
        url = server.add("/offramp-test-av_1.0_all.deb", payload)
        host = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "offramp_executable": str(BIN / "offramp"),
            "offramp_root": str(root.path),
            "offramp_to": str(pinned_playbook(tmp_path, "linux", url, payload)),
            "offramp_policy": str(tmp_path / "policy.yaml"),
            "offramp_report": str(tmp_path / "home" / "report.json"),
            "offramp_reboot_tasks": str(tmp_path / "restart.yml"),
            "offramp_reports_dir": str(tmp_path / "collected"),
            "offramp_environment": {"OFFRAMP_HOME": str(tmp_path / "home"), "OFFRAMP_ALLOW_LOOPBACK_HTTP": "1"},
            "restarts_log": str(restarts),
        }
        inventory = tmp_path / "inventory.json"
        inventory.write_text(json.dumps({"restarting": {"hosts": {name: host}}}))
        site = tmp_path / "site.yml"
        site.write_text("- hosts: restarting\n  gather_facts: false\n  roles:\n    - offramp.migrate.offramp\n")
        run = playbook(inventory, site)

    print("restart run recap:\n" + run.stdout.split("PLAY RECAP", 1)[-1])
    counts = recap(run.stdout)
    assert counts[name]["failed"] == 0 and counts[name]["changed"] == 4, run.stdout[-4000:]
    ran = [(task, status) for task, status, _ in task_results(run.stdout)]
    assert ran.index(("Migrate", "changed")) < ran.index(("Restart the simulated host", "changed"))
    assert ran.index(("Restart the simulated host", "changed")) < ran.index(("Resume after the restart", "changed"))
    assert restarts.read_text().splitlines() == [f"{name} restarted after exit 3010"]

    report = json.loads((tmp_path / "collected" / name / "report.json").read_text())
    assert (report["finished"], report["exit_code"]) == (True, 0), report["outcome"]
    restart = next(s for s in report["steps"] if s["kind"] == "reboot")
    assert (restart["status"], restart["message"]) == ("done", "the computer restarted")
    installed = root.installed()
    assert "offramp-test-av" in installed and not {"kesl", "kesl-gui"} & set(installed)
    assert not (root.path / "etc/systemd/system/offramp-resume.service").exists()  # the resume entry is gone
