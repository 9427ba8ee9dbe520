"""Every artifact FACTS.md names is found by the shipped catalogue, and every look-alike is left alone.

Each case is one inventory row on an otherwise empty machine: the classifier must report it as an
installed product, a leftover of the right product, a note (look-alike), or nothing at all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from offramp.core.data.catalogue import load_catalogue
from offramp.core.scan.classifier import classify, parse_definitions_date

CATALOGUE = load_catalogue(catalogue_id="kaspersky")
NOW = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
SID = "S-1-5-21-1004336348-1177238915-682003330-1001"
HKLM = "HKEY_LOCAL_MACHINE\\SOFTWARE"


def program(name: str, publisher: str, **extra: str) -> tuple[str, dict[str, Any]]:
    return "programs", {"name": name, "publisher": publisher, **extra}


def service(name: str, kind: str = "OWN_PROCESS", display: str = "") -> tuple[str, dict[str, Any]]:
    return "services", {"name": name, "service_type": kind, "display_name": display}


def driver(name: str) -> tuple[str, dict[str, Any]]:
    return service(name, "KERNEL_DRIVER")


def key(path: str) -> tuple[str, dict[str, Any]]:
    parent, _, leaf = path.rpartition("\\")
    return "registry", {"key": parent, "path": path, "name": leaf, "type": "subkey", "data": ""}


def folder(path: str) -> tuple[str, dict[str, Any]]:
    return "file", {"path": path, "type": "directory"}


def process(name: str) -> tuple[str, dict[str, Any]]:
    return "processes", {"name": name, "pid": "4242"}


def classify_one(platform: str, table: str, row: dict[str, Any]):
    return classify(CATALOGUE, {"platform": platform, table: [row]}, NOW)


def outcome(findings) -> tuple[str, str]:
    if findings.installed:
        return "installed", findings.installed[0].product_id
    if findings.leftovers:
        return "leftover", findings.leftovers[0].product_id
    if findings.notes:
        return "note", findings.notes[0].id
    return "nothing", ""


WINDOWS_INSTALLED = {
    # FACTS §3 uninstall registry and §2 catalogue; every Publisher spelling
    "KES": (
        program("Kaspersky Endpoint Security for Windows", "AO Kaspersky Lab"),
        "kaspersky-endpoint-security-windows",
    ),
    "KES 10": (
        program("Kaspersky Endpoint Security 10 for Windows", "Kaspersky Lab"),
        "kaspersky-endpoint-security-windows",
    ),
    "Network Agent": (program("Kaspersky Security Center Network Agent", "Kaspersky Lab"), "kaspersky-network-agent"),
    "Endpoint Agent": (program("Kaspersky Endpoint Agent", "AO Kaspersky Lab"), "kaspersky-endpoint-agent"),
    "KSOS": (program("Kaspersky Small Office Security", "Kaspersky Lab ZAO"), "kaspersky-small-office-security"),
    "Kaspersky 21.x": (program("Kaspersky", "Kaspersky"), "kaspersky-consumer-windows"),
    "KTS": (program("Kaspersky Total Security", "AO Kaspersky Lab"), "kaspersky-consumer-windows"),
    "KIS": (program("Kaspersky Internet Security", "Kaspersky Lab"), "kaspersky-consumer-windows"),
    "KAV": (program("Kaspersky Anti-Virus", "KASPERSKY LAB"), "kaspersky-consumer-windows"),
    "Security Cloud": (program("Kaspersky Security Cloud", "Kaspersky"), "kaspersky-consumer-windows"),
    "Free": (program("Kaspersky Free", "Kaspersky"), "kaspersky-consumer-windows"),
    "KPM": (program("Kaspersky Password Manager", "Kaspersky"), "kaspersky-password-manager"),
    "VPN": (program("Kaspersky VPN Secure Connection", "Kaspersky"), "kaspersky-vpn-secure-connection"),
    "Safe Kids": (program("Kaspersky Safe Kids", "Kaspersky"), "kaspersky-safe-kids"),
    "KSWS": (program("Kaspersky Security for Windows Server", "AO Kaspersky Lab"), "kaspersky-security-windows-server"),
}

WINDOWS_LEFTOVERS = {
    "service AVP21.25": (service("AVP21.25", display="Kaspersky Service 21.25"), None),
    "service AVP21.26": (service("AVP21.26"), None),
    "driver klids.K4W-21-25": (driver("klids.K4W-21-25"), None),
    "service KAVFS": (service("KAVFS"), "kaspersky-security-windows-server"),
    "service KAVFSGT": (service("KAVFSGT"), "kaspersky-security-windows-server"),
    "service kavfsslp": (service("kavfsslp"), "kaspersky-security-windows-server"),
    "service klnagent": (service("klnagent"), "kaspersky-network-agent"),
    **{
        f"driver {d}": (driver(d), None)
        for d in (
            "klif",
            "klam",
            "klbg",
            "kldback",
            "kldlinf",
            "kldtool",
            "Klbackupflt",
            "klvfs",
            "Klfle",
            "Klvirt",
            "Klsec",
            "Klshadow",
            "Klsysrec",
            "Klcdp",
            "klboot",
            "klfdefsf",
            "klrsps",
            "klsnsr",
            "klifks",
            "klifaa",
            "Klifsm",
            "klflt",
            "klhk",
            "klids",
            "klim6",
            "klgse",
            "kldisk",
            "klpd",
            "klkbdflt2",
            "kltap",
            "klupd_klif_klark",
            "klupd_klif_mark",
            "klupd_klif_kimul",
            "klupd_klif_arkmon",
        )
    },
    **{
        f"process {p}": (process(p), None)
        for p in (
            "avp.exe",
            "avpui.exe",
            "avpsus.exe",
            "kpm.exe",
            "ksde.exe",
            "ksdeui.exe",
            "klnagent.exe",
            "klnsacwsrv.exe",
            "kl_platf.exe",
            "klnagwds.exe",
            "kavfs.exe",
            "kavfswp.exe",
            "kavfswh.exe",
            "kavtray.exe",
        )
    },
    "key KasperskyLab": (key(f"{HKLM}\\KasperskyLab"), None),
    "key WOW6432Node KasperskyLab": (key(f"{HKLM}\\WOW6432Node\\KasperskyLab"), None),
    "key AVP21.3": (key(f"{HKLM}\\WOW6432Node\\KasperskyLab\\AVP21.3"), None),
    "key per-user AVP21.25": (key(f"HKEY_USERS\\{SID}\\Software\\KasperskyLab\\AVP21.25"), None),
    "key LicStorage": (key(f"{HKLM}\\WOW6432Node\\KasperskyLab\\protected\\LicStorage"), None),
    "folder Kaspersky Lab x86": (folder("C:\\Program Files (x86)\\Kaspersky Lab"), None),
    "folder KTS 21.2": (folder("C:\\Program Files (x86)\\Kaspersky Lab\\Kaspersky Total Security 21.2"), None),
    "folder ProgramData AVP21.2": (folder("C:\\ProgramData\\Kaspersky Lab\\AVP21.2"), None),
    "folder Anti-Virus 14": (folder("C:\\Program Files\\Kaspersky Lab\\Kaspersky Anti-Virus 14.0.0"), None),
}

WINDOWS_LOOKALIKES = {
    "UltraAV": (program("UltraAV", "Pango"), "ultraav"),
    "UltraVPN": (program("UltraVPN", "Pango Group"), "ultravpn"),
    "Defender service": (service("WinDefend"), "microsoft-defender"),
    "klist.exe": (("file", {"path": "C:\\Windows\\System32\\klist.exe", "type": "regular"}), "windows-klist"),
    "klist process": (process("klist.exe"), "windows-klist"),
    "AVNOS kavnsi": (driver("kavnsi"), "avnos-kavnsi"),
    "Kingsoft ksfsflt": (driver("ksfsflt"), "kingsoft-drivers"),
    "Kingsoft Kisknl": (driver("Kisknl"), "kingsoft-drivers"),
    "Komoku kmkuflt": (driver("kmkuflt"), "komoku-kmkuflt"),
    "Keeper KeeperGuard": (driver("KeeperGuard"), "keeper-keeperguard"),
}

WINDOWS_NOTHING = {
    "an unknown kl driver": driver("klbugfilter"),
    "a kl program from another vendor": program("KLM Toolbox", "Someone Else"),
    "Kaspersky-named program from another publisher": program("Kaspersky Total Security", "Totally Not Kaspersky Ltd"),
    "avp-like service of another vendor": service("AVPX"),
    "7-Zip": program("7-Zip 23.01 (x64)", "Igor Pavlov"),
}


@pytest.mark.parametrize("case", sorted(WINDOWS_INSTALLED))
def test_windows_installed_products(case: str) -> None:
    (table, row), expected = WINDOWS_INSTALLED[case]
    assert outcome(classify_one("windows", table, row)) == ("installed", expected)


@pytest.mark.parametrize("case", sorted(WINDOWS_LEFTOVERS))
def test_windows_leftovers(case: str) -> None:
    (table, row), expected = WINDOWS_LEFTOVERS[case]
    kind, product = outcome(classify_one("windows", table, row))
    assert kind == "leftover"
    if expected:
        assert product == expected


@pytest.mark.parametrize("case", sorted(WINDOWS_LOOKALIKES))
def test_windows_lookalikes_are_notes_never_findings(case: str) -> None:
    (table, row), expected = WINDOWS_LOOKALIKES[case]
    findings = classify_one("windows", table, row)
    assert findings.installed == [] and findings.leftovers == []
    assert expected in {note.id for note in findings.notes}


@pytest.mark.parametrize("case", sorted(WINDOWS_NOTHING))
def test_windows_unrelated_rows_are_ignored(case: str) -> None:
    table, row = WINDOWS_NOTHING[case]
    assert outcome(classify_one("windows", table, row)) == ("nothing", "")


LINUX = {
    "deb kesl": (
        "deb_packages",
        {"name": "kesl", "version": "12.1.0-1226"},
        ("installed", "kaspersky-endpoint-security-linux"),
    ),
    "deb kesl-gui": ("deb_packages", {"name": "kesl-gui"}, ("installed", "kaspersky-endpoint-security-linux")),
    "deb kesl-astra": ("deb_packages", {"name": "kesl-astra"}, ("installed", "kaspersky-endpoint-security-linux")),
    "rpm kesl": ("rpm_packages", {"name": "kesl"}, ("installed", "kaspersky-endpoint-security-linux")),
    "rpm kesl-gui-astra": (
        "rpm_packages",
        {"name": "kesl-gui-astra"},
        ("installed", "kaspersky-endpoint-security-linux"),
    ),
    "deb klnagent64": ("deb_packages", {"name": "klnagent64"}, ("installed", "kaspersky-network-agent")),
    "rpm klnagent": ("rpm_packages", {"name": "klnagent"}, ("installed", "kaspersky-network-agent")),
    "deb kav4fs": ("deb_packages", {"name": "kav4fs"}, ("installed", "kaspersky-antivirus-linux-file-server")),
    "rpm kav4proxy": ("rpm_packages", {"name": "kav4proxy"}, ("installed", "kaspersky-antivirus-linux-proxy")),
    "unit kesl.service": ("systemd_units", {"id": "kesl.service"}, ("leftover", "kaspersky-endpoint-security-linux")),
    "unit klnagent64.service": ("systemd_units", {"id": "klnagent64.service"}, ("leftover", "kaspersky-network-agent")),
    "folder /opt/kaspersky/kesl": (
        "file",
        {"path": "/opt/kaspersky/kesl", "type": "directory"},
        ("leftover", "kaspersky-endpoint-security-linux"),
    ),
    "folder /var/opt/kaspersky/kesl": (
        "file",
        {"path": "/var/opt/kaspersky/kesl", "type": "directory"},
        ("leftover", "kaspersky-endpoint-security-linux"),
    ),
    "look-alike kleopatra": ("deb_packages", {"name": "kleopatra"}, ("note", "kde-kleopatra")),
    "look-alike klibc-utils": ("deb_packages", {"name": "klibc-utils"}, ("note", "klibc-utils")),
    "look-alike klist": ("file", {"path": "/usr/bin/klist", "type": "regular"}, ("note", "krb5-klist")),
    "unrelated klogd": ("deb_packages", {"name": "klogd"}, ("nothing", "")),
}


@pytest.mark.parametrize("case", sorted(LINUX))
def test_linux_artifacts(case: str) -> None:
    table, row, expected = LINUX[case]
    assert outcome(classify_one("linux", table, row)) == expected


def test_lookalike_never_counts_against_the_vendor_even_beside_a_real_install() -> None:
    inventory = {
        "platform": "windows",
        "programs": [program("UltraAV", "Pango")[1], program("Kaspersky", "Kaspersky")[1]],
        "services": [driver("kavnsi")[1], driver("klif")[1]],
    }
    findings = classify(CATALOGUE, inventory, NOW)
    assert [p.product_id for p in findings.installed] == ["kaspersky-consumer-windows"]
    assert {n.id for n in findings.notes} == {"ultraav", "avnos-kavnsi"}
    evidence_names = {e.row.get("name") for p in findings.installed for e in p.evidence}
    assert "UltraAV" not in evidence_names and "kavnsi" not in evidence_names
    assert any(s.name for s in findings.other_security_products if "UltraAV" in s.name)


def test_shared_parts_go_with_an_installed_product() -> None:
    inventory = {
        "platform": "windows",
        "programs": [program("Kaspersky", "Kaspersky")[1]],
        "services": [driver("klif")[1]],
        "registry": [key(f"{HKLM}\\WOW6432Node\\KasperskyLab")[1]],
    }
    findings = classify(CATALOGUE, inventory, NOW)
    assert findings.verdict == "banned-installed"
    assert findings.leftovers == []
    assert {s.name for s in findings.shared} == {"klif", f"{HKLM}\\WOW6432Node\\KasperskyLab"}


def test_definitions_date_and_age_from_the_registry() -> None:
    stamp = int(dt.datetime(2024, 9, 28, 21, 4, tzinfo=dt.UTC).timestamp())
    inventory = {
        "platform": "windows",
        "programs": [program("Kaspersky", "Kaspersky")[1]],
        "registry": [
            {
                "key": f"{HKLM}\\WOW6432Node\\KasperskyLab\\AVP21.25\\Data",
                "path": f"{HKLM}\\WOW6432Node\\KasperskyLab\\AVP21.25\\Data\\LastSuccessfulUpdate",
                "name": "LastSuccessfulUpdate",
                "type": "REG_DWORD",
                "data": str(stamp),
            }
        ],
    }
    product = classify(CATALOGUE, inventory, NOW).installed[0]
    assert product.definitions_date == "2024-09-28T21:04:00+00:00"
    assert product.definitions_age_days == 791


def test_network_agent_bases_date() -> None:
    inventory = {
        "platform": "windows",
        "programs": [program("Kaspersky Security Center Network Agent", "Kaspersky Lab")[1]],
        "registry": [
            {
                "key": f"{HKLM}\\WOW6432Node\\KasperskyLab\\Components\\34\\1103\\1.0.0.0\\Statistics\\AVState",
                "path": f"{HKLM}\\WOW6432Node\\KasperskyLab\\Components\\34\\1103\\1.0.0.0\\Statistics\\AVState"
                "\\Protection_BasesDate",
                "name": "Protection_BasesDate",
                "type": "REG_SZ",
                "data": "28-09-2024 21-04-00",
            }
        ],
    }
    assert classify(CATALOGUE, inventory, NOW).installed[0].definitions_date == "2024-09-28T21:04:00+00:00"


@pytest.mark.parametrize(
    "value, fmt, expected",
    [
        ("4294967295", "unix_seconds", None),  # 0xFFFFFFFF: never updated
        ("0", "unix_seconds", None),
        ("garbage", "unix_seconds", None),
        ("31-12-2024 23-59-59", "ksc_bases_date", dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=dt.UTC)),
        (
            "Last release date of databases: 2024-09-28 21:04:00",
            "kesl_app_info",
            dt.datetime(2024, 9, 28, 21, 4, tzinfo=dt.UTC),
        ),
    ],
)
def test_definitions_date_formats(value: str, fmt: str, expected: dt.datetime | None) -> None:
    assert parse_definitions_date(value, fmt) == expected


@pytest.mark.parametrize("state, expected", [("active", True), ("inactive", False), ("unknown", None)])
def test_linux_protection_follows_the_service_state(state: str, expected: bool | None) -> None:
    inventory = {
        "platform": "linux",
        "deb_packages": [{"name": "kesl", "status": "install ok installed"}],
        "systemd_units": [{"id": "kesl.service", "active_state": state}],
    }
    assert classify(CATALOGUE, inventory, NOW).installed[0].protecting is expected
