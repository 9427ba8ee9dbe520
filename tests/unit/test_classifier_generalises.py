"""The classifier finds the product as real machines show it, not only as its signatures spell it.

Each case is a row no signature names word for word: a file deep in a vendor folder, a folder as
osquery lists it (with a trailing separator), a value under a vendor registry key in another user's
hive, a service or process whose image lies in a vendor folder, an uninstall entry with no Publisher
or a Russian one, a driver known only by its file. Each is found with a certainty and the rule that
produced it; look-alikes sharing a prefix stay unreported.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from offramp.core.data.catalogue import load_catalogue
from offramp.core.scan.classifier import classify
from tests.conftest import run_cli

CATALOGUE = load_catalogue(catalogue_id="kaspersky")
NOW = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
SID = "S-1-5-21-1004336348-1177238915-682003330-1001"
PF86 = "C:\\Program Files (x86)\\Kaspersky Lab"


def one(platform: str, table: str, row: dict[str, Any]):
    return classify(CATALOGUE, {"platform": platform, table: [row]}, NOW)


def only_finding(findings):
    found = [*findings.installed, *findings.leftovers, *findings.shared]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("table", "row"),
    [
        ("file", {"path": PF86 + "\\Kaspersky 21.3\\x64\\avp.exe", "type": "regular"}),
        ("file", {"path": "C:\\ProgramData\\Kaspersky Lab\\AVP21.3\\Bases\\kdb\\i386\\base001.kdc"}),
        (
            "registry",
            {
                "key": "HKEY_LOCAL_MACHINE\\SOFTWARE\\KasperskyLab\\AVP21.3\\settings",
                "path": "HKEY_LOCAL_MACHINE\\SOFTWARE\\KasperskyLab\\AVP21.3\\settings\\EnableSelfProtection",
                "name": "EnableSelfProtection",
            },
        ),
        (
            "registry",
            {
                "path": f"HKEY_USERS\\{SID}\\Software\\KasperskyLab\\KPM\\Settings",
                "name": "Settings",
            },
        ),
        (
            "services",
            {"name": "kxdemo", "service_type": "OWN_PROCESS", "path": f'"{PF86}\\Kaspersky 21.3\\avp.exe" -r'},
        ),
        (
            "services",
            {
                "name": "kxdemo",
                "service_type": "KERNEL_DRIVER",
                "path": "\\??\\C:\\ProgramData\\Kaspersky Lab\\AVP21.3\\Bases\\klhk.sys",
            },
        ),
        ("processes", {"name": "newname.exe", "path": "C:\\Program Files\\Kaspersky Lab\\Kaspersky 21.3\\newname.exe"}),
    ],
)
def test_evidence_under_a_vendor_root_counts(table: str, row: dict[str, Any]) -> None:
    found = only_finding(one("windows", table, row))
    assert found.product_id == "kaspersky-common"
    assert found.certainty == "certain"
    assert "lies under" in found.rule


def test_a_root_never_claims_a_sibling_sharing_its_prefix() -> None:
    findings = one("windows", "file", {"path": "C:\\Program Files\\Kaspersky Lab Tools\\x.exe"})
    assert findings.clean
    assert one("linux", "file", {"path": "/opt/kasperskyos-sdk/bin/tool"}).clean


def test_a_folder_row_with_a_trailing_separator_is_the_folder() -> None:
    for path in (PF86 + "\\Kaspersky 21.26\\", "C:\\Program Files (x86)\\Kaspersky Lab\\Kaspersky VPN 5.2\\"):
        found = only_finding(one("windows", "file", {"path": path, "type": "directory"}))
        assert "root" not in found.rule, found  # the product's own signature, not the fallback
    found = only_finding(one("linux", "file", {"path": "/opt/kaspersky/klnagent64/", "type": "directory"}))
    assert found.product_id == "kaspersky-network-agent"


def test_an_uninstall_entry_without_publisher_is_probable() -> None:
    for publisher in (None, "", "  "):
        row = {"name": "Kaspersky Total Security", "version": "21.3.10.391"}
        if publisher is not None:
            row["publisher"] = publisher
        [installed] = one("windows", "programs", row).installed
        assert (installed.product_id, installed.certainty) == ("kaspersky-consumer-windows", "probable")
        assert "matched without publisher" in installed.rule
    # Another vendor's publisher is not "missing": the name alone never makes it Kaspersky's.
    assert one("windows", "programs", {"name": "Kaspersky Total Security", "publisher": "Acme"}).clean


@pytest.mark.parametrize(
    "publisher", ["АО Лаборатория Касперского", 'АО "Лаборатория Касперского"', "АО «Лаборатория  Касперского»"]
)
def test_a_russian_publisher_is_the_vendor(publisher: str) -> None:
    row = {"name": "Kaspersky Endpoint Security 11 для Windows", "publisher": publisher}
    [installed] = one("windows", "programs", row).installed
    assert (installed.product_id, installed.certainty) == ("kaspersky-endpoint-security-windows", "certain")


def test_a_driver_known_by_its_file_is_found() -> None:
    in_drivers = one(
        "windows",
        "file",
        {
            "path": "C:\\Windows\\System32\\drivers\\klif.sys",
            "directory": "C:\\Windows\\System32\\drivers",
            "filename": "klif.sys",
        },
    )
    assert only_finding(in_drivers).certainty == "certain"
    name_only = only_finding(one("windows", "file", {"filename": "Klbackupflt.sys"}))
    assert (name_only.product_id, name_only.certainty) == ("kaspersky-common", "probable")
    # The same name in an unrelated folder is not the driver; a look-alike's driver file stays its own.
    assert one("windows", "file", {"directory": "D:\\samples", "filename": "klif.sys"}).clean
    assert one("windows", "file", {"filename": "kavnsi.sys"}).leftovers == []


def test_legacy_and_tool_process_names() -> None:
    for name in ("avpcc.exe", "avpm.exe", "kavremover.exe", "KAVSHELL.EXE"):
        assert only_finding(one("windows", "processes", {"name": name})).certainty == "certain"


def test_a_guest_install_is_reported_not_removed_here() -> None:
    row = {
        "name": "Parallels Internet Security Powered by Kaspersky.app",
        "path": "/Users/a/Applications/{562821f7-d815-425f-991d-234ba29349a6} Applications.localized/"
        "Parallels Internet Security Powered by Kaspersky.app",
    }
    findings = one("darwin", "apps", row)
    assert findings.clean and not findings.installed and not findings.leftovers
    [guest] = findings.guest_installs
    assert guest.kind == "in-guest" and guest.id == "parallels-internet-security-kaspersky"


def _scan(tmp_path: Path, platform: str, table: str, row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps({"platform": platform, table: [row]}), encoding="utf-8")
    text = run_cli("scan", "--inventory", str(path))
    assert text.returncode == 1, text.stdout + text.stderr
    data = run_cli("scan", "--inventory", str(path), "--json")
    return text.stdout, json.loads(data.stdout)


@pytest.mark.parametrize(
    ("platform", "table", "row", "section", "certainty"),
    [
        ("windows", "programs", {"name": "Kaspersky Internet Security", "version": "21.3"}, "installed", "probable"),
        (
            "windows",
            "programs",
            {"name": "Kaspersky Endpoint Security 12 для Windows", "publisher": "АО Лаборатория Касперского"},
            "installed",
            "certain",
        ),
        (
            "windows",
            "file",
            {"path": PF86 + "\\Kaspersky 21.3\\x64\\klsihk.sys", "type": "regular"},
            "leftovers",
            "certain",
        ),
        ("linux", "file", {"path": "/var/opt/kaspersky/", "type": "directory"}, "leftovers", "certain"),
    ],
    ids=["no-publisher", "russian-publisher", "deep-file", "trailing-separator"],
)
def test_offramp_scan_inventory_shows_each_with_its_certainty(
    tmp_path: Path, platform: str, table: str, row: dict[str, Any], section: str, certainty: str
) -> None:
    text, data = _scan(tmp_path, platform, table, row)
    [found] = data[section]
    assert found["certainty"] == certainty and found["rule"]
    assert certainty in text
    assert ("probable (removed only once a person confirms it)" in text) == (certainty == "probable")
