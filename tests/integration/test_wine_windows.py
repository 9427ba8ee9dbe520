"""Offramp's Windows code, for real: Windows CPython under Wine, real MSI packages, Wine's own msiexec.

The scan runs Offramp's live Windows collector (winreg, the Services key, psutil) in Windows Python;
the migration removes Kaspersky-shaped MSIs with `msiexec /x` started by Offramp itself, downloads
the replacement MSI from a real HTTP server on 127.0.0.1, verifies it and installs it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.http_server import HttpServer
from tests.support.playbook_fixtures import pinned_playbook
from tests.support.windows_fixtures import WindowsFixtures
from tests.support.winebed import WineBed, to_windows_path

pytestmark = [pytest.mark.wine, pytest.mark.slow]

KES = "{C9EF800D-54AA-4F60-AB96-5A3966550F53}"
AGENT = "{0F05E4E5-5A89-482C-9A62-47CC58643788}"
CONSUMER = "{38AA01DD-FD92-4A8F-8397-298F93D14B7E}"
ULTRAAV = "{CEAF98BB-3E6E-4C63-AEDB-8CC87BA80F7B}"
TEST_AV = "{E282B6B8-2021-4EBD-8C0D-C177FB4470DE}"
UNINSTALL = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"


def scan(bed: WineBed, home: Path) -> tuple[int, dict]:
    result = bed.offramp("scan", "--json", env={"OFFRAMP_HOME": to_windows_path(home)}, timeout=180)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result.returncode, json.loads(result.stdout)


def clean_up(bed: WineBed, fixtures: WindowsFixtures, *codes: str) -> None:
    for code in codes:
        bed.msi_uninstall(code)
    for name in ("kaspersky-21-25-traces", "lookalike-drivers"):
        fixtures.extras[name].remove(bed)


def test_scan_finds_kaspersky_msis_and_a_driver_left_behind(
    winebed: WineBed, windows_msis: dict[str, Path], windows_fixtures: WindowsFixtures, tmp_path: Path
) -> None:
    bed = winebed
    try:
        for package in ("kes", "network-agent", "kaspersky-21-25", "ultraav"):
            assert bed.msi_install(windows_msis[package]) == 0, package
        windows_fixtures.extras["kaspersky-21-25-traces"].apply(bed)
        windows_fixtures.extras["lookalike-drivers"].apply(bed)

        code, found = scan(bed, tmp_path)
        assert code == 1
        installed = {p["product_id"]: p for p in found["installed"]}
        assert set(installed) == {
            "kaspersky-endpoint-security-windows",
            "kaspersky-network-agent",
            "kaspersky-consumer-windows",
        }
        assert installed["kaspersky-endpoint-security-windows"]["product_codes"] == [KES]
        assert installed["kaspersky-consumer-windows"]["definitions_date"] == "2024-09-28T21:04:00+00:00"
        assert {"ultraav", "keeper-keeperguard", "avnos-kavnsi"} <= {n["id"] for n in found["notes"]}
        evidence = json.dumps(found["installed"])
        assert "UltraAV" not in evidence and "KeeperGuard" not in evidence

        # Windows Installer removes the consumer app; its kernel driver stays behind, as on real machines.
        assert bed.msi_uninstall(CONSUMER) == 0
        assert bed.msi_uninstall(KES) == 0 and bed.msi_uninstall(AGENT) == 0
        code, found = scan(bed, tmp_path)
        assert code == 1 and found["installed"] == []
        leftovers = {(x["kind"], x["name"]) for x in found["leftovers"]}
        assert ("driver", "klids.K4W-21-25") in leftovers
        assert not any(name in ("KeeperGuard", "kavnsi") for _, name in leftovers)
    finally:
        clean_up(bed, windows_fixtures, CONSUMER, KES, AGENT, ULTRAAV)


def test_silent_migration_end_to_end_under_windows_installer(
    winebed: WineBed, windows_msis: dict[str, Path], windows_fixtures: WindowsFixtures, tmp_path: Path
) -> None:
    bed = winebed
    home = tmp_path / "home"
    env = {"OFFRAMP_HOME": to_windows_path(home), "OFFRAMP_ALLOW_LOOPBACK_HTTP": "1"}
    try:
        assert bed.msi_install(windows_msis["kes"]) == 0
        assert bed.msi_install(windows_msis["network-agent"]) == 0
        payload = windows_msis["offramp-test-av"].read_bytes()
        with HttpServer() as server:
            url = server.add("/offramp-test-av-1.0.msi", payload)
            playbook = pinned_playbook(tmp_path, "windows", url, payload)
            # What the uninstallers leave behind is removed only because the admin's policy says so.
            policy = tmp_path / "policy.yaml"
            policy.write_text(
                "kind: policy\nschema_version: 1\ndata_rescue: assume-done\nleftovers: {silent: remove}\n"
            )
            result = bed.offramp(
                "migrate",
                "--silent",
                "--to",
                to_windows_path(playbook),
                "--policy",
                to_windows_path(policy),
                "--report",
                to_windows_path(tmp_path / "report.json"),
                env=env,
                timeout=600,
            )
            assert result.returncode == 0, result.stdout + result.stderr
            assert len(server.requests_for("/offramp-test-av-1.0.msi")) == 1

        assert bed.reg_query(f"{UNINSTALL}\\{TEST_AV}") is not None  # the replacement's uninstall entry
        assert bed.reg_query(f"{UNINSTALL}\\{KES}") is None
        report = json.loads((tmp_path / "report.json").read_text())
        # Every step done; a restart no uninstaller asked for is skipped, not ticked.
        assert [s["status"] for s in report["steps"]] == [
            "skipped" if s["kind"] == "reboot" else "done" for s in report["steps"]
        ]
        assert all(s["message"].startswith("not needed") for s in report["steps"] if s["kind"] == "reboot")
        removed = [s["id"] for s in report["steps"] if s["kind"] == "uninstall"]
        assert removed == ["uninstall.kaspersky-endpoint-security-windows", "uninstall.kaspersky-network-agent"]
        assert report["rescan"]["verdict"] == "clean"
        code, found = scan(bed, tmp_path / "rescan")
        assert (code, found["verdict"]) == (0, "clean")
    finally:
        clean_up(bed, windows_fixtures, TEST_AV, KES, AGENT)


KES_PROTECTED = "{2DAF09E8-E2DD-4B3D-BC8F-958D8A199452}"
AGENT_PROTECTED = "{221EFD82-071C-4563-A311-C395EB195F69}"
PASSWORD = "Offramp-Test-Password"


def test_password_protected_removal_blocks_without_and_succeeds_with_the_passwords(
    winebed: WineBed, windows_msis: dict[str, Path], windows_fixtures: WindowsFixtures, tmp_path: Path
) -> None:
    bed = winebed
    try:
        assert bed.msi_install(windows_msis["kes-password"]) == 0
        assert bed.msi_install(windows_msis["network-agent-password"]) == 0
        home = tmp_path / "without"
        blocked = bed.offramp(
            "migrate", "--silent", "--remove-only", env={"OFFRAMP_HOME": to_windows_path(home)}, timeout=600
        )
        assert blocked.returncode == 24, blocked.stdout + blocked.stderr
        assert "Safe Mode" in blocked.stdout and "kavremover" in blocked.stdout

        home = tmp_path / "with"
        env = {
            "OFFRAMP_HOME": to_windows_path(home),
            "OFFRAMP_KES_LOGIN": "KLAdmin",
            "OFFRAMP_KES_PASSWORD": PASSWORD,
            "OFFRAMP_NETWORK_AGENT_PASSWORD": PASSWORD,
        }
        done = bed.offramp("migrate", "--silent", "--remove-only", env=env, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        code, found = scan(bed, tmp_path / "after")
        assert found["installed"] == []
        written = [p for p in home.rglob("*") if p.is_file()]
        assert any(p.name == "journal.jsonl" for p in written) and any(p.name == "report.json" for p in written)
        hex_password = PASSWORD.encode("utf-16-le").hex().upper()
        for path in written:
            text = path.read_text(errors="replace")
            assert PASSWORD not in text and hex_password not in text, path
    finally:
        clean_up(bed, windows_fixtures, KES_PROTECTED, AGENT_PROTECTED)
