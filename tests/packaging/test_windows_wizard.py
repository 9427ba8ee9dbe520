"""The installed Windows wizard under Wine, used the way a person uses it, from Welcome to Finish, with a picture of
every page; then the machine is checked against what the report and the Done page say.

The prefix is a person's PC with Kaspersky Endpoint Security (a Kaspersky-shaped MSI, installed by Wine's
msiexec) on which Offramp was installed by its own NSIS installer (tests/support/wine_wizard.py). The installed
offramp-gui.exe runs on a private X display through Wine's x11 driver and is driven with real key presses
(tests/support/winegui.py), waiting on the wizard's own log for each page. It keeps the replacement it offers
first, Microsoft Defender Antivirus, which is part of Windows: Wine lacks it, so its service is added as Windows
has it.

What can be proven under Wine, and so what the wizard may claim: Windows Installer no longer knows the product
(msiexec answers 1605), its uninstall entry, service and folder are gone, and Defender's service is there. Wine
has no Windows Security Center (root/SecurityCenter2 returns nothing), so nothing on this machine can say whether
Defender protects it. The honest outcome is therefore amber, "please check one thing", never a green
"protected", and the test demands exactly that of the report and of the words the Done page showed.

About 30 s after the Windows build (which the packaging tests share, tests/packaging/conftest.py). The pictures
go to a folder the test prints; `python tools/windows_screenshot.py --flow` writes the same set to
docs/screenshots/windows/.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from offramp.core.data.catalogue import load_catalogue
from offramp.core.platform.security_center import POWERSHELL_QUERY, rows_from_json
from tests.support.msibuild import WIXL
from tests.support.testbeds import fresh_wine_bed, unavailable
from tests.support.windows_build import INSTALL_HINT
from tests.support.windows_fixtures import load_windows_fixtures
from tests.support.wine_wizard import FLOW, SYSTEM_HOME, prepare, walk
from tests.support.winegui import missing_gui_tools, virtual_display

pytestmark = [pytest.mark.wine, pytest.mark.slow]

PRODUCT_ID = "kaspersky-endpoint-security-windows"
SERVICES = "HKLM\\System\\CurrentControlSet\\Services"
UNINSTALL_ROOT = "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
UNKNOWN_PRODUCT = 1605  # msiexec /x of a product Windows Installer does not know
# What Offramp asks Windows Security Center (app/core/platform/security_center.py), asked the same way.
SECURITY_CENTER = ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", POWERSHELL_QUERY]
PNG = b"\x89PNG\r\n\x1a\n"
# The Done page's lines that claim something about the machine, and the report field each must match.
CLAIMS = {"Removed": "removed", "Installed": "installed", "Installed, not confirmed": "installed_unverified"}
CLAIM_LINE = re.compile(r"^(?P<label>Removed|Installed|Installed, not confirmed): (?P<names>.+)$", re.MULTILINE)


def test_a_person_moves_off_kaspersky_with_the_installed_wizard(windows_build, tmp_path: Path) -> None:
    missing = missing_gui_tools() + ([WIXL] if shutil.which(WIXL) is None else [])
    if missing:
        unavailable(f"driving the wizard under Wine needs {', '.join(missing)} ({INSTALL_HINT})")
    kes = load_windows_fixtures().packages["kes"]
    ticks = len(load_catalogue(catalogue_id="kaspersky").product(PRODUCT_ID).data_at_risk)
    shots = tmp_path / "screenshots"
    print(f"screenshots of every page: {shots}")
    with virtual_display() as display, fresh_wine_bed(tmp_path / "bed", display=display) as bed:
        prepare(bed, windows_build.installer, kes, tmp_path)
        assert bed.reg_query(f"{UNINSTALL_ROOT}\\{kes.product_code}") is not None
        walked = walk(bed, display, shots, ticks=ticks)

        # Every page, in a person's order, each pictured; Finish closed the window.
        assert walked.pages() == list(FLOW)
        assert walked.exit_code == 0, walked.output[-3000:]
        assert sorted(walked.shots) == sorted(FLOW)
        for page, png in walked.shots.items():
            assert png.read_bytes().startswith(PNG), page
            print(f"{page}: {png}")

        # The machine. Windows Installer no longer knows the product, and what it installed is gone.
        assert bed.reg_query(f"{UNINSTALL_ROOT}\\{kes.product_code}") is None
        assert bed.msi_uninstall(kes.product_code) == UNKNOWN_PRODUCT
        for service in kes.services:
            assert bed.reg_query(f"{SERVICES}\\{service.name}") is None, service.name
        assert not [p for p in (bed.drive_c / "Program Files").rglob("*") if "kaspersky lab" in str(p).lower()]
        defender_there = bed.reg_query(f"{SERVICES}\\WinDefend") is not None
        security_center = bed.run_windows(SECURITY_CENTER)
        no_security_center = security_center.returncode != 0 or rows_from_json(security_center.stdout) == []

        # The report claims what the machine shows, and no more.
        report = json.loads(bed.host_path(f"{SYSTEM_HOME}\\state\\report.json").read_text(encoding="utf-8"))
    assert (report["exit_code"], report["finished"]) == (0, True)
    assert report["replacement"] == "Microsoft Defender Antivirus"  # the recommended choice, offered first
    assert report["removed"] == [kes.name]
    assert defender_there and report["installed"] == ["Microsoft Defender Antivirus"]
    assert report["verification"]["checks"] == [{"check": "service WinDefend", "passed": True, "detail": "present"}]
    assert no_security_center, security_center.stdout
    assert report["protection"] == "unconfirmed" and report["verification"]["protecting"] is None
    assert report["rescan"]["installed"] == [] and report["to_do_by_hand"] == []

    # The Done page said no more than the report proves: amber, what to check, and only the report's names.
    done = walked.done
    assert done["support_code"] == report["support_code"]
    assert (done["tone"], done["title"]) == ("warn", "Done: please check one thing")
    text = done["text"]
    assert "could not confirm that it is protecting this computer" in text
    # What to check names the app Windows has (Windows Security), in the playbook's words the report kept.
    assert "Windows Security" in report["verification"]["how_to_check"]
    assert report["verification"]["how_to_check"] in text
    assert "protected by" not in text.lower() and "✓" not in text
    claimed = {m["label"]: m["names"] for m in CLAIM_LINE.finditer(text)}
    proven = {label: ", ".join(report[key]) for label, key in CLAIMS.items() if report[key]}
    assert claimed == proven, text
    assert report["support_code"] in text
