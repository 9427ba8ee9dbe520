"""Evidence in words: each row the classifier kept as a finding's evidence reads as a labelled line a helpdesk
person can say on the phone, never as the inventory's JSON.

The rows are the shapes machines really show (tests/unit/test_classifier_generalises.py): classified first, so
what is described is what the classifier found and kept, not a row written for this test's sake.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from offramp.core import i18n
from offramp.core.data.catalogue import load_catalogue
from offramp.core.output.evidence import finding_table, row, rows
from offramp.core.scan.classifier import classify
from tests.conftest import run_cli

CATALOGUE = load_catalogue(catalogue_id="kaspersky")
NOW = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
PF86 = "C:\\Program Files (x86)\\Kaspersky Lab"
SID = "S-1-5-21-1004336348-1177238915-682003330-1001"


def evidence_of(platform: str, table: str, entry: dict[str, Any]) -> list[str]:
    findings = classify(CATALOGUE, {"platform": platform, table: [entry]}, NOW)
    evidence = [p.evidence for p in findings.installed] + [x.evidence for x in [*findings.leftovers, *findings.shared]]
    assert len(evidence) == 1, findings
    return [str(r) for r in rows(evidence[0])]


@pytest.mark.parametrize(
    ("platform", "table", "entry", "said"),
    [
        (
            "windows",
            "programs",
            {"name": "Kaspersky Total Security", "publisher": "Kaspersky Lab", "version": "21.2"},
            "Uninstall entry: Kaspersky Total Security 21.2, publisher Kaspersky Lab",
        ),
        (
            "windows",
            "programs",
            {"name": "Kaspersky Total Security", "version": "21.3.10.391"},
            "Uninstall entry: Kaspersky Total Security 21.3.10.391, no publisher",
        ),
        (
            "windows",
            "services",
            {"name": "kxdemo", "service_type": "OWN_PROCESS", "path": f'"{PF86}\\Kaspersky 21.3\\avp.exe" -r'},
            f"Service: kxdemo, image {PF86}\\Kaspersky 21.3\\avp.exe",
        ),
        (
            "windows",
            "services",
            {
                "name": "kxdemo",
                "service_type": "KERNEL_DRIVER",
                "path": "\\??\\C:\\ProgramData\\Kaspersky Lab\\AVP21.3\\Bases\\klhk.sys",
            },
            "Driver: kxdemo, image C:\\ProgramData\\Kaspersky Lab\\AVP21.3\\Bases\\klhk.sys",
        ),
        (
            "windows",
            "file",
            {"path": PF86 + "\\Kaspersky 21.3\\x64\\avp.exe", "type": "regular"},
            f"File: {PF86}\\Kaspersky 21.3\\x64\\avp.exe",
        ),
        (
            "windows",
            "file",
            {"path": PF86 + "\\Kaspersky 21.26\\", "type": "directory"},
            f"Folder: {PF86}\\Kaspersky 21.26\\",
        ),
        ("windows", "file", {"filename": "Klbackupflt.sys"}, "File: Klbackupflt.sys, folder not known"),
        (
            "windows",
            "file",
            {
                "path": "C:\\Windows\\System32\\drivers\\klif.sys",
                "directory": "C:\\Windows\\System32\\drivers",
                "filename": "klif.sys",
            },
            "File: C:\\Windows\\System32\\drivers\\klif.sys",
        ),
        (
            "windows",
            "registry",
            {"path": f"HKEY_USERS\\{SID}\\Software\\KasperskyLab\\KPM\\Settings", "name": "Settings"},
            f"Registry: HKEY_USERS\\{SID}\\Software\\KasperskyLab\\KPM\\Settings",
        ),
        (
            "windows",
            "processes",
            {
                "pid": 4242,
                "name": "newname.exe",
                "path": "C:\\Program Files\\Kaspersky Lab\\Kaspersky 21.3\\newname.exe",
            },
            "Process: newname.exe, process id 4242, image C:\\Program Files\\Kaspersky Lab\\Kaspersky 21.3\\"
            "newname.exe",
        ),
        (
            "linux",
            "file",
            {"path": "/opt/kaspersky/klnagent64/", "type": "directory"},
            "Folder: /opt/kaspersky/klnagent64/",
        ),
    ],
    ids=[
        "uninstall-entry",
        "no-publisher",
        "service",
        "driver",
        "deep-file",
        "folder",
        "driver-file-name",
        "driver-file",
        "registry",
        "process",
        "linux-folder",
    ],
)
def test_each_kind_of_evidence_reads_as_a_labelled_row(
    platform: str, table: str, entry: dict[str, Any], said: str
) -> None:
    assert evidence_of(platform, table, entry) == [said]


def test_a_linux_install_reads_as_its_package() -> None:
    inventory = {
        "platform": "linux",
        "deb_packages": [{"name": "kesl", "version": "12.1.0.1297", "status": "install ok installed"}],
    }
    [installed] = classify(CATALOGUE, inventory, NOW).installed
    assert [str(r) for r in rows(installed.evidence)] == [
        "Package (deb): kesl 12.1.0.1297, status install ok installed"
    ]


def test_a_report_keeps_rows_as_plain_data_and_reads_the_same() -> None:
    findings = classify(
        CATALOGUE,
        {"platform": "windows", "programs": [{"name": "Kaspersky Total Security", "publisher": "Kaspersky Lab"}]},
        NOW,
    )
    [evidence] = findings.installed[0].evidence
    # The two shapes a JSON record can hold a row in, read back from JSON as a report is.
    flat = json.loads(json.dumps({"table": evidence.table, **evidence.row}))
    nested = json.loads(json.dumps({"table": evidence.table, "row": evidence.row}))
    assert rows([flat]) == rows([nested]) == rows([evidence])


def test_what_the_machine_wrote_cannot_act_on_the_screen() -> None:
    said = str(row("programs", {"name": "Kaspersky\x1b[2J Total Security", "publisher": "Kaspersky\u202eLab"}))
    assert "\x1b" not in said and "\u202e" not in said
    assert "\\x1b[2J" in said and "\\u202e" in said


def test_a_table_without_words_still_shows_every_value() -> None:
    assert str(row("chrome_extensions", {"name": "Kaspersky Protection", "identifier": "abc", "empty": ""})) == (
        "chrome_extensions: identifier abc, name Kaspersky Protection"
    )


def test_the_technical_details_are_one_line_per_piece_of_evidence() -> None:
    inventory = {
        "platform": "windows",
        "programs": [
            {"name": "Kaspersky Total Security", "version": "21.3"},  # no publisher: probable
            {"name": "Kaspersky Total Security", "publisher": "Kaspersky Lab", "version": "21.2"},
        ],
        "file": [{"filename": "Klbackupflt.sys"}],
    }
    found = classify(CATALOGUE, inventory, NOW)
    lines = finding_table(found)
    product = found.installed[0]
    installed = [line for line in lines if line.finding == "Installed: Kaspersky Total Security"]
    assert [(line.what, line.where, line.certainty) for line in installed] == [
        ("Uninstall entry", "Kaspersky Total Security 21.3, no publisher", "probable"),
        ("Uninstall entry", "Kaspersky Total Security 21.2, publisher Kaspersky Lab", "certain"),
    ]
    assert [line.rule for line in installed] == [e.rule for e in product.evidence]
    assert "without publisher" in installed[0].rule and "without publisher" not in installed[1].rule
    [file] = [line for line in lines if line.what == "File"]
    assert file.where == "Klbackupflt.sys, folder not known" and file.certainty == "probable"
    assert file.finding.startswith("Shared part: ") and file.rule
    kept = [*found.installed[0].evidence, *(e for x in [*found.leftovers, *found.shared] for e in x.evidence)]
    assert len(found.installed) == 1 and len(lines) == len(kept)
    assert not any(cell.lstrip().startswith(("{", "[", '"')) for line in lines for cell in line)  # no JSON left


def test_a_look_alike_left_alone_says_why_where_a_rule_would_stand() -> None:
    inventory = {"platform": "linux", "deb_packages": [{"name": "kleopatra", "version": "4:23.08.5-0ubuntu1"}]}
    found = classify(CATALOGUE, inventory, NOW)
    assert [n.id for n in found.notes] == ["kde-kleopatra"]
    notes = [line for line in finding_table(found) if line.certainty == "left alone"]
    assert notes and [line.rule for line in notes] == [n.reason for n in [*found.notes, *found.guest_installs]]


def test_rows_are_in_the_readers_language() -> None:
    entry = {"name": "Kaspersky Total Security", "publisher": "Kaspersky Lab", "version": "21.2"}
    with i18n.language("es"):
        assert (
            str(row("programs", entry))
            == "Entrada de desinstalación: Kaspersky Total Security 21.2, editor Kaspersky Lab"
        )
    with i18n.language("ru"):
        assert str(row("programs", entry)).startswith("Запись об удалении программы: Kaspersky Total Security 21.2")


def test_offramp_scan_prints_the_evidence_under_each_finding(tmp_path: Path) -> None:
    path = tmp_path / "inventory.json"
    inventory = {
        "platform": "windows",
        "programs": [{"name": "Kaspersky Total Security", "publisher": "Kaspersky Lab", "version": "21.2"}],
        "services": [
            {
                "name": "AVP21.2",
                "service_type": "OWN_PROCESS",
                "path": f'"{PF86}\\Kaspersky Total Security 21.2\\avp.exe"',
            }
        ],
    }
    path.write_text(json.dumps(inventory), encoding="utf-8")
    result = run_cli("scan", "--inventory", str(path))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert "     Uninstall entry: Kaspersky Total Security 21.2, publisher Kaspersky Lab" in lines
    assert f"     Service: AVP21.2, image {PF86}\\Kaspersky Total Security 21.2\\avp.exe" in lines
    assert '"table"' not in result.stdout
