"""The Linux collector reads a private dpkg or rpm root exactly as the system in it would, and nothing live."""

from __future__ import annotations

from typing import TYPE_CHECKING

from offramp.core.scan.collectors import linux
from offramp.core.scan.collectors.scope import Scope
from tests.support import linux_fixtures as fx
from tests.support.pkgbed import DpkgRoot, RpmRoot

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

SCOPE = Scope(folders={"linux": ("/opt/kaspersky", "/etc/kaspersky")}, files={"linux": (fx.KESL_CONTROL,)})


def test_dpkg_root_packages_units_and_folders(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> None:
    dpkg_root.install(*(built_packages.deb(s) for s in (fx.KESL, fx.KESL_GUI, fx.KLNAGENT64, fx.KLEOPATRA)))
    inventory = linux.collect(dpkg_root.path, SCOPE)
    packages = {row["name"]: row for row in inventory["deb_packages"]}
    assert set(packages) == {"kesl", "kesl-gui", "klnagent64", "kleopatra"}
    assert packages["kesl"]["version"] == fx.KESL.full_version
    assert packages["kesl"]["status"] == "install ok installed"
    units = {row["id"]: row for row in inventory["systemd_units"]}
    assert {"kesl.service", "klnagent64.service"} <= set(units)
    # A private root is not running: its units' states are unknown, and no process is read.
    assert units["kesl.service"]["active_state"] == "unknown"
    assert "processes" not in inventory
    paths = {row["path"]: row for row in inventory["file"]}
    assert paths["/opt/kaspersky"]["type"] == "directory"
    assert "/opt/kaspersky/kesl" in paths
    assert paths[fx.KESL_CONTROL]["type"] == "regular"


def test_removed_package_with_config_left_is_reported_as_config_files(
    dpkg_root: DpkgRoot, built_packages: BuiltPackages
) -> None:
    dpkg_root.install(built_packages.deb(fx.KESL))
    dpkg_root.remove("kesl")
    rows = {row["name"]: row for row in linux.collect(dpkg_root.path, SCOPE)["deb_packages"]}
    assert rows["kesl"]["status"] == "deinstall ok config-files"
    assert any(r["path"] == "/etc/kaspersky" for r in linux.collect(dpkg_root.path, SCOPE)["file"])


def test_rpm_root_packages(rpm_root: RpmRoot, built_packages: BuiltPackages) -> None:
    rpm_root.install(built_packages.rpm(fx.KESL), built_packages.rpm(fx.KLNAGENT64))
    inventory = linux.collect(rpm_root.path, SCOPE)
    rows = {row["name"]: row for row in inventory["rpm_packages"]}
    assert set(rows) == {"kesl", "klnagent64"}
    assert rows["kesl"]["version"] == fx.KESL.version
    assert inventory["deb_packages"] == []


def test_empty_root_gives_an_empty_inventory(tmp_path) -> None:
    inventory = linux.collect(tmp_path, SCOPE)
    assert inventory == {"platform": "linux", "deb_packages": [], "rpm_packages": [], "systemd_units": [], "file": []}


def test_the_definitions_date_comes_from_the_vendor_tool_when_allowed(
    dpkg_root: DpkgRoot, built_packages: BuiltPackages
) -> None:
    from offramp.core.data.catalogue import load_catalogue
    from offramp.core.scan.classifier import classify
    from offramp.core.scan.collectors.scope import scope_from

    dpkg_root.install(built_packages.deb(fx.KESL))
    catalogue = load_catalogue(catalogue_id="kaspersky")
    scope = scope_from(catalogue)
    # A mounted root's programs are never run by default...
    quiet = linux.collect(dpkg_root.path, scope)
    assert all("output" not in row for row in quiet["file"])
    assert classify(catalogue, quiet).installed[0].definitions_date is None
    # ...but the live system's are (here: the test package's script, which prints what kesl-control prints).
    inventory = linux.collect(dpkg_root.path, scope, run_tools=True)
    product = classify(catalogue, inventory).installed[0]
    assert product.definitions_date == "2024-09-28T21:04:00+00:00"


def test_only_the_units_the_catalogue_names_are_read(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> None:
    from offramp.core.data.catalogue import load_catalogue
    from offramp.core.scan.collectors.scope import scope_from

    dpkg_root.install(built_packages.deb(fx.KESL), built_packages.deb(fx.KLNAGENT64))
    units = dpkg_root.path / "lib/systemd/system"
    (units / "cron.service").write_text("[Unit]\nDescription=Regular background program processing daemon\n")
    (units / "kesl-lookalike.service").write_text("[Unit]\nDescription=Not one of the catalogue's units\n")
    scoped = linux.collect(dpkg_root.path, scope_from(load_catalogue(catalogue_id="kaspersky")))
    assert sorted(row["id"] for row in scoped["systemd_units"]) == ["kesl.service", "klnagent64.service"]
    # Without unit matchers in the scope (as in `Scope()`), every unit file is listed.
    every = {row["id"] for row in linux.collect(dpkg_root.path, SCOPE)["systemd_units"]}
    assert {"cron.service", "kesl-lookalike.service", "kesl.service"} <= every
