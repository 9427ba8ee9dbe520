"""The second catalogue end to end on a private dpkg root: a package shaped like WPS Office for Linux is
found by `offramp scan` (and by `--catalogue` narrowed to it), planned and removed by a silent migration,
while a look-alike Works-file library is left alone. No code names the product: the YAML does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import run_cli
from tests.support import linux_fixtures as fx
from tests.support.http_server import HttpServer
from tests.support.pkgbed import DpkgRoot, PackageFile, PackageSpec
from tests.support.playbook_fixtures import pinned_playbook

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

LOOPBACK = {"OFFRAMP_ALLOW_LOOPBACK_HTTP": "1"}

# Shaped after the public scripts that install and purge the real package (dpkg -P wps-office) and the
# folder it installs into (/opt/kingsoft/wps-office). Versions follow the vendor's file names.
WPS_OFFICE = PackageSpec(
    name="wps-office",
    version="11.1.0.11698",
    release="1",
    description="WPS Office (test-bed copy)\nAn office suite shaped like the vendor's Linux package.",
    files={
        "/opt/kingsoft/wps-office/office6/wps": PackageFile("#!/bin/sh\necho 'wps stand-in'\n", mode=0o755),
        "/opt/kingsoft/wps-office/office6/mui/en_US/lang.conf": PackageFile("lang=en_US\n"),
        "/usr/share/applications/wps-office-wps.desktop": PackageFile(
            "[Desktop Entry]\nType=Application\nName=WPS Writer\nExec=/opt/kingsoft/wps-office/office6/wps\n"
        ),
    },
)
LIBWPS = PackageSpec(
    name="libwps-tools",
    version="0.4.12",
    description="Works text file format import filter library -- tools (test-bed copy)",
    files={"/usr/bin/wps2text": PackageFile("#!/bin/sh\necho 'wps2text stand-in'\n", mode=0o755)},
)


@pytest.fixture
def wps_root(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> DpkgRoot:
    dpkg_root.install(built_packages.deb(WPS_OFFICE), built_packages.deb(LIBWPS))
    return dpkg_root


def test_scan_finds_the_second_catalogues_product(wps_root: DpkgRoot) -> None:
    result = run_cli("scan", "--root", str(wps_root.path), "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    data = json.loads(result.stdout)
    [found] = data["installed"]
    assert (found["product_id"], found["catalogue"], found["certainty"]) == (
        "wps-office-linux",
        "wps-office",
        "certain",
    )
    assert found["packages"] == ["wps-office"]
    assert {c["id"] for c in data["catalogues"]} == {"kaspersky", "wps-office"}
    assert [n["id"] for n in data["notes"]] == ["libwps"]

    text = run_cli("scan", "--root", str(wps_root.path)).stdout
    assert "Texas prohibits Kingsoft WPS Office on state-issued devices" in text
    assert "Banned software installed (1):" in text and "[wps-office-linux]" in text

    narrowed = run_cli("scan", "--root", str(wps_root.path), "--catalogue", "kaspersky", "--json")
    assert (narrowed.returncode, json.loads(narrowed.stdout)["installed"]) == (0, [])
    unknown = run_cli("scan", "--root", str(wps_root.path), "--catalogue", "nosuch")
    assert unknown.returncode == 2 and "no catalogue 'nosuch'" in unknown.stderr


@pytest.fixture
def served_playbook(tmp_path: Path, built_packages: BuiltPackages):
    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    with HttpServer() as server:
        url = server.add("/offramp-test-av_1.0_all.deb", payload)
        yield pinned_playbook(tmp_path, "linux", url, payload), server


def test_plan_and_silent_migration_remove_it(wps_root: DpkgRoot, served_playbook, tmp_path: Path) -> None:
    playbook, _server = served_playbook
    plan = run_cli("plan", "--root", str(wps_root.path), "--to", str(playbook), "--json")
    assert plan.returncode == 0, plan.stderr
    steps = {s["id"]: s for s in json.loads(plan.stdout)["steps"]}
    assert steps["uninstall.wps-office-linux"]["params"]["packages"] == ["wps-office"]
    assert "rescue.wps-cloud-documents" in steps

    report = tmp_path / "report.json"
    result = run_cli(
        "migrate",
        "--silent",
        "--root",
        str(wps_root.path),
        "--to",
        str(playbook),
        "--report",
        str(report),
        env=LOOPBACK,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    installed = wps_root.installed()
    assert "wps-office" not in installed
    assert "libwps-tools" in installed  # the look-alike stays
    assert not (wps_root.path / "opt/kingsoft/wps-office/office6/wps").exists()
    assert json.loads(report.read_text())["rescan"]["verdict"] == "clean"
