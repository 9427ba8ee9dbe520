"""The macOS collector turns a Mac's files into osquery rows; scanning such a tree finds Kaspersky for Mac."""

from __future__ import annotations

import json
import logging
import os
import plistlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from offramp.core.scan.collectors import macos
from offramp.core.scan.collectors.scope import Scope
from offramp.core.scan.run import run_scan
from tests.conftest import run_cli
from tests.support import macos_tree as mac

SCOPE = Scope(
    folders={
        "darwin": (
            "/Library/Application Support/Kaspersky Lab/KAV",
            "/Library/Application Support/Kaspersky Lab/KAV/Binaries",
            "~/Library/Preferences",
        )
    },
    files={"darwin": ("/Library/Caches/com.kaspersky.kav", "/usr/bin/kav")},
)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return mac.build(tmp_path / "mac")


class _Messages(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def macos_log() -> Iterator[list[str]]:
    # Offramp's logger stops propagation once set up, so listen on the collector's own logger.
    handler = _Messages()
    macos.log.addHandler(handler)
    previous = macos.log.level
    macos.log.setLevel(logging.DEBUG)
    try:
        yield handler.messages
    finally:
        macos.log.removeHandler(handler)
        macos.log.setLevel(previous)


def _by(rows: list[dict[str, Any]], column: str) -> dict[str, dict[str, Any]]:
    return {row[column]: row for row in rows}


def test_apps_are_read_from_binary_and_xml_info_plists(tree: Path) -> None:
    apps = _by(macos.collect(tree, Scope())["apps"], "path")
    assert apps[mac.KAV_APP] == {
        "name": "Kaspersky Anti-Virus For Mac.app",
        "path": mac.KAV_APP,
        "bundle_identifier": "com.kaspersky.kav",
        "bundle_name": "Kaspersky Anti-Virus For Mac",
        "bundle_short_version": "21.0.15",
        "bundle_version": "21.0.15.520",
        "display_name": "Kaspersky Anti-Virus",
    }
    assert apps[mac.KLEOPATRA_APP]["bundle_identifier"] == "org.kde.kleopatra"  # an XML Info.plist
    assert apps[mac.ULTRAAV_APP]["bundle_identifier"] == mac.ULTRAAV_ID
    # One level of subfolders (/Applications/Utilities) and each user's ~/Applications are read too.
    assert apps[mac.KEKA_APP]["name"] == "Keka.app"
    assert apps[mac.USER_APP]["bundle_identifier"] == "org.mozilla.firefox"
    assert sorted(apps) == sorted(
        [mac.KAV_APP, mac.KLEOPATRA_APP, mac.ULTRAAV_APP, mac.SAFARI_APP, mac.KEKA_APP, mac.USER_APP]
    )


def test_launchd_jobs_are_read_like_osquery(tree: Path) -> None:
    jobs = _by(macos.collect(tree, Scope())["launchd"], "path")
    assert jobs[mac.KAV_DAEMON] == {
        "path": mac.KAV_DAEMON,
        "name": "com.kaspersky.kav.plist",
        "label": "com.kaspersky.kav",
        "program": "",
        "program_arguments": f"{mac.KAV_BINARY} -d",
        "run_at_load": "1",
        "disabled": "",
    }
    assert jobs[mac.KAV_AGENT] == {
        "path": mac.KAV_AGENT,
        "name": "com.kaspersky.kav.gui.plist",
        "label": "com.kaspersky.kav.gui",
        "program": f"{mac.KAV_APP}/Contents/MacOS/kav_agent",
        "program_arguments": "",
        "run_at_load": "1",
        "disabled": "0",
    }
    assert jobs[mac.USER_AGENT]["label"] == "com.google.keystone.user.agent"
    assert len(jobs) == 3


def test_package_receipts_skip_the_bill_of_materials(tree: Path) -> None:
    assert macos.collect(tree, Scope())["package_receipts"] == [
        {
            "package_id": "com.kaspersky.kav.core",
            "package_filename": "kav_core.pkg",
            "version": "21.0.15.520",
            "location": "/",
            "install_time": mac.KAV_INSTALL_TIME,
            "path": mac.KAV_RECEIPT,
        }
    ]


def test_installed_and_staged_kernel_extensions(tree: Path) -> None:
    staged = "/Library/StagedExtensions/Library/Extensions/klif.kext"
    mac.write_plist(
        tree,
        f"{staged}/Contents/Info.plist",
        {"CFBundleIdentifier": mac.KLIF_ID, "CFBundleVersion": "21.0.14"},
        mac.XML,
    )
    mac.write_plist(
        tree,
        "/System/Library/Extensions/IOUSBFamily.kext/Contents/Info.plist",
        {"CFBundleIdentifier": "com.apple.iokit.IOUSBFamily", "CFBundleVersion": "900.4.2"},
    )
    assert macos.collect(tree, Scope())["kernel_extensions"] == [
        {"name": mac.KLIF_ID, "version": mac.KAV_VERSION, "path": mac.KLIF_KEXT},
        {"name": mac.KLIF_ID, "version": "21.0.14", "path": staged},
    ]


def test_system_extensions_come_from_the_database(tree: Path) -> None:
    assert macos.collect(tree, Scope())["system_extensions"] == [
        {
            "path": mac.SYSEXT_ORIGIN,
            "UUID": mac.SYSEXT_UUID,
            "state": "activated_enabled",
            "identifier": mac.SYSEXT_ID,
            "version": mac.KAV_VERSION,
            "category": "com.apple.system_extension.endpoint_security",
            "bundle_path": mac.KAV_APP,
            "team": mac.SYSEXT_TEAM,
        }
    ]


def test_file_rows_cover_the_scope_and_every_users_home(tree: Path) -> None:
    mac.add_user(tree, "bob")
    mac.write_plist(tree, "/Users/bob/Library/Preferences/com.kaspersky.kav.gui.plist", {}, mac.BINARY)
    paths = {row["path"]: row for row in macos.collect(tree, SCOPE)["file"]}
    assert paths[mac.KAV_UNINSTALL]["type"] == "regular"
    assert paths["/Library/Application Support/Kaspersky Lab/KAV/Binaries"]["type"] == "directory"
    assert paths["/Library/Caches/com.kaspersky.kav"]["type"] == "directory"
    assert mac.USER_PREFS in paths
    assert "/Users/bob/Library/Preferences/com.kaspersky.kav.gui.plist" in paths
    # /Users/Shared is not a home, and a missing file is not a row.
    assert not any(p.startswith(("/Users/Shared", "~")) for p in paths)
    assert "/usr/bin/kav" not in paths


def test_a_damaged_plist_costs_its_row_not_the_scan(tree: Path, macos_log: list[str]) -> None:
    mac.write_file(tree, "/Applications/Broken.app/Contents/Info.plist", b"<?xml version='1.0'?><plist>")
    good = (tree / mac.KAV_AGENT.lstrip("/")).read_bytes()
    mac.write_file(tree, "/Library/LaunchDaemons/com.example.truncated.plist", good[: len(good) // 2])
    mac.write_file(tree, "/var/db/receipts/com.example.empty.plist", b"")
    mac.write_plist(tree, "/Library/Extensions/odd.kext/Contents/Info.plist", ["not", "a", "dictionary"])
    inventory = macos.collect(tree, Scope())
    assert "/Applications/Broken.app" not in _by(inventory["apps"], "path")
    assert mac.KAV_APP in _by(inventory["apps"], "path")
    assert [j["name"] for j in inventory["launchd"]].count("com.example.truncated.plist") == 0
    assert [r["package_id"] for r in inventory["package_receipts"]] == ["com.kaspersky.kav.core"]
    assert [k["path"] for k in inventory["kernel_extensions"]] == [mac.KLIF_KEXT]
    assert sum(m.startswith("skipped ") for m in macos_log) == 4
    assert any(m.endswith("; 4 property lists skipped") for m in macos_log)


def test_a_damaged_system_extension_database_is_skipped(tree: Path) -> None:
    mac.write_file(tree, "/Library/SystemExtensions/db.plist", b"bplist00\xff\xff")
    assert macos.collect(tree, Scope())["system_extensions"] == []


_opened: list[str] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _opened is not None and event in ("open", "os.listdir", "os.scandir") and args:
        target = args[0]
        if isinstance(target, (str, bytes, os.PathLike)):
            _opened.append(os.fsdecode(target))


sys.addaudithook(_audit)


def test_nothing_outside_the_root_is_read(tmp_path: Path) -> None:
    global _opened
    root = mac.build(tmp_path / "mac")
    outside = tmp_path / "host"
    mac.add_app(outside, "/Evil.app", "com.kaspersky.outside")
    mac.write_plist(outside, "/job.plist", {"Label": "com.kaspersky.outside"})
    mac.add_user(outside, "carol")
    (root / "Applications" / "Evil.app").symlink_to(outside / "Evil.app")
    (root / "Library" / "LaunchDaemons" / "outside.plist").symlink_to(outside / "job.plist")
    (root / "Users" / "carol").symlink_to(outside / "Users" / "carol")
    # An absolute link, as a Mac volume has: followed on the host, it would leave the root.
    (root / "Library" / "Extensions" / "abs.kext").symlink_to("/Library/Extensions/klif.kext")
    macos.collect(root, SCOPE)  # first imports happen outside the recording
    _opened = []
    try:
        inventory = macos.collect(root, SCOPE)
    finally:
        recorded, _opened = _opened, None
    real_root = os.path.realpath(root)
    assert recorded, "the audit hook saw nothing: the test would prove nothing"
    assert [p for p in recorded if not os.path.realpath(p).startswith(real_root + os.sep)] == []
    assert "com.kaspersky.outside" not in json.dumps(inventory)
    assert not any("/Users/carol" in row["path"] for row in inventory["file"])


def test_a_mounted_root_has_no_processes(tree: Path) -> None:
    assert "processes" not in macos.collect(tree, Scope())


def test_a_mac_tree_is_recognised(tree: Path, tmp_path: Path) -> None:
    assert macos.is_macos_root(tree)
    assert not macos.is_macos_root(tmp_path / "empty")
    info = plistlib.loads((tree / macos.SYSTEM_VERSION).read_bytes())
    assert (info["ProductName"], info["ProductVersion"]) == ("macOS", "14.5")


# --- Classification against the shipped catalogue -------------------------------------------------------


def _evidence_paths(result: Any) -> set[str]:
    f = result.findings
    items = [e for p in f.installed for e in p.evidence]
    items += [e for x in f.leftovers + f.shared for e in x.evidence]
    return {str(e.row.get("path", "")) for e in items}


def test_scan_finds_kaspersky_for_mac_with_its_evidence(tree: Path) -> None:
    result = run_scan(root=tree, platform="darwin")
    installed = {p.product_id: p for p in result.findings.installed}
    assert list(installed) == ["kaspersky-consumer-mac"]
    product = installed["kaspersky-consumer-mac"]
    assert (product.edition, product.version, product.install_location) == (
        "Kaspersky Anti-Virus",
        mac.KAV_VERSION,
        mac.KAV_APP,
    )
    assert {e.table for e in product.evidence} >= {"apps", "launchd", "kernel_extensions", "file"}
    paths = {e.row["path"] for e in product.evidence}
    assert {mac.KAV_APP, mac.KAV_DAEMON, mac.KAV_AGENT, mac.KLIF_KEXT} <= paths
    # The shared receipt and the system extension go with the installed product, not as leftovers.
    assert result.findings.leftovers == []
    assert {x.kind for x in result.findings.shared} >= {"receipt", "extension"}


def test_lookalikes_and_ordinary_apps_are_not_findings(tree: Path) -> None:
    result = run_scan(root=tree, platform="darwin")
    found = _evidence_paths(result)
    ordinary = (mac.ULTRAAV_APP, mac.KLEOPATRA_APP, mac.SAFARI_APP, mac.KEKA_APP, mac.USER_APP, mac.USER_AGENT)
    assert [p for p in ordinary if p in found] == []


def test_lookalikes_alone_are_clean(tmp_path: Path) -> None:
    root = tmp_path / "mac"
    mac.add_system_version(root)
    mac.add_lookalikes(root)
    mac.add_neutral(root)
    assert run_scan(root=root, platform="darwin").findings.clean


def test_app_removed_leaves_leftovers_and_no_installed_product(tmp_path: Path) -> None:
    result = run_scan(root=mac.build_leftovers(tmp_path / "mac"), platform="darwin")
    assert result.findings.installed == []
    leftovers = {(x.product_id, x.kind, x.name) for x in result.findings.leftovers}
    assert ("kaspersky-consumer-mac", "launchd", "com.kaspersky.kav.plist") in leftovers
    assert ("kaspersky-consumer-mac", "kext", mac.KLIF_ID) in leftovers


def test_a_mac_tree_given_as_root_is_read_as_a_mac(tree: Path) -> None:
    result = run_scan(root=tree)  # no platform: the tree says what it is, whatever this host is
    assert result.inventory["platform"] == "darwin"
    assert result.source.kind == "root"


def test_cli_scan_of_a_mac_tree_exits_1(tree: Path) -> None:
    proc = run_cli("scan", "--root", str(tree), "--json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["platform"] == "darwin"
    assert [p["product_id"] for p in report["installed"]] == ["kaspersky-consumer-mac"]
