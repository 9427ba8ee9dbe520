"""Every dpkg state (and rpm's single one), read and acted on with the real tools.

The scan calls a package in any state but config-files installed, the migration removes it through
dpkg (forcing a reinstreq removal the documented way), and dpkg's own database, asked afterwards, no
longer lists it; the report never says clean while it does.

The states are written into the bed's status file the way dpkg writes them after an interruption
(the triple want / flag / status, with the Triggers-* fields dpkg requires for the trigger states),
on top of a real installation, so the package's files and maintainer scripts are really there.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.support import linux_fixtures as fx
from tests.support import matrix
from tests.support.pkgbed import RPM_TOOLS, DpkgRoot, PackageFile, PackageSpec, RpmRoot
from tests.support.pkgbed_fixtures import BuiltPackages, require_tools

PRODUCT_PACKAGES = ("kesl", "kesl-gui", "klnagent64")
PRODUCT = "kaspersky-endpoint-security-linux"
MARKER = "var/lib/kesl-configured"
KESL_NEEDS_CONFIG = dataclasses.replace(
    fx.KESL,
    scripts={
        "postinst": f'touch "$DPKG_ROOT/{MARKER}"',
        "prerm": f'test -f "$DPKG_ROOT/{MARKER}" || {{ echo "kesl-control: not configured" >&2; exit 1; }}',
        "postrm": f'rm -f "$DPKG_ROOT/{MARKER}"',
    },
)
TRIGGER_OWNER = PackageSpec(
    name="trigger-owner",
    version="1.0",
    description="A package with a pending trigger (test bed)",
    files={"/usr/share/trigger-owner/readme": PackageFile("trigger owner\n")},
)


@dataclass(frozen=True)
class State:
    status: str
    fields: str = ""  # extra control fields dpkg requires with this status
    package: str = "kesl"
    drop_files: bool = False  # a half-installed package with part of its files already gone
    # Its prerm fails until the package is configured, as vendor scripts that call their own control tool
    # do: the first `dpkg -r` fails and Offramp must repair and retry.
    prerm_needs_config: bool = False


STATES = [
    State("install ok installed"),
    State("deinstall ok installed"),
    State("purge ok installed"),
    State("hold ok installed"),
    State("unknown ok installed"),
    State("install ok triggers-pending", "Triggers-Pending: kesl-trigger\n"),
    State("install ok triggers-awaited", "Triggers-Awaited: trigger-owner\n"),
    State("install ok half-configured"),
    State("deinstall ok half-configured"),
    State("hold ok half-configured"),
    State("install ok unpacked"),
    State("deinstall ok unpacked"),
    State("install ok half-installed"),
    State("deinstall ok half-installed"),
    State("install reinstreq half-installed"),
    State("deinstall reinstreq half-installed"),
    State("install reinstreq half-installed", drop_files=True),
    State("install reinstreq unpacked"),
    State("deinstall ok half-configured", package="kesl-gui"),
    State("install ok half-configured", prerm_needs_config=True),
    State("deinstall ok half-configured", prerm_needs_config=True),
    State("deinstall ok config-files"),
]


def _set_state(bed: DpkgRoot, state: State) -> None:
    status_file = bed.admindir / "status"
    text = status_file.read_text()
    stanza = re.compile(rf"(Package: {re.escape(state.package)}\n(?:.+\n)*?)Status: .*\n")
    text, count = stanza.subn(lambda m: m.group(1) + f"Status: {state.status}\n{state.fields}", text, count=1)
    assert count == 1, f"{state.package} is not in the status file"
    if "Triggers-Awaited" in state.fields:
        owner = re.compile(r"(Package: trigger-owner\n(?:.+\n)*?)Status: .*\n")
        text = owner.sub(
            lambda m: m.group(1) + "Status: install ok triggers-pending\nTriggers-Pending: kesl-trigger\n", text
        )
    status_file.write_text(text)
    if state.drop_files:
        for path in (fx.KESL_CONTROL, fx.KESL_SERVICE):
            (bed.path / path.lstrip("/")).unlink()


def _run(state: State, base: Path, built: BuiltPackages) -> str | None:
    bed = DpkgRoot(base / "root")
    kesl = KESL_NEEDS_CONFIG if state.prerm_needs_config else fx.KESL
    bed.install(*(built.deb(s) for s in (kesl, fx.KESL_GUI, fx.KLNAGENT64, TRIGGER_OWNER)))
    if state.prerm_needs_config:
        (bed.path / MARKER).unlink()  # a power cut before postinst finished
    if state.status.endswith("config-files"):
        bed.remove("kesl-gui")
        bed.remove("kesl")  # dpkg's own config-files state, files and all
    else:
        _set_state(bed, state)
    env = {"OFFRAMP_HOME": str(base / "home")}
    problems = []

    scan = run_cli("scan", "--root", str(bed.path), "--json", env=env)
    findings = json.loads(scan.stdout)
    installed = {p["product_id"] for p in findings["installed"]}
    if state.status.endswith("config-files"):
        if PRODUCT in installed or "kesl" not in {item["name"] for item in findings["leftovers"]}:
            problems.append("config-files was not read as a leftover package")
    elif PRODUCT not in installed:
        problems.append(f"the scan called it {findings['verdict']}, not installed")

    policy = base / "policy.yaml"
    policy.write_text("kind: policy\nschema_version: 1\nleftovers: {silent: remove}\n")
    report = base / "report.json"
    result = run_cli(
        "migrate", "--silent", "--remove-only", "--root", str(bed.path), "--policy", str(policy),
        "--report", str(report), env=env,
    )  # fmt: skip
    if result.returncode != 0:
        problems.append(f"migrate exited {result.returncode}: {result.stdout[-400:]}")
    listed = {name: status for name, (_v, status) in bed.states().items() if name in PRODUCT_PACKAGES}
    if listed:
        problems.append(f"dpkg still lists {listed}")
    verdict = json.loads(report.read_text())["rescan"].get("verdict") if report.exists() else None
    if verdict == "clean" and listed:
        problems.append("the report says clean while dpkg lists the product")
    if result.returncode == 0 and verdict != "clean":
        problems.append(f"exit 0 but the rescan says {verdict}")
    return "; ".join(problems) or None


@pytest.mark.slow
def test_every_dpkg_state_is_removed_through_dpkg(
    tmp_path: Path, built_packages: BuiltPackages, request: pytest.FixtureRequest
) -> None:
    failures = []
    for index, state in enumerate(STATES):
        problem = _run(state, tmp_path / f"state{index}", built_packages)
        if problem:
            label = f"{state.package} {state.status}" + (" (files partly gone)" if state.drop_files else "")
            label += " (prerm needs configuration)" if state.prerm_needs_config else ""
            failures.append(f"{label}: {problem}")
    matrix.report(request.config, "every dpkg state", len(STATES), failures)
    assert not failures, failures


def _run_rpm(drop_files: bool, base: Path, built: BuiltPackages) -> str | None:
    bed = RpmRoot(base / "root")
    bed.install(*(built.rpm(s) for s in (fx.KESL, fx.KESL_GUI, fx.KLNAGENT64)))
    if drop_files:  # an interrupted `rpm -e`: the header is still in the database, files partly gone
        for path in (fx.KESL_CONTROL, fx.KESL_SERVICE):
            (bed.path / path.lstrip("/")).unlink()
    env = {"OFFRAMP_HOME": str(base / "home")}
    problems = []
    scan = run_cli("scan", "--root", str(bed.path), "--json", env=env)
    if PRODUCT not in {p["product_id"] for p in json.loads(scan.stdout)["installed"]}:
        problems.append("the scan did not call it installed")
    result = run_cli("migrate", "--silent", "--remove-only", "--root", str(bed.path), env=env)
    if result.returncode != 0:
        problems.append(f"migrate exited {result.returncode}: {result.stdout[-400:]}")
    if listed := set(bed.installed()) & set(PRODUCT_PACKAGES):
        problems.append(f"rpm still lists {sorted(listed)}")
    return "; ".join(problems) or None


@pytest.mark.slow
def test_an_rpm_package_in_the_database_is_installed_until_rpm_removes_it(
    tmp_path: Path, built_packages: BuiltPackages, request: pytest.FixtureRequest
) -> None:
    require_tools(RPM_TOOLS, "the rpm test bed")
    cases = {"installed": False, "installed, files partly gone": True}
    failures = []
    for index, (label, drop) in enumerate(cases.items()):
        if problem := _run_rpm(drop, tmp_path / f"rpm{index}", built_packages):
            failures.append(f"{label}: {problem}")
    matrix.report(request.config, "rpm database", len(cases), failures)
    assert not failures, failures


def test_a_reinstreq_package_is_installed_to_the_scan(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> None:
    dpkg_root.install(built_packages.deb(fx.KESL))
    _set_state(dpkg_root, State("deinstall reinstreq half-installed"))
    scan = run_cli("scan", "--root", str(dpkg_root.path), "--json", env={"OFFRAMP_HOME": os.environ["OFFRAMP_HOME"]})
    assert scan.returncode == 1
    assert [p["product_id"] for p in json.loads(scan.stdout)["installed"]] == [PRODUCT]


def test_a_database_dpkg_cannot_read_proves_nothing_gone(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> None:
    from offramp.core.platform.linux import LinuxBackend

    dpkg_root.install(built_packages.deb(fx.KESL))
    status = dpkg_root.admindir / "status"
    status.write_text(status.read_text().replace("Status: install ok installed", "Status: install ok exploded"))
    backend = LinuxBackend(dpkg_root.path)
    params = {"method": "package", "packages": ["kesl"]}
    assert backend.product_present(params)
    result = backend.uninstall(params, {}, timeout=60)
    assert not result.ok and "could not read the package database" in result.message


def test_a_scan_of_a_database_dpkg_cannot_read_says_so_instead_of_clean(
    dpkg_root: DpkgRoot, built_packages: BuiltPackages
) -> None:
    dpkg_root.install(built_packages.deb(fx.KESL))
    status = dpkg_root.admindir / "status"
    status.write_text(status.read_text().replace("Status: install ok installed", "Status: install ok exploded"))
    scan = run_cli("scan", "--root", str(dpkg_root.path), env={"OFFRAMP_HOME": os.environ["OFFRAMP_HOME"]})
    assert scan.returncode == 2, scan.stdout
    assert "cannot tell what is installed" in scan.stderr and "Traceback" not in scan.stderr
