"""The exported osquery pack: valid SQL, osquery's constraints kept, and the same findings after a round trip.

osquery is not installed here, so its SQL engine is stood in for by SQLite (which osquery embeds) with
tables shaped like osquery's and a `regex_match` that behaves like osquery's: std::regex_search over the
value's UTF-8 bytes, NULL when nothing matches, an error for a pattern over 256 bytes. Python's `re` on
bytes agrees with ECMAScript for the constructs the exporter emits; `check_ecmascript` refuses anything
else, and when a C++ compiler is present the emulation is compared with the real std::regex.

What SQLite cannot show is which rows osquery's virtual tables generate. For `file` and `registry` the
tests check instead that every OR branch starts with an indexable path, directory or key constraint
(the same constraints SQLite hands a virtual table), using real indexes and EXPLAIN QUERY PLAN.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from offramp.core.data.catalogue import Catalogue, NotBanned, Product, combine, load_catalogue, load_catalogues
from offramp.core.data.osquery_tables import TABLES
from offramp.core.export.osquery_pack import build_pack
from offramp.core.export.osquery_regex import ExportError, ecmascript_patterns
from offramp.core.export.osquery_sql import signature_terms
from offramp.core.scan import inventory as inv
from offramp.core.scan.classifier import classify
from offramp.core.scan.matching import match_row, publisher_set
from tests.conftest import run_cli

NOW = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
SID = "S-1-5-21-1004336348-1177238915-682003330-1001"

# ----------------------------------------------------------------------------------------------------------
# A small catalogue with every matcher kind, for precise SQL assertions
# ----------------------------------------------------------------------------------------------------------

FIXTURE = r"""
kind: banned-catalogue
schema_version: 1
id: acme
vendor:
  name: Acme
  legal_names: [Acme Labs Ltd]
  publisher_names: [Acme Labs, Acme Labs Ltd, Äcme Labor]
  sources: [https://example.org/vendor]
timeline:
  - {id: sales-stop, date: "2024-07-20", title: Sales stop, meaning: No new sales., marks: sales_cutoff,
     sources: [https://example.org/t1]}
  - {id: updates-stop, date: "2024-09-29", title: Updates stop, meaning: No more updates.,
     marks: updates_cutoff, sources: [https://example.org/t2]}
legal_status: {may_keep_using: true, summary: You may keep it., quote: Not covered.,
               sources: [https://example.org/l]}
products:
  - id: acme-shield
    name: Acme Shield
    family: consumer
    platforms: [windows, linux]
    detect:
      windows:
        - {table: programs, proves: installed,
           where: {name: {pattern: '^Acme Shield( [0-9]+(\.[0-9]+)*)?$'}, publisher: {vendor: true}}}
        - {table: services, where: {name: {one_of: [acmesvc, AcmeFlt]}}}
        - {table: services, where: {path: {under: 'C:\Program Files\Acme Labs'}}}
        - {table: file, where: {path: {under: 'C:\Program Files\Acme Labs\Shield'}}}
        - {table: file, where: {path: {pattern: '^C:[\\]Program Files( \(x86\))?[\\]Acme Labs[\\]?$'}}}
        - {table: file, where: {path: {
            pattern: '^C:[\\]Users[\\][^\\]+[\\]AppData[\\]Local[\\]Acme[\\]Shield [0-9]+$'}}}
        - {table: registry, where: {path: {under: 'HKEY_LOCAL_MACHINE\SOFTWARE\AcmeLabs'}}}
        - {table: registry,
           where: {path: {pattern: '^HKEY_USERS[\\]S-1-5(-[0-9]+)+[\\]Software[\\]AcmeLabs$'}}}
        - {table: processes, where: {name: shield.exe, path: {under: 'C:\Program Files\Acme Labs'}}}
        - {table: windows_security_products, where: {name: {pattern: '^Acme( [A-Za-z]+)*$'}}}
      linux:
        - {table: deb_packages, where: {name: acme-shield}, proves: installed}
        - {table: file, where: {path: {under: /opt/acme}}}
        - {table: file, where: {directory: /etc/acme}}
        - {table: processes, where: {name: {pattern: '^acme-shieldd?$'}}}
        - {table: systemd_units, where: {id: {one_of: [acme-shield.service, acme-updater.service]}}}
    definitions:
      - {platform: windows, table: registry, format: unix_seconds, sources: [https://example.org/d],
         where: {key: {pattern: '^HKEY_LOCAL_MACHINE[\\]SOFTWARE[\\]AcmeLabs[\\]Shield[\\][^\\]+[\\]Data$'},
                 name: LastUpdate}}
    removal:
      windows: {order: 10, reboot: maybe,
                methods: [{kind: manual, silent: false, sources: [https://example.org/r]}]}
      linux: {order: 10, reboot: none, methods: [{kind: package, silent: true, packages: [acme-shield],
              sources: [https://example.org/r]}]}
    sources: [https://example.org/p]
data_at_risk: []
not_banned:
  - id: acmeville
    name: Acmeville Shield
    maker: Someone Else
    reason: A similar name from another maker.
    detect:
      windows:
        - {table: programs, where: {name: {pattern: '^Acmeville( Shield)?$'}}, proves: installed}
        - {table: services, where: {name: acmevsvc}}
        - {table: file, where: {path: 'C:\Windows\System32\acmelist.exe'}}
      linux:
        - {table: deb_packages, where: {name: acmed}}
    sources: [https://example.org/n]
  - id: aecme-tools
    name: Äcme Tools
    maker: Äcme GmbH
    reason: A different company with a similar name.
    detect:
      windows:
        - {table: programs, where: {publisher: Äcme GmbH}}
        - {table: programs, where: {name: {pattern: '^Äcme Tools [0-9]+$'}}}
    sources: [https://example.org/n2]
"""


@pytest.fixture(scope="module")
def fixture_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    path = tmp_path_factory.mktemp("catalogue") / "acme.yaml"
    path.write_text(FIXTURE, encoding="utf-8")
    return load_catalogue(path)


@pytest.fixture(scope="module")
def real_catalogue() -> Catalogue:
    return load_catalogue(catalogue_id="kaspersky")


@pytest.fixture(params=["fixture", "real"])
def any_catalogue(request: pytest.FixtureRequest, fixture_catalogue: Catalogue, real_catalogue: Catalogue) -> Catalogue:
    return fixture_catalogue if request.param == "fixture" else real_catalogue


# ----------------------------------------------------------------------------------------------------------
# osquery stand-in: SQLite tables with osquery's columns and osquery's regex_match
# ----------------------------------------------------------------------------------------------------------

_ECMA_ESCAPES = set("dDwWsS^$\\.*+?()[]{}|/-")
ANCHORS = {"file": ("path", "directory"), "registry": ("path", "key")}  # what osquery needs to read them


def check_ecmascript(pattern: str) -> None:
    """Refuses what ECMAScript (std::regex) would read differently from Python's re, or not at all."""
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            nxt = pattern[i + 1]
            if nxt == "x":
                assert re.fullmatch(r"[0-9a-fA-F]{2}", pattern[i + 2 : i + 4]), pattern
                i += 4
                continue
            assert nxt in _ECMA_ESCAPES, f"escape \\{nxt} in {pattern!r}"
            i += 2
            continue
        if in_class:
            assert ch != "[", f"unescaped '[' in a class (a POSIX class to std::regex): {pattern!r}"
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":
                raise AssertionError(f"'[]' is an empty class in ECMAScript: {pattern!r}")
        elif ch == "(":
            assert pattern[i + 1 : i + 2] != "?" or pattern[i + 1 : i + 3] == "?:", f"group syntax in {pattern!r}"
        elif ch == "{":
            assert re.match(r"\{[0-9]+(,[0-9]*)?\}", pattern[i:]), f"brace in {pattern!r}"
        elif ch in "*+?}" and pattern[i + 1 : i + 2] in ("+",):
            raise AssertionError(f"possessive quantifier in {pattern!r}")
        i += 1
    assert not in_class, pattern


def regex_match(value: Any, pattern: Any, index: Any) -> str | None:
    """osquery's regex_match(value, pattern, index): std::regex_search, the match or group, else NULL."""
    if value is None or pattern is None or index is None:
        return None
    raw = str(pattern).encode("utf-8")
    if len(raw) > 256:
        raise ValueError("Invalid regex: too big, max size is 256 bytes")
    check_ecmascript(str(pattern))
    found = re.search(raw, str(value).encode("utf-8"))
    if found is None or int(index) > len(found.groups()):
        return None
    return (found.group(int(index)) or b"").decode("utf-8", "replace")


def osquery_db(indexed: bool = False) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    db.create_function("regex_match", 3, regex_match, deterministic=True)
    for table, columns in TABLES.items():
        anchors = ANCHORS.get(table, ()) if indexed else ()
        cols = ", ".join(f'"{c}" TEXT' + (" COLLATE NOCASE" if c in anchors else "") for c in columns)
        db.execute(f'CREATE TABLE "{table}" ({cols})')
        for column in anchors:
            db.execute(f'CREATE INDEX "{table}_{column}" ON "{table}" ("{column}")')
    return db


def shaped(inventory: dict[str, Any]) -> dict[str, Any]:
    """The inventory as osquery would print it: every listed column, every value text."""
    out: dict[str, Any] = {"platform": inventory["platform"]}
    for table, rows in inventory.items():
        if table != "platform":
            out[table] = [{c: "" if row.get(c) is None else str(row[c]) for c in TABLES[table]} for row in rows]
    return out


def load(db: sqlite3.Connection, inventory: dict[str, Any]) -> None:
    for table, rows in inventory.items():
        if table == "platform":
            continue
        columns = TABLES[table]
        marks = ", ".join("?" for _ in columns)
        db.executemany(f'INSERT INTO "{table}" VALUES ({marks})', [[r.get(c) for c in columns] for r in rows])


def run_pack(pack: dict[str, Any], db: sqlite3.Connection, platform: str) -> dict[str, list[dict[str, Any]]]:
    selected = {}
    for name, query in pack["queries"].items():
        if platform in query["platform"].split(","):
            selected[name] = [dict(row) for row in db.execute(query["query"])]
    return selected


def results_log(selected: dict[str, list[dict[str, Any]]], path: Path, host: str = "host-17") -> Path:
    """osqueryd's snapshot log for one host: one JSON line per query run, empty snapshots included."""
    lines = [
        json.dumps(
            {
                "snapshot": rows,
                "action": "snapshot",
                "name": f"pack/{inv.PACK_NAME}/{name}",
                "hostIdentifier": host,
                "calendarTime": "Sun Nov 29 00:00:00 2026 UTC",
                "unixTime": 1795910400,
                "epoch": 0,
                "counter": 0,
                "numerics": False,
                "decorations": {"host_uuid": "4C4C4544-0042-3510-8052-B4C04F4D3732"},
            }
        )
        for name, rows in selected.items()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def round_trip(catalogue: Catalogue, inventory: dict[str, Any], tmp_path: Path) -> tuple[dict, Path]:
    db = osquery_db()
    load(db, inventory)
    selected = run_pack(build_pack(catalogue), db, inventory["platform"])
    log = results_log(selected, tmp_path / f"{inventory['platform']}-results.log")
    return inv.load(log), log


def comparable(findings: Any) -> dict[str, Any]:
    data = findings.to_dict()
    # Other security products come from every Security Center row; the pack keeps to the catalogue.
    data.pop("other_security_products")
    return data


# ----------------------------------------------------------------------------------------------------------
# Hand-built inventories: banned products, look-alikes and plenty of unrelated rows
# ----------------------------------------------------------------------------------------------------------


def program(name: str, publisher: str, **extra: str) -> dict[str, str]:
    return {"name": name, "publisher": publisher, **extra}


def service(name: str, kind: str = "OWN_PROCESS", status: str = "RUNNING", **extra: str) -> dict[str, str]:
    display = extra.pop("display", name)
    return {"name": name, "service_type": kind, "status": status, "display_name": display, **extra}


def subkey(path: str) -> dict[str, str]:
    parent, _, leaf = path.rpartition("\\")
    return {"key": parent, "path": path, "name": leaf, "type": "subkey", "data": ""}


def value(key: str, name: str, kind: str, data: str) -> dict[str, str]:
    return {"key": key, "path": f"{key}\\{name}", "name": name, "type": kind, "data": data}


def entry(path: str, kind: str = "regular") -> dict[str, str]:
    sep = "\\" if "\\" in path else "/"
    parent, _, name = path.rstrip(sep).rpartition(sep)
    return {"path": path, "directory": parent or sep, "filename": name, "type": kind, "size": "0", "mtime": "0"}


def process(name: str, path: str = "", pid: str = "4242") -> dict[str, str]:
    return {"name": name, "path": path, "pid": pid, "cmdline": path, "parent": "1", "uid": "0"}


UNRELATED_PROGRAMS = [
    program("7-Zip 23.01 (x64)", "Igor Pavlov", version="23.01"),
    program("Google Chrome", "Google LLC", version="131.0.6778.86"),
    program("Mozilla Firefox (x64 en-US)", "Mozilla", version="133.0"),
    program("Notepad++ (64-bit x64)", "Notepad++ Team"),
    program("Microsoft Edge", "Microsoft Corporation"),
    program("Kaspersky Fan Club Toolkit", "Some Person"),  # a vendor name, not a vendor publisher
    program("VLC media player", "VideoLAN", version="3.0.21"),
]
UNRELATED_SERVICES = [
    service("Spooler"),
    service("wuauserv", status="STOPPED"),
    service("KlientSvc"),
    service("klnagent_x", status="STOPPED"),
    service("Dnscache"),
]


def windows_installed() -> dict[str, Any]:
    kl = "HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\KasperskyLab"
    kts = "C:\\Program Files (x86)\\Kaspersky Lab\\Kaspersky Total Security 21.3"
    return {
        "platform": "windows",
        "programs": [
            program(
                "Kaspersky Total Security",
                "AO Kaspersky Lab",
                version="21.3.10.391",
                install_location=kts + "\\",
                identifying_number="{5E7A7F6B-0C54-4E2B-B1DA-9A0A3E5B5A44}",
            ),
            program("Kaspersky Security Center Network Agent", " Kaspersky Lab ", version="14.0.0.10902"),
            program("Kaspersky Password Manager", "Kaspersky", version="24.0.0.427"),
            program("UltraAV", "Pango Group", version="1.3.0"),
            *UNRELATED_PROGRAMS,
        ],
        "services": [
            service("AVP21.3", display="Kaspersky Anti-Virus Service 21.3", path=kts + "\\avp.exe"),
            service("klif", "KERNEL_DRIVER"),
            service("klflt", "FILE_SYSTEM_DRIVER"),
            service("klnagent"),
            service("kavnsi", "KERNEL_DRIVER"),
            service("ksfsflt", "FILE_SYSTEM_DRIVER"),
            service("KeeperGuard"),
            service("WinDefend"),
            *UNRELATED_SERVICES,
        ],
        "registry": [
            subkey(kl),
            subkey(kl + "\\AVP21.3"),
            subkey(kl + "\\protected"),
            subkey(kl + "\\protected\\AVP21.3"),
            subkey(kl + "\\protected\\AVP21.3\\Data"),
            value(kl + "\\protected\\AVP21.3\\Data", "LastSuccessfulUpdate", "REG_DWORD", "1727553600"),
            subkey(f"HKEY_USERS\\{SID}\\Software\\KasperskyLab"),
            subkey("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion"),
            value("HKEY_LOCAL_MACHINE\\SOFTWARE\\7-Zip", "Path", "REG_SZ", "C:\\Program Files\\7-Zip\\"),
            subkey("HKEY_LOCAL_MACHINE\\SOFTWARE\\KasperskyLabFans"),
        ],
        "file": [
            entry("C:\\Program Files (x86)\\Kaspersky Lab", "directory"),
            entry(kts + "\\", "directory"),
            entry("C:\\ProgramData\\Kaspersky Lab", "directory"),
            entry("C:\\ProgramData\\Kaspersky Lab\\AVP21.3\\", "directory"),
            entry("C:\\Windows\\System32\\klist.exe"),
            entry("C:\\Program Files\\7-Zip\\7z.exe"),
            entry("C:\\Windows\\System32\\notepad.exe"),
            entry("C:\\Program Files (x86)\\Kaspersky Lab Fans", "directory"),
        ],
        "processes": [
            process("avp.exe", kts + "\\avp.exe"),
            process("avpui.exe", kts + "\\avpui.exe"),
            process("klist.exe", "C:\\Windows\\System32\\klist.exe"),
            process("explorer.exe", "C:\\Windows\\explorer.exe"),
            process("7zFM.exe", "C:\\Program Files\\7-Zip\\7zFM.exe"),
        ],
        "windows_security_products": [
            {"type": "Antivirus", "name": "Kaspersky Total Security", "state": "On", "signatures_up_to_date": "0"},
            {"type": "Antivirus", "name": "Windows Defender", "state": "Snoozed", "signatures_up_to_date": "1"},
            {"type": "Antivirus", "name": "Norton 360", "state": "Off", "signatures_up_to_date": "1"},
        ],
    }


def windows_leftovers() -> dict[str, Any]:
    return {
        "platform": "windows",
        "programs": list(UNRELATED_PROGRAMS),
        "services": [service("klif", "KERNEL_DRIVER", status="STOPPED"), *UNRELATED_SERVICES],
        "registry": [
            subkey("HKEY_LOCAL_MACHINE\\SOFTWARE\\KasperskyLab"),
            subkey("HKEY_LOCAL_MACHINE\\SOFTWARE\\KasperskyLab\\AVP21.3"),
        ],
        "file": [entry("C:\\ProgramData\\Kaspersky Lab", "directory"), entry("C:\\Program Files\\7-Zip\\7z.exe")],
        "processes": [process("explorer.exe", "C:\\Windows\\explorer.exe")],
        "windows_security_products": [{"type": "Antivirus", "name": "Windows Defender", "state": "On"}],
    }


def darwin_installed() -> dict[str, Any]:
    support = "/Library/Application Support/Kaspersky Lab"
    return {
        "platform": "darwin",
        "apps": [
            {
                "name": "Kaspersky Anti-Virus For Mac.app",
                "bundle_identifier": "com.kaspersky.kav",
                "path": "/Applications/Kaspersky Anti-Virus For Mac.app",
                "bundle_short_version": "21.0.2",
            },
            {"name": "Safari.app", "path": "/Applications/Safari.app", "bundle_identifier": "com.apple.Safari"},
            {
                "name": "Kaleidoscope.app",
                "path": "/Applications/Kaleidoscope.app",
                "bundle_identifier": "app.kaleidoscope.v4",
            },
        ],
        "launchd": [
            {
                "label": "com.kaspersky.kav",
                "path": "/Library/LaunchDaemons/com.kaspersky.kav.plist",
                "name": "com.kaspersky.kav.plist",
                "disabled": "0",
            },
            {"label": "com.apple.mDNSResponder", "path": "/System/Library/LaunchDaemons/x.plist"},
        ],
        "package_receipts": [
            {"package_id": "com.kaspersky.kav.oas", "version": "21.0.2"},
            {"package_id": "com.apple.pkg.MRTConfigData", "version": "1.93"},
        ],
        "kernel_extensions": [
            {"name": "com.kaspersky.kext.klif", "idx": "150"},
            {"name": "com.kaspersky.kext.kimul.44", "idx": "151"},
            {"name": "com.apple.iokit.IOUSBFamily", "idx": "20"},
        ],
        "system_extensions": [
            {"identifier": "com.kaspersky.kav.sysext", "team": "2Y8XE5CQ94", "state": "activated"},
            {"identifier": "com.example.vpn.extension", "team": "ABCDE12345"},
        ],
        "processes": [
            process("kav_app", "/Applications/Kaspersky Anti-Virus For Mac.app/Contents/MacOS/x"),
            process("Finder", "/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder"),
        ],
        "file": [
            entry(support, "directory"),
            entry(support + "/KAV", "directory"),
            entry(support + "/KAV/Bases/", "directory"),
            entry("/usr/bin/kav"),
            entry("/var/log/kav_daemon_1.log"),
            entry("/Users/alice/Library/Preferences/com.kaspersky.kav.plist"),
            entry("/usr/bin/zsh"),
            entry("/Library/Application Support/Kasperskyish", "directory"),
        ],
    }


def linux_installed() -> dict[str, Any]:
    return {
        "platform": "linux",
        "deb_packages": [
            {
                "name": "kesl",
                "version": "12.1.0-1226",
                "maintainer": "AO Kaspersky Lab",
                "status": "install ok installed",
            },
            {"name": "klnagent64", "version": "15.1.0-20748", "maintainer": "AO Kaspersky Lab"},
            {"name": "kleopatra", "version": "4:22.12.3-1"},
            {"name": "klibc-utils", "version": "2.0.12-1"},
            {"name": "krb5-user", "version": "1.20.1-2"},
            {"name": "bash", "version": "5.2.15-2"},
            {"name": "p7zip-full", "version": "16.02"},
            {"name": "kesl-compat-docs", "version": "1.0"},
        ],
        "systemd_units": [
            {"id": "kesl.service", "active_state": "active", "sub_state": "running"},
            {"id": "klnagent64.service", "active_state": "active"},
            {"id": "ssh.service", "active_state": "active"},
            {"id": "mdatp.service", "active_state": "inactive"},
        ],
        "file": [
            entry("/opt/kaspersky", "directory"),
            entry("/opt/kaspersky/kesl", "directory"),
            entry("/opt/kaspersky/kesl/bin/", "directory"),
            entry("/opt/kaspersky/kesl/bin/kesl-control"),
            entry("/etc/kaspersky", "directory"),
            entry("/etc/kaspersky/kesl.conf"),
            entry("/usr/bin/klist"),
            entry("/usr/bin/7z"),
            entry("/etc/passwd"),
            entry("/opt/kaspersky-fans", "directory"),
        ],
        "processes": [process("kesl", "/opt/kaspersky/kesl/libexec/kesl"), process("sshd", "/usr/sbin/sshd")],
    }


def fixture_windows() -> dict[str, Any]:
    return {
        "platform": "windows",
        "programs": [
            program("Acme Shield 3.2", "Acme Labs Ltd\u00a0"),
            program("Acmeville Shield", "Acmeville Inc"),
            program("Äcme Tools 7", "Äcme GmbH"),
            program("Acme Shield Helper", "Acme Labs"),
            *UNRELATED_PROGRAMS,
        ],
        "services": [
            service("acmesvc"),
            service("ACMEFLT", "FILE_SYSTEM_DRIVER"),
            service("acmevsvc"),
            service("acmehelper", path="C:\\Program Files/Acme Labs/helper.exe"),
            service("acmeother", path="C:\\Program Files\\Acme Labs Extra\\x.exe"),
            *UNRELATED_SERVICES,
        ],
        "file": [
            entry("C:\\Program Files\\Acme Labs", "directory"),
            entry("C:\\Program Files\\Acme Labs\\Shield", "directory"),
            entry("C:\\Program Files\\Acme Labs\\Shield\\shield.exe"),
            entry("C:\\Users\\bob\\AppData\\Local\\Acme\\Shield 3"),
            entry("C:\\Windows\\System32\\acmelist.exe"),
            entry("C:\\Program Files\\Acme Labs Extra", "directory"),
            entry("C:\\Program Files\\7-Zip\\7z.exe"),
        ],
        "registry": [
            subkey("HKEY_LOCAL_MACHINE\\SOFTWARE\\AcmeLabs"),
            subkey("HKEY_LOCAL_MACHINE\\SOFTWARE\\AcmeLabs\\Shield"),
            subkey("HKEY_LOCAL_MACHINE\\SOFTWARE\\AcmeLabs\\Shield\\3.2"),
            subkey("HKEY_LOCAL_MACHINE\\SOFTWARE\\AcmeLabs\\Shield\\3.2\\Data"),
            value("HKEY_LOCAL_MACHINE\\SOFTWARE\\AcmeLabs\\Shield\\3.2\\Data", "LastUpdate", "REG_DWORD", "1727553600"),
            subkey(f"HKEY_USERS\\{SID}\\Software\\AcmeLabs"),
            subkey("HKEY_LOCAL_MACHINE\\SOFTWARE\\AcmeLabsOld"),
            subkey("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft"),
        ],
        "processes": [
            process("shield.exe", "C:\\Program Files\\Acme Labs\\Shield\\shield.exe"),
            process("shield.exe", "C:\\Games\\shield.exe"),
            process("explorer.exe", "C:\\Windows\\explorer.exe"),
        ],
        "windows_security_products": [
            {"type": "Antivirus", "name": "Acme Shield", "state": "On"},
            {"type": "Antivirus", "name": "Norton 360", "state": "Off"},
        ],
    }


def fixture_linux() -> dict[str, Any]:
    return {
        "platform": "linux",
        "deb_packages": [{"name": "acme-shield", "version": "3.2-1"}, {"name": "acmed"}, {"name": "bash"}],
        "file": [
            entry("/opt/acme", "directory"),
            entry("/opt/acme/bin/", "directory"),
            entry("/etc/acme/acme.conf"),
            entry("/etc/acme", "directory"),
            entry("/opt/acmeville", "directory"),
            entry("/etc/passwd"),
        ],
        "processes": [process("acme-shieldd", "/opt/acme/bin/acme-shieldd"), process("sshd", "/usr/sbin/sshd")],
        "systemd_units": [{"id": "acme-shield.service", "active_state": "active"}, {"id": "ssh.service"}],
    }


REAL_INVENTORIES = {
    "windows-installed": windows_installed,
    "windows-leftovers": windows_leftovers,
    "darwin": darwin_installed,
    "linux": linux_installed,
}
UNRELATED = {
    "programs": ["7-Zip 23.01 (x64)", "Google Chrome", "Kaspersky Fan Club Toolkit", "VLC media player"],
    "services": ["Spooler", "KlientSvc", "klnagent_x"],
    "registry": ["HKEY_LOCAL_MACHINE\\SOFTWARE\\7-Zip\\Path", "HKEY_LOCAL_MACHINE\\SOFTWARE\\KasperskyLabFans"],
    "file": [
        "C:\\Program Files\\7-Zip\\7z.exe",
        "C:\\Program Files (x86)\\Kaspersky Lab Fans",
        "/usr/bin/zsh",
        "/Library/Application Support/Kasperskyish",
        "/usr/bin/7z",
        "/opt/kaspersky-fans",
    ],
    "processes": ["explorer.exe", "7zFM.exe", "Finder"],
    "windows_security_products": ["Norton 360"],
    "apps": ["Safari.app", "Kaleidoscope.app"],
    "deb_packages": ["bash", "p7zip-full", "kesl-compat-docs"],
    "systemd_units": ["ssh.service"],
}


# ----------------------------------------------------------------------------------------------------------
# (a) the pack's shape, and every query runs
# ----------------------------------------------------------------------------------------------------------


def test_one_snapshot_query_per_table_selecting_the_listed_columns(any_catalogue: Catalogue) -> None:
    pack = build_pack(any_catalogue)
    assert set(pack) == {"queries"}
    owners: list[Product | NotBanned] = [*any_catalogue.products, *any_catalogue.not_banned]
    used = {sig["table"] for owner in owners for sigs in owner.detect.values() for sig in sigs}
    assert set(pack["queries"]) == used | {d["table"] for p in any_catalogue.products for d in p.definitions}
    for table, query in pack["queries"].items():
        assert query["snapshot"] is True and query["interval"] == 3600 and query["description"]
        assert query["query"].startswith(f"SELECT {', '.join(TABLES[table])} FROM {table} WHERE (")
        assert query["query"].endswith(");")
        platforms = query["platform"].split(",")
        assert platforms and set(platforms) <= {"windows", "darwin", "linux"}
        # osquery reads "all" or "any" anywhere in the value as every platform
        assert "all" not in query["platform"] and "any" not in query["platform"]


def test_every_query_runs_in_sqlite_on_an_empty_and_a_full_machine(any_catalogue: Catalogue) -> None:
    pack = build_pack(any_catalogue)
    db = osquery_db()
    for query in pack["queries"].values():
        assert db.execute(query["query"]).fetchall() == []
    for make in [*REAL_INVENTORIES.values(), fixture_windows, fixture_linux]:
        load(db, shaped(make()))
    for query in pack["queries"].values():
        db.execute(query["query"]).fetchall()


def test_every_regex_fits_osquery_and_is_ecmascript(any_catalogue: Catalogue) -> None:
    literals = [
        literal
        for query in build_pack(any_catalogue)["queries"].values()
        for literal in re.findall(r"regex_match\(lower\(\w+\), '((?:[^']|'')*)', 0\)", query["query"])
    ]
    assert literals, "no regex_match found in the pack: the pattern above no longer fits the queries"
    for literal in literals:
        pattern = literal.replace("''", "'")
        assert len(pattern.encode("utf-8")) <= 256
        check_ecmascript(pattern)


def test_file_and_registry_branches_each_carry_a_constraint_osquery_can_use(any_catalogue: Catalogue) -> None:
    # SQLite passes a virtual table the constraints it could use as an index. With real indexes on the
    # columns osquery's file and registry tables need, every OR branch must be an index lookup: one
    # branch without one would make SQLite scan, and osquery would read nothing (file) or every hive.
    db = osquery_db(indexed=True)
    for table in ("file", "registry"):
        query = build_pack(any_catalogue)["queries"].get(table)
        if query is None:
            continue
        plan = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + query["query"])]
        assert not any(step.startswith(f"SCAN {table}") for step in plan), plan
        assert plan[0] == "MULTI-INDEX OR" or len(plan) == 1, plan
        lookups = [step for step in plan if step.startswith(("SCAN", "SEARCH"))]
        assert all(step.startswith(f"SEARCH {table} USING INDEX") for step in lookups), plan


# ----------------------------------------------------------------------------------------------------------
# Precise SQL for the small catalogue
# ----------------------------------------------------------------------------------------------------------


def terms(catalogue: Catalogue, table: str) -> list[str]:
    query = build_pack(catalogue)["queries"][table]["query"]
    return query.split(" WHERE ", 1)[1].rstrip(";")[1:-1].split(") OR (")


def test_exact_one_of_and_vendor_matchers(fixture_catalogue: Catalogue) -> None:
    services = terms(fixture_catalogue, "services")
    assert "name COLLATE NOCASE IN ('acmesvc', 'AcmeFlt')" in services
    assert "name = 'acmevsvc' COLLATE NOCASE" in services
    programs = terms(fixture_catalogue, "programs")
    # Beside a name, the vendor matcher is the classifier's to check (case beyond ASCII, quotes, spacing):
    # the name alone selects the row, so a Russian-language or missing Publisher is still collected.
    assert "regex_match(lower(name), '^(?:acme shield(?: [0-9]+(?:\\.[0-9]+)*)?)$', 0) IS NOT NULL" in programs
    assert not any(t.startswith("trim(publisher") for t in programs)
    [alone] = signature_terms("programs", {"publisher": {"vendor": True}}, ["Acme Labs", "Äcme Labor"], "x")
    assert alone.startswith("trim(publisher, char(9, 10, 11, 12, 13, ")
    assert alone.endswith("COLLATE NOCASE IN ('Acme Labs', 'Äcme Labor', 'äcme labor', 'ÄCME LABOR')")
    assert "publisher COLLATE NOCASE IN ('Äcme GmbH', 'äcme gmbh', 'ÄCME GMBH')" in programs
    assert "regex_match(lower(name), '^(?:(?:Ä|ä)cme tools [0-9]+)$', 0) IS NOT NULL" in programs


def test_under_on_an_ordinary_column_accepts_both_separators(fixture_catalogue: Catalogue) -> None:
    expr = "replace(path, '/', '\\')"
    assert f"({expr} LIKE 'C:\\Program Files\\Acme Labs' OR {expr} LIKE 'C:\\Program Files\\Acme Labs\\%')" in terms(
        fixture_catalogue, "services"
    )


def test_file_under_reads_the_folder_and_its_children(fixture_catalogue: Catalogue) -> None:
    file_terms = terms(fixture_catalogue, "file")
    assert "path = 'C:\\Program Files\\Acme Labs\\Shield' COLLATE NOCASE" in file_terms
    assert "path LIKE 'C:\\Program Files\\Acme Labs\\Shield\\%'" in file_terms  # one level: as the collector
    assert "path = '/opt/acme' COLLATE NOCASE" in file_terms and "path LIKE '/opt/acme/%'" in file_terms
    assert "directory = '/etc/acme' COLLATE NOCASE" in file_terms
    assert "path = 'C:\\Windows\\System32\\acmelist.exe' COLLATE NOCASE" in file_terms


def test_file_patterns_expand_to_the_paths_they_name(fixture_catalogue: Catalogue) -> None:
    file_terms = terms(fixture_catalogue, "file")
    regex = (
        "regex_match(lower(path), '^(?:c:[\\\\]program files(?: \\(x86\\))?[\\\\]acme labs[\\\\]?)$', 0) IS NOT NULL"
    )
    assert f"path = 'C:\\Program Files\\Acme Labs' COLLATE NOCASE AND {regex}" in file_terms
    assert f"path = 'C:\\Program Files (x86)\\Acme Labs' COLLATE NOCASE AND {regex}" in file_terms
    # A variable folder name is osquery's one-level '%'; the negated class may meet multi-byte characters.
    assert (
        "path LIKE 'C:\\Users\\%\\AppData\\Local\\Acme\\Shield %' AND regex_match(lower(path), "
        "'^(?:c:[\\\\]users[\\\\][^\\\\]+[\\\\]appdata[\\\\]local[\\\\]acme[\\\\]shield [0-9]+)$', 0) "
        "IS NOT NULL"
    ) in file_terms


def test_registry_under_reads_the_key_itself_and_everything_below(fixture_catalogue: Catalogue) -> None:
    registry = terms(fixture_catalogue, "registry")
    key = "HKEY_LOCAL_MACHINE\\SOFTWARE\\AcmeLabs"
    assert f"path = '{key}' COLLATE NOCASE" in registry
    assert f"key = '{key}' COLLATE NOCASE" in registry
    assert f"key LIKE '{key}\\%%'" in registry  # osquery's recursive glob
    hku = "path LIKE 'HKEY_USERS\\S-1-5%\\Software\\AcmeLabs' AND regex_match("
    assert any(t.startswith(hku) for t in registry)
    definitions = (
        "key LIKE 'HKEY_LOCAL_MACHINE\\SOFTWARE\\AcmeLabs\\Shield\\%\\Data' AND "
        "name = 'LastUpdate' COLLATE NOCASE AND regex_match(lower(key),"
    )
    assert any(t.startswith(definitions) for t in registry)


def test_single_quotes_are_doubled() -> None:
    [term] = signature_terms("programs", {"name": "O'Brien's Shield"}, [], "test")
    assert term == "name = 'O''Brien''s Shield' COLLATE NOCASE"
    db = osquery_db()
    load(db, {"platform": "windows", "programs": [{"name": "o'brien's shield"}, {"name": "O"}]})
    selected = [tuple(r) for r in db.execute(f"SELECT name FROM programs WHERE {term}")]
    assert selected == [("o'brien's shield",)]


@pytest.mark.parametrize(
    "table, where, why",
    [
        ("file", {"filename": "avp.exe"}, "an exact, one_of, under or pattern matcher on path or directory"),
        ("registry", {"name": "ProductName"}, "on path or key"),
        ("file", {"path": {"pattern": "^[A-Z]:[\\\\]Kaspersky$"}}, "does not start with a fixed root or drive"),
        ("file", {"path": {"pattern": r"^C:[\\]Program Files[\\][^$]+$"}}, "would make osquery read everything"),
        ("registry", {"path": {"pattern": r"^HKEY_LOCAL_MACHINE[\\]SOFTWARE([\\][A-Za-z\\]+)?$"}}, "below"),
        ("programs", {"name": {"pattern": "^(a)\\1$"}}, "back-references are not supported"),
        ("programs", {"name": {"pattern": "^[äö]+$"}}, "non-ASCII characters in a character class"),
        ("programs", {"name": {"pattern": "^" + "Kaspersky" * 40 + "$"}}, "256-byte limit"),
        ("programs", {"version": {"pattern": "(?s)^x$"}}, "unsupported group or flag '(?s'"),
        ("programs", {"version": {"pattern": "^(x$"}}, "not a valid regular expression"),
    ],
)
def test_signatures_osquery_cannot_run_are_refused_with_a_reason(table: str, where: dict, why: str) -> None:
    with pytest.raises(ExportError, match=re.escape(why)):
        signature_terms(table, where, [], "sample/windows/0")


def test_a_recursive_glob_needs_two_fixed_folders_in_front() -> None:
    [term] = signature_terms("file", {"path": {"pattern": "^/opt/acme/lib(/[a-z/]+)$"}}, [], "x")
    assert term.startswith("path LIKE '/opt/acme/lib/%%' AND regex_match(")
    below = {"path": {"pattern": r"^HKEY_LOCAL_MACHINE[\\]SOFTWARE[\\]Acme([\\][a-z\\]+)$"}}
    assert signature_terms("registry", below, [], "x") == [
        "key = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Acme' COLLATE NOCASE AND regex_match(lower(path), "
        "'^(?:hkey_local_machine[\\\\]software[\\\\]acme[\\\\][A-Z\\\\a-z]+)$', 0) IS NOT NULL",
        "key LIKE 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Acme\\%%' AND regex_match(lower(path), "
        "'^(?:hkey_local_machine[\\\\]software[\\\\]acme[\\\\][A-Z\\\\a-z]+)$', 0) IS NOT NULL",
    ]


def test_a_pattern_too_long_for_osquery_is_split_on_its_alternatives() -> None:
    branches = [f"Kaspersky Product Name Number {n}" for n in range(12)]
    pattern = "^(" + "|".join(branches) + ")( [0-9]+)?$"
    parts = ecmascript_patterns(pattern)
    assert len(parts) > 1 and all(len(p.encode()) <= 256 for p in parts)
    for name in branches:
        assert any(regex_match(f"{name.lower()} 21", p, 0) for p in parts)
    assert not any(regex_match("kaspersky product name number 12", p, 0) for p in parts)


# ----------------------------------------------------------------------------------------------------------
# Regex translation: at least every match, and exactly the matches for ASCII text
# ----------------------------------------------------------------------------------------------------------

TRANSLATION_CASES = [
    (
        "^Kaspersky( (Anti-Virus|Internet Security))?( [0-9]+(\\.[0-9]+)*)?$",
        [
            "Kaspersky",
            "KASPERSKY ANTI-VIRUS 21.3",
            "kaspersky internet security",
            "Kaspersky Free",
            "Kaspersky 21.",
            "Kaspersky Anti-Virus Pro",
            "xKaspersky",
            "Kaspersky\n",
            "Kaspersky 21.3.1",
        ],
    ),
    ("^AVP[0-9]+(\\.[0-9]+)*$", ["AVP21.3", "avp21", "AVP", "AVP21.", "AVP21.3x", "kavp21"]),
    (
        r"^C:[\\]Users[\\][^\\]+[\\]Documents$",
        [
            "C:\\Users\\bob\\Documents",
            "c:\\users\\Zoë\\documents",
            "C:\\Users\\\\Documents",
            "C:\\Users\\a\\b\\Documents",
        ],
    ),
    (
        "^/var/log/kav_daemon[^/]*\\.log$",
        [
            "/var/log/kav_daemon.log",
            "/var/log/kav_daemon_1.LOG",
            "/var/log/kav_daemon/x.log",
            "/var/log/kav_daemonélan.log",
        ],
    ),
    ("^Kaspersky( [A-Za-z0-9-]+)*$", ["Kaspersky Total Security", "Kaspersky Small-Office 7", "Kaspersky  x"]),
    ("^klids\\.K4W-[0-9]{2,4}-[0-9]{1}$", ["klids.K4W-21-3", "KLIDS.k4w-2131-3", "klids.K4W-2-3", "klids.K4W-21-34"]),
    ("^(?i:abc)(?=d)[^x]?d\\b$", ["abcd", "ABCd", "abcyd", "abcxd", "abcéd"]),
    ("^a.b\\Z", ["a-b", "aéb", "a\nb", "ab"]),
    ("^[]a-c-]+$", ["]", "a-c", "B]", "d"]),
    ("^(?P<v>[0-9]{,2})x{2,}$", ["xx", "12xxx", "123xx", "1x"]),
    ("^\\x41\\u00e9\\t$", ["Aé\t", "aÉ\t", "A\t"]),
    ("^(a+)+b$", ["aab", "AB", "b", "aac"]),
    ("^([0-9]{2})*(x|y)?$", ["1234", "123", "12x", "", "Y"]),
    # Python folds one character at a time: 'ß' matches 'ß' in any case, never 'ss'.
    ("^straße$", ["straße", "STRAßE", "Straße", "STRASSE", "strasse"]),
]


def sqlite_lower(text: str) -> str:
    return sqlite3.connect(":memory:").execute("SELECT lower(?)", (text,)).fetchone()[0]


@pytest.mark.parametrize("pattern, values", TRANSLATION_CASES)
def test_translated_patterns_match_what_python_matches(pattern: str, values: list[str]) -> None:
    parts = ecmascript_patterns(pattern)
    for text in values:
        python = re.fullmatch(pattern, text, re.IGNORECASE) is not None
        exported = any(regex_match(sqlite_lower(text), p, 0) is not None for p in parts)
        if python:
            assert exported, (pattern, text, parts)
        elif (
            pattern.isascii()
            and text.isascii()
            and "\n" not in text
            and "?=" not in pattern
            and "." not in pattern.replace("\\.", "")
        ):
            assert not exported, (pattern, text, parts)  # no widening happens for plain ASCII


# ----------------------------------------------------------------------------------------------------------
# (b) every row a signature matches is selected (property), and round trips through osquery's log
# ----------------------------------------------------------------------------------------------------------

_ALPHABET = st.characters(codec="utf-8", exclude_characters="\x00")
_SEGMENT = st.text(
    st.characters(codec="ascii", categories=["Lu", "Ll", "Nd"], include_characters=" ._-"), min_size=1, max_size=12
).filter(lambda s: s.strip(". ") != "")


def _mixed_case(text: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
        lambda flips: "".join(c.swapcase() if f else c for c, f in zip(text, flips, strict=True))
    )


def _value(table: str, matcher: Any, publishers: Iterable[str], anchor: bool) -> st.SearchStrategy[str]:
    if isinstance(matcher, str):
        return _mixed_case(matcher)
    if "one_of" in matcher:
        return st.sampled_from(matcher["one_of"]).flatmap(_mixed_case)
    if "pattern" in matcher:
        pattern = re.compile(matcher["pattern"], re.IGNORECASE)
        return st.from_regex(pattern, fullmatch=True, alphabet=_ALPHABET)
    if "vendor" in matcher:
        space = st.text(st.sampled_from(" \t\u00a0\u2003"), max_size=2)
        return st.tuples(space, st.sampled_from(list(publishers)).flatmap(_mixed_case), space).map("".join)
    folder = matcher["under"].rstrip("/\\")
    sep = "\\" if "\\" in folder else "/"
    # osquery lists one level below a folder (file) and every level below a key (registry).
    depth = 1 if table == "file" else 3
    seps = st.just(sep) if anchor or sep == "/" else st.sampled_from(["\\", "/"])
    child = st.lists(st.tuples(seps, _SEGMENT).map("".join), max_size=depth).map("".join)
    base = _mixed_case(folder) if sep == "\\" else st.just(folder)
    return st.tuples(base, child).map("".join)


def _row(table: str, where: dict[str, Any], values: dict[str, str]) -> dict[str, str]:
    row = dict(values)
    if table == "registry":
        if "path" in row and "key" not in row:
            row["key"], _, leaf = row["path"].rpartition("\\")
            row.setdefault("name", leaf)
        elif "key" in row and "path" not in row:
            row.setdefault("name", "Value")
            row["path"] = row["key"] + "\\" + row["name"]
    if table == "file":
        # osquery names a folder it was asked for exactly as asked, without a trailing separator.
        for column in ("path", "directory"):
            if column in row and column in where and len(row[column].rstrip("/\\")) > 2:
                row[column] = row[column].rstrip("/\\")
    return {c: row.get(c, "") for c in TABLES[table]}


def _signatures(catalogue: Catalogue) -> list[tuple[str, dict[str, Any]]]:
    owners: list[Product | NotBanned] = [*catalogue.products, *catalogue.not_banned]
    sigs = [(s["table"], s["where"]) for owner in owners for signatures in owner.detect.values() for s in signatures]
    return sigs + [(d["table"], d["where"]) for p in catalogue.products for d in p.definitions]


_PACKS: dict[Path, dict[str, Any]] = {}


def _check_selected(catalogue: Catalogue, data: st.DataObject) -> None:
    if catalogue.path not in _PACKS:
        _PACKS[catalogue.path] = build_pack(catalogue)
    pack = _PACKS[catalogue.path]
    publishers = list(catalogue.vendor.publisher_names)
    table, where = data.draw(st.sampled_from(_signatures(catalogue)), label="signature")
    anchors = {"file": ("path", "directory"), "registry": ("path", "key")}.get(table, ())
    values = {c: data.draw(_value(table, m, publishers, c in anchors), label=c) for c, m in where.items()}
    row = _row(table, where, values)
    assert match_row(row, where, publisher_set(publishers)), (where, row)
    db = osquery_db()
    load(db, {"platform": "linux", table: [row]})
    assert db.execute(pack["queries"][table]["query"]).fetchall(), (where, row)


@given(data=st.data())
def test_every_row_a_fixture_signature_matches_is_selected(fixture_catalogue: Catalogue, data: st.DataObject) -> None:
    _check_selected(fixture_catalogue, data)


@given(data=st.data())
def test_every_row_a_real_signature_matches_is_selected(real_catalogue: Catalogue, data: st.DataObject) -> None:
    _check_selected(real_catalogue, data)


@pytest.mark.parametrize("make", [fixture_windows, fixture_linux])
def test_round_trip_keeps_every_finding_for_the_fixture(
    fixture_catalogue: Catalogue, make: Any, tmp_path: Path
) -> None:
    full = shaped(make())
    back, _log = round_trip(fixture_catalogue, full, tmp_path)
    before, after = classify(fixture_catalogue, full, NOW), classify(fixture_catalogue, back, NOW)
    assert comparable(after) == comparable(before)
    assert before.installed or before.leftovers
    if full["platform"] == "windows":
        assert {n.id for n in before.notes} == {"acmeville", "aecme-tools"}
        assert before.installed[0].definitions_date == "2024-09-28T20:00:00+00:00"
        programs = {r["name"] for r in back["programs"]}
        assert "7-Zip 23.01 (x64)" not in programs and "Acme Shield Helper" not in programs
        assert {r["name"] for r in back["services"]} == {"acmesvc", "ACMEFLT", "acmevsvc", "acmehelper"}
        assert {r["path"] for r in back["registry"]} >= {f"HKEY_USERS\\{SID}\\Software\\AcmeLabs"}
        assert not any("AcmeLabsOld" in r["path"] or "Microsoft" in r["path"] for r in back["registry"])
        assert [r["path"] for r in back["processes"]] == ["C:\\Program Files\\Acme Labs\\Shield\\shield.exe"]


@pytest.mark.parametrize("name", list(REAL_INVENTORIES))
def test_round_trip_through_osquery_results_and_the_scan_command(
    real_catalogue: Catalogue, name: str, tmp_path: Path
) -> None:
    full = shaped(REAL_INVENTORIES[name]())
    back, log = round_trip(real_catalogue, full, tmp_path)
    before = classify(real_catalogue, full, NOW)
    assert before.installed or before.leftovers
    assert comparable(classify(real_catalogue, back, NOW)) == comparable(before)

    # Unrelated rows stay on the host.
    for table, rows in back.items():
        if table == "platform":
            continue
        names = {r.get("name") for r in rows} | {r.get("path") for r in rows} | {r.get("id") for r in rows}
        assert not names & set(UNRELATED.get(table, [])), (table, names & set(UNRELATED[table]))

    result = run_cli("scan", "--inventory", str(log), "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["source"] == {"kind": "file", "detail": str(log)}
    assert report["platform"] == full["platform"]
    # Sorted: the classifier walks tables in set order, which differs from one process to the next.
    assert [p["product_id"] for p in report["installed"]] == [p.product_id for p in before.installed]
    assert sorted((x["product_id"], x["kind"], x["name"]) for x in report["leftovers"]) == sorted(
        (x.product_id, x.kind, x.name) for x in before.leftovers
    )
    assert sorted((x["product_id"], x["kind"], x["name"]) for x in report["shared"]) == sorted(
        (x.product_id, x.kind, x.name) for x in before.shared
    )
    assert sorted((n["id"], len(n["evidence"])) for n in report["notes"]) == sorted(
        (n.id, len(n.evidence)) for n in before.notes
    )


def test_windows_round_trip_finds_what_it_should(real_catalogue: Catalogue, tmp_path: Path) -> None:
    back, _log = round_trip(real_catalogue, shaped(windows_installed()), tmp_path)
    found = classify(real_catalogue, back, NOW)
    installed = {p.product_id for p in found.installed}
    assert installed >= {"kaspersky-consumer-windows", "kaspersky-network-agent", "kaspersky-password-manager"}
    assert {
        "ultraav",
        "windows-klist",
        "avnos-kavnsi",
        "kingsoft-drivers",
        "keeper-keeperguard",
        "microsoft-defender",
    } <= {n.id for n in found.notes}
    consumer = next(p for p in found.installed if p.product_id == "kaspersky-consumer-windows")
    assert consumer.definitions_date == "2024-09-28T20:00:00+00:00"
    security_center = {r["name"] for r in back["windows_security_products"]}
    assert security_center == {"Kaspersky Total Security", "Windows Defender"}  # Norton stays on the host


# ----------------------------------------------------------------------------------------------------------
# (c) the command
# ----------------------------------------------------------------------------------------------------------


def test_export_command_prints_the_pack(real_catalogue: Catalogue, tmp_path: Path) -> None:
    result = run_cli("export", "osquery-pack")
    assert result.returncode == 0, result.stderr
    pack = json.loads(result.stdout)
    # The pack covers every shipped catalogue; --catalogue narrows it to one.
    assert pack == build_pack(combine(load_catalogues()))
    narrowed = run_cli("export", "osquery-pack", "--catalogue", real_catalogue.id)
    assert json.loads(narrowed.stdout) == build_pack(real_catalogue)
    assert result.stdout == json.dumps(pack, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    platforms = {p for q in pack["queries"].values() for p in q["platform"].split(",")}
    assert platforms == {"windows", "darwin", "linux"}
    assert {"programs", "deb_packages", "apps", "file", "registry"} <= set(pack["queries"])

    out = tmp_path / "offramp.conf"
    written = run_cli("export", "osquery-pack", "--output", str(out))
    assert written.returncode == 0 and written.stdout == ""
    assert out.read_text(encoding="utf-8") == result.stdout


def test_export_help_and_usage_errors() -> None:
    for args in (["export", "--help"], ["export", "osquery-pack", "--help"]):
        result = run_cli(*args)
        assert result.returncode == 0 and result.stdout.startswith("usage: offramp export")
    result = run_cli("export")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    result = run_cli("export", "osquery-pack", "--output", "/nonexistent-dir/x/offramp.conf")
    assert result.returncode == 2 and "cannot write" in result.stderr


# ----------------------------------------------------------------------------------------------------------
# The emulated regex_match against the real std::regex, when a C++ compiler is at hand
# ----------------------------------------------------------------------------------------------------------

_PROBE = r"""
#include <iostream>
#include <regex>
#include <string>
// Reads pattern/value line pairs and prints what osquery's regex_match would: 1 (a match), 0 or E (error).
int main() {
  std::string pattern, value;
  while (std::getline(std::cin, pattern) && std::getline(std::cin, value)) {
    try {
      std::smatch results;
      std::cout << (std::regex_search(value, results, std::regex(pattern)) ? "1" : "0") << "\n";
    } catch (const std::regex_error&) {
      std::cout << "E\n";
    }
  }
}
"""


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("g++") is None, reason="no C++ compiler to build the std::regex probe")
def test_emulated_regex_match_agrees_with_std_regex(
    real_catalogue: Catalogue, fixture_catalogue: Catalogue, tmp_path: Path
) -> None:
    probe = tmp_path / "regex_probe"
    subprocess.run(
        ["g++", "-std=c++17", "-O1", "-x", "c++", "-", "-o", str(probe)],
        input=_PROBE,
        text=True,
        check=True,
        capture_output=True,
        timeout=300,
    )
    patterns = {p for pattern, _ in TRANSLATION_CASES for p in ecmascript_patterns(pattern)}
    for catalogue in (real_catalogue, fixture_catalogue):
        for query in build_pack(catalogue)["queries"].values():
            patterns |= {
                m.replace("''", "'")
                for m in re.findall(r"regex_match\(lower\(\w+\), '((?:[^']|'')*)', 0\)", query["query"])
            }
    values = {v for _, vs in TRANSLATION_CASES for v in vs}
    for make in [*REAL_INVENTORIES.values(), fixture_windows, fixture_linux]:
        for table, rows in make().items():
            if table != "platform":
                values |= {str(v) for row in rows for v in row.values()}
    values = {sqlite_lower(v) for v in values if "\n" not in v and "\r" not in v}
    pairs = [(p, v) for p in sorted(patterns) for v in sorted(values)]
    feed = "".join(f"{p}\n{v}\n" for p, v in pairs)
    out = subprocess.run([str(probe)], input=feed.encode(), capture_output=True, check=True, timeout=300)
    answers = out.stdout.decode().split()
    assert len(answers) == len(pairs)
    disagree = [
        (p, v, a)
        for (p, v), a in zip(pairs, answers, strict=True)
        if a != ("1" if regex_match(v, p, 0) is not None else "0")
    ]
    assert disagree == []


def test_the_pack_collects_what_the_generalised_classifier_reads(real_catalogue: Catalogue) -> None:
    """Rows found only through roots, a missing or Russian publisher, or a driver's image file are selected."""
    pack = build_pack(real_catalogue)
    rows = {
        "programs": [
            {"name": "Kaspersky Total Security", "publisher": ""},
            {"name": "Kaspersky Endpoint Security 11 для Windows", "publisher": 'АО "Лаборатория Касперского"'},
        ],
        "file": [
            {
                "path": "C:\\Program Files (x86)\\Kaspersky Lab\\Kaspersky 21.3\\x64\\new.dll",
                "directory": "C:\\Program Files (x86)\\Kaspersky Lab\\Kaspersky 21.3\\x64",
            },
            {
                "path": "C:\\Windows\\System32\\drivers\\klif.sys",
                "directory": "C:\\Windows\\System32\\drivers",
                "filename": "klif.sys",
            },
        ],
        "services": [
            {"name": "newsvc", "path": '"C:\\Program Files (x86)\\Kaspersky Lab\\Kaspersky 21.3\\avp.exe" -r'}
        ],
    }
    for table, table_rows in rows.items():
        db = osquery_db()
        load(db, {"platform": "windows", table: [{c: r.get(c, "") for c in TABLES[table]} for r in table_rows]})
        selected = db.execute(pack["queries"][table]["query"]).fetchall()
        assert len(selected) == len(table_rows), (table, selected)
