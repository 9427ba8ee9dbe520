"""The Windows build end to end under Wine: packaging/windows/build_windows.py (what `make dist-windows` runs)
once per session, then its NSIS installer silently installed, the installed programs run, and uninstalled.

The installed console program scans the same prefix with a Kaspersky-shaped MSI installed by Wine's msiexec,
so this is the frozen Windows build doing its real job. The Intune and ConfigMgr command lines
(integrations/windows/command-lines.yaml) and the Offramp calls of the PowerShell scripts run there too, as
the engines start them, and their exit codes are checked against return-codes.yaml. The build takes about
2 to 3 min on 2 cores with a warm runtime cache (tests/support/winpython.py); the installer parts about 10 s each.

Missing tools (Wine, mingw-w64, wixl, makensis) skip these tests, or fail them with OFFRAMP_REQUIRE_TESTBEDS=1,
as for the Wine test bed (tests/integration/conftest.py).
"""

from __future__ import annotations

import json
import re
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from offramp.core import exitcodes
from tests.support.msibuild import WIXL, build_msi
from tests.support.testbeds import fresh_wine_bed, unavailable
from tests.support.windows_build import INSTALL_HINT, build_windows
from tests.support.windows_fixtures import load_windows_fixtures
from tests.support.windows_integrations import command_lines, offramp_calls, return_codes
from tests.support.wine_wizard import INSTALL_DIR, NATIVE_RUNTIME
from tests.support.winebed import WineBed, to_windows_path

pytestmark = [pytest.mark.wine, pytest.mark.slow]

UNINSTALL_ROOT = "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
UNINSTALL_KEY = UNINSTALL_ROOT + "\\Offramp"
UNINSTALL_KEY_32 = "HKLM\\Software\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Offramp"
KES = "{C9EF800D-54AA-4F60-AB96-5A3966550F53}"
DEFENDER = "WinDefend"
MSVC_RUNTIME = {"msvcp140.dll", "msvcp140_1.dll", "msvcp140_2.dll", "vcruntime140.dll", "vcruntime140_1.dll"}


@pytest.fixture(scope="module")
def installer_bed(tmp_path_factory: pytest.TempPathFactory, windows_build) -> Iterator[WineBed]:
    """A clean prefix (the test runtime, not the build one) that only ever sees the installer. Per module, so it is
    gone before another module's prefix starts: one Wine prefix runs at a time."""
    if shutil.which(WIXL) is None:
        unavailable(f"building the Kaspersky-shaped MSI needs {WIXL} ({INSTALL_HINT})")
    with fresh_wine_bed(tmp_path_factory.mktemp("installer-bed")) as bed:
        yield bed


def pe_machine(path: Path) -> int:
    data = path.read_bytes()[:4096]
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    assert data[pe : pe + 4] == b"PE\0\0", path
    return struct.unpack_from("<H", data, pe + 4)[0]


def test_the_bundle_is_64_bit_carries_the_msvc_runtime_and_no_wine_stand_ins(windows_build) -> None:
    bundle: Path = windows_build.bundle
    assert build_windows.check_bundle(bundle) == []
    names = {path.name.lower() for path in bundle.rglob("*") if path.is_file()}
    assert MSVC_RUNTIME <= names
    assert not names & build_windows.TEST_SHIMS
    for program in ("offramp.exe", "offramp-gui.exe"):
        assert pe_machine(bundle / program) == 0x8664, program  # AMD64
    assert windows_build.installer.name == f"offramp-{build_windows.layout.version()}-setup.exe"
    assert pe_machine(windows_build.installer) == 0x8664


def test_silent_install_runs_the_installed_programs_and_uninstalls_without_a_trace(
    windows_build, installer_bed: WineBed, tmp_path: Path
) -> None:
    bed = installer_bed
    version = build_windows.layout.version()
    setup = to_windows_path(windows_build.installer)
    install_dir = bed.host_path(INSTALL_DIR)
    kes = build_msi(load_windows_fixtures().packages["kes"], tmp_path / "kes")
    try:
        # Twice: the second run is an in-place reinstall, as an admin's script or Intune retries do.
        for attempt in (1, 2):
            installed = bed.run_windows([setup, "/S"], timeout=300)
            assert installed.returncode == 0, (attempt, installed.stdout, installed.stderr)
            bed.wait_idle()
        assert {p.name for p in install_dir.iterdir()} == {
            "offramp.exe",
            "offramp-gui.exe",
            "_internal",
            "uninstall.exe",
        }
        entry = bed.reg_query(UNINSTALL_KEY)
        assert entry is not None, "no uninstall entry in the 64-bit registry view"
        assert bed.reg_query(UNINSTALL_KEY_32) is None
        assert entry["DisplayName"] == ("REG_SZ", "Offramp")
        assert entry["DisplayVersion"] == ("REG_SZ", version)
        assert entry["Publisher"] == ("REG_SZ", "Offramp")
        assert entry["InstallLocation"] == ("REG_SZ", INSTALL_DIR)
        assert entry["UninstallString"] == ("REG_SZ", f'"{INSTALL_DIR}\\uninstall.exe"')
        assert entry["QuietUninstallString"] == ("REG_SZ", f'"{INSTALL_DIR}\\uninstall.exe" /S')
        assert entry["NoModify"] == ("REG_DWORD", "0x1") and entry["NoRepair"] == ("REG_DWORD", "0x1")
        bundle_kib = sum(p.stat().st_size for p in windows_build.bundle.rglob("*") if p.is_file()) / 1024
        assert entry["EstimatedSize"][0] == "REG_DWORD"
        assert bundle_kib <= int(entry["EstimatedSize"][1], 16) <= bundle_kib * 1.1 + 1024
        shortcuts = [p for p in bed.drive_c.rglob("*.lnk") if p.name == "Offramp.lnk"]
        assert len(shortcuts) == 1 and "Start Menu/Programs" in shortcuts[0].as_posix(), shortcuts

        env = {"WINEDLLOVERRIDES": NATIVE_RUNTIME, "OFFRAMP_HOME": to_windows_path(tmp_path / "home")}
        shown = bed.run_windows([f"{INSTALL_DIR}\\offramp.exe", "--version"], env=env)
        assert (shown.returncode, shown.stdout.strip()) == (0, f"offramp {version}"), shown.stderr

        assert bed.msi_install(kes) == 0
        scan = bed.run_windows([f"{INSTALL_DIR}\\offramp.exe", "scan", "--json"], env=env, timeout=180)
        assert scan.returncode == 1, scan.stdout + scan.stderr
        found = json.loads(scan.stdout)
        assert found["platform"] == "windows" and found["source"]["kind"] == "live"
        installed_products = {p["product_id"]: p for p in found["installed"]}
        assert installed_products["kaspersky-endpoint-security-windows"]["product_codes"] == [KES]

        # The wizard builds and shows itself (offscreen: no display needed) from the installed folder.
        gui = bed.run_windows(
            [f"{INSTALL_DIR}\\offramp-gui.exe", "--smoke-test"], env={**env, "WINEQT_QPA_PLATFORM": "offscreen"}
        )
        assert (gui.returncode, gui.stdout.split()) == (0, ["first", "page", "shown", "ok"]), gui.stderr

        quiet = re.fullmatch(r'"([^"]+)"\s*(.*)', entry["QuietUninstallString"][1])
        assert quiet is not None
        removed = bed.run_windows([quiet[1], *quiet[2].split()], timeout=300)
        assert removed.returncode == 0, removed.stdout + removed.stderr
        # The NSIS uninstaller copies itself to %TEMP% and finishes from there.
        bed.wait_idle(120)
        assert not install_dir.exists(), sorted(str(p.relative_to(install_dir)) for p in install_dir.rglob("*"))
        assert bed.reg_query(UNINSTALL_KEY) is None
        assert not [p for p in bed.drive_c.rglob("Offramp.lnk")]
    finally:
        bed.msi_uninstall(KES)


def test_uninstalling_keeps_an_unfinished_migration_unless_told_to_clear_it(
    windows_build, installer_bed: WineBed, tmp_path: Path
) -> None:
    from offramp.core.migrate import statefile

    bed = installer_bed
    setup = to_windows_path(windows_build.installer)
    home = tmp_path / "home"
    env = {"WINEDLLOVERRIDES": NATIVE_RUNTIME, "OFFRAMP_HOME": to_windows_path(home)}
    record = home / "state" / "migration.json"
    # An unfinished migration, as a run that stopped at its first step leaves it.
    preflight = {"id": "preflight", "kind": "preflight", "title": "Check this machine is ready"}
    plan = {"platform": "windows", "replacement_id": None, "steps": [preflight]}
    statefile.write(record, statefile.MigrationState(support_code="UNF-7QX", plan=plan, options={}))
    uninstall = [f"{INSTALL_DIR}\\uninstall.exe", "/S"]
    for clear in (False, True):
        installed = bed.run_windows([setup, "/S"], timeout=300)
        assert installed.returncode == 0, installed.stdout + installed.stderr
        bed.wait_idle()
        pending = bed.run_windows([f"{INSTALL_DIR}\\offramp.exe", "resume", "--pending"], env=env)
        assert pending.returncode == 0 and "UNF-7QX" in pending.stdout, pending.stdout + pending.stderr
        removed = bed.run_windows([*uninstall, *(["/CLEARMIGRATION"] if clear else [])], env=env, timeout=300)
        assert removed.returncode == 0, removed.stdout + removed.stderr
        bed.wait_idle(120)
        assert not bed.host_path(INSTALL_DIR).exists()
        if not clear:
            # A silent uninstall keeps it: the reinstalled Offramp can carry it on.
            assert statefile.read(record) is not None
    # Cleared: journaled, and its record kept aside for the helpdesk.
    assert not record.exists()
    assert any(p.name.startswith("migration.json.abandoned-") for p in record.parent.iterdir())


def test_the_intune_and_configmgr_command_lines_install_migrate_and_uninstall(
    windows_build, installer_bed: WineBed, tmp_path: Path
) -> None:
    """integrations/windows/command-lines.yaml's install and uninstall lines, and the Offramp calls of the
    PowerShell scripts, run as the engines run them against the built installer, on a prefix with a
    Kaspersky-shaped MSI installed; each exit code must be a row of return-codes.yaml and mean what it says."""
    bed = installer_bed
    lines = command_lines()
    rows = return_codes()
    env = {"WINEDLLOVERRIDES": NATIVE_RUNTIME}
    offramp = f"{INSTALL_DIR}\\offramp.exe"
    install_dir = bed.host_path(INSTALL_DIR)
    report_file = bed.host_path("C:\\ProgramData\\Offramp\\report.json")
    kes = build_msi(load_windows_fixtures().packages["kes"], tmp_path / "kes")
    calls = offramp_calls({"ProgramW6432": INSTALL_DIR.rsplit("\\", 1)[0], "ProgramData": "C:\\ProgramData"})

    def migrated(code: int, verified: str) -> dict:
        """The report of a migration that exited `code`: it says so, in the table's words for the code."""
        assert code in rows, f"exit {code} is not in return-codes.yaml"
        report = json.loads(report_file.read_text(encoding="utf-8"))
        assert (report["exit_code"], report["outcome"]) == (code, exitcodes.DESCRIPTIONS[code])
        assert rows[code]["meaning"].startswith(exitcodes.DESCRIPTIONS[code]), rows[code]
        assert report["removed"] == ["Kaspersky Endpoint Security for Windows"]
        assert bed.reg_query(f"{UNINSTALL_ROOT}\\{KES}") is None  # Windows Installer removed it
        verify = next(s for s in report["steps"] if s["kind"] == "verify")
        assert verified in verify["message"], verify
        return report

    try:
        # Defender is part of Windows: its service, as the replacement playbook checks it. (Without a display
        # name, Wine lists the service with a null one, and psutil's service list reads through it and crashes.)
        bed.create_service(
            DEFENDER, "C:\\Program Files\\Windows Defender\\MsMpEng.exe", display_name="Microsoft Defender Antivirus"
        )
        assert bed.msi_install(kes) == 0
        # The install line in the folder the engine unpacked the package into: the installer, then the migration.
        line = lines["install"].replace("<version>", build_windows.layout.version())
        install = bed.run_command_line(line, cwd=windows_build.installer.parent, env=env, timeout=900)
        print(f"install line: exit {install.returncode}")
        assert (install_dir / "offramp.exe").is_file() and bed.reg_query(UNINSTALL_KEY) is not None
        assert install.returncode == exitcodes.SUCCESS, install.stdout + install.stderr
        assert rows[install.returncode]["intune"] == "success" and rows[install.returncode]["configmgr"] == "Success"
        first = migrated(install.returncode, "this system cannot report whether it is protecting")
        assert first["finished"] is True

        # What the detection, requirement and Remediations scripts run: `offramp scan`, 0 nothing found and 1
        # something (here the folder the uninstaller left, which the default policy leaves for a person).
        left_over = bool(first["to_do_by_hand"])
        for args in sorted({c.args for c in calls if c.args[0] == "scan"}):
            scan = bed.run_windows([offramp, *args], env=env, timeout=300)
            print(f"{' '.join(args)} ({', '.join(c.script for c in calls if c.args == args)}): exit {scan.returncode}")
            assert scan.returncode == (exitcodes.FOUND if left_over else exitcodes.SUCCESS), scan.stdout + scan.stderr

        # The Remediations script's migration, on a machine where Kaspersky is back and Defender is not there.
        assert bed.delete_service(DEFENDER)
        assert bed.msi_install(kes) == 0
        (remediate,) = [c for c in calls if c.args[0] == "migrate"]
        again = bed.run_windows([offramp, *remediate.args], env=env, timeout=900)
        print(f"{' '.join(remediate.args)} ({remediate.script}): exit {again.returncode}")
        assert again.returncode == exitcodes.NOT_PROTECTING, again.stdout + again.stderr
        assert rows[again.returncode]["intune"] == "failed" and rows[again.returncode]["configmgr"] == "Failure"
        assert migrated(again.returncode, f"service {DEFENDER}: missing")["finished"] is False

        uninstall = bed.run_command_line(lines["uninstall"], cwd=windows_build.installer.parent, timeout=300)
        print(f"uninstall line: exit {uninstall.returncode}")
        assert uninstall.returncode == 0, uninstall.stdout + uninstall.stderr
        bed.wait_idle(120)  # the NSIS uninstaller finishes from a copy of itself in %TEMP%
        assert not install_dir.exists() and bed.reg_query(UNINSTALL_KEY) is None
    finally:
        bed.msi_uninstall(KES)
        bed.delete_service(DEFENDER)
        shutil.rmtree(report_file.parent, ignore_errors=True)
