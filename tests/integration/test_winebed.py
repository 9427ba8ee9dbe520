"""Smoke tests proving the Wine test bed behaves like a Windows machine for what Offramp relies on.

Real MSI packages are installed and removed by Wine's msiexec, and every check reads the result from inside
Windows CPython with winreg, the way Offramp's collectors will: the Uninstall entries in the 64-bit view and
under WOW6432Node, services and kernel drivers, typed registry values, and msiexec's documented exit codes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.msibuild import MsiSpec
from tests.support.windows_fixtures import WindowsFixtures
from tests.support.winebed import PYTHON_EXE, WineBed, WineTimeout, to_windows_path

pytestmark = [pytest.mark.wine, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
UNKNOWN_PRODUCT = "{00000000-1111-2222-3333-444444444444}"
KES_PASSWORD = ("KLLOGIN=KLAdmin", "KLPASSWD=Offramp-Test-Password")
NA_PASSWORD = "KLUNINSTPASSWD=" + "Offramp-Test-Password".encode("utf-16-le").hex().upper()
# 2024-09-28 21:04:00 UTC, the fixtures' date of the last successful update.
LAST_UPDATE = 1727557440

# Lists HKLM's Uninstall entries of both registry views, as Windows shows them to a 64-bit process.
LIST_PROGRAMS = r"""
import json, winreg
ROOTS = {
    "64": r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall",
    "32": r"SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall",
}
rows = []
for view, path in ROOTS.items():
    try:
        root = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, path, 0, winreg.KEY_READ | winreg.KEY_WOW64_64KEY)
    except FileNotFoundError:
        continue
    with root:
        for index in range(winreg.QueryInfoKey(root)[0]):
            code = winreg.EnumKey(root, index)
            row = {"view": view, "key": code}
            with winreg.OpenKey(root, code) as entry:
                for name in ("DisplayName", "Publisher", "DisplayVersion", "InstallLocation"):
                    try:
                        row[name] = winreg.QueryValueEx(entry, name)[0]
                    except FileNotFoundError:
                        pass
            rows.append(row)
print(json.dumps(rows))
"""

# Reads named values of one HKLM key: argv = view (64|32) key name...; missing key -> null.
READ_VALUES = r"""
import json, sys, winreg
view = winreg.KEY_WOW64_64KEY if sys.argv[1] == "64" else winreg.KEY_WOW64_32KEY
try:
    key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, sys.argv[2], 0, winreg.KEY_READ | view)
except FileNotFoundError:
    print("null")
    raise SystemExit
with key:
    out = {}
    for name in sys.argv[3:]:
        try:
            data, kind = winreg.QueryValueEx(key, name)
            out[name] = [data, kind]
        except FileNotFoundError:
            out[name] = None
print(json.dumps(out))
"""


def windows_json(bed: WineBed, code: str, *args: str) -> Any:
    result = bed.python(["-c", code, *args])
    assert result.returncode == 0, f"Windows Python failed:\n{result.stderr}"
    return json.loads(result.stdout)


def programs(bed: WineBed, product_code: str) -> list[dict[str, str]]:
    return [row for row in windows_json(bed, LIST_PROGRAMS) if row["key"].upper() == product_code.upper()]


def hklm(bed: WineBed, key: str, *names: str, view: str = "64") -> dict[str, list[Any] | None] | None:
    result: dict[str, list[Any] | None] | None = windows_json(bed, READ_VALUES, view, key, *names)
    return result


def service_key(name: str) -> str:
    return f"SYSTEM\\CurrentControlSet\\Services\\{name}"


def uninstall_args(package_id: str) -> tuple[str, ...]:
    return {"kes-password": KES_PASSWORD, "network-agent-password": (NA_PASSWORD,)}.get(package_id, ())


def test_windows_python_runs_offramp_source_and_dependencies(winebed: WineBed) -> None:
    probe = r"""
import json, platform, sys, winreg, yaml, jsonschema, requests, psutil, platformdirs, offramp
try:
    jsonschema.validate({"n": "x"}, {"type": "object", "properties": {"n": {"type": "integer"}}})
    rejected = False
except jsonschema.ValidationError:
    rejected = True
print(json.dumps({"platform": sys.platform, "version": list(sys.version_info[:2]), "system": platform.system(),
                  "libyaml": yaml.__with_libyaml__, "rejected": rejected, "app": offramp.__file__,
                  "release": platform.release()}))
"""
    info = windows_json(winebed, probe)
    assert info["platform"] == "win32"
    assert info["version"] == [3, 13]
    assert info["system"] == "Windows"
    assert info["release"] == "10"
    assert info["libyaml"] is True
    assert info["rejected"] is True
    # The working tree's source, imported as `offramp` through the import root (its link to app/).
    assert info["app"].lower() == (to_windows_path(REPO / "build" / "importroot") + "\\offramp\\__init__.py").lower()


def test_64bit_msi_registers_in_native_uninstall_view(
    winebed: WineBed, windows_msis: dict[str, Path], windows_fixtures: WindowsFixtures
) -> None:
    kes = windows_fixtures.packages["kes"]
    assert winebed.msi_install(windows_msis["kes"]) == 0
    try:
        rows = programs(winebed, kes.product_code)
        assert [(r["view"], r["DisplayName"], r["Publisher"]) for r in rows] == [
            ("64", "Kaspersky Endpoint Security for Windows", "AO Kaspersky Lab")
        ]
        assert rows[0]["DisplayVersion"] == kes.version
        assert rows[0]["InstallLocation"].rstrip("\\") == kes.install_path
        assert (winebed.host_path(kes.install_path) / "avp.exe").is_file()
        # REG_DWORD is type 4; the value lives in the 64-bit view because the package is x64.
        data = hklm(winebed, r"SOFTWARE\KasperskyLab\protected\KES\Data", "LastSuccessfulUpdate")
        assert data == {"LastSuccessfulUpdate": [LAST_UPDATE, 4]}
        service = hklm(winebed, service_key("AVP.KES.12.6.0"), "Type", "Start", "ImagePath")
        assert service == {"Type": [0x10, 4], "Start": [2, 4], "ImagePath": [kes.install_path + "\\avp.exe", 1]}
    finally:
        assert winebed.msi_uninstall(kes.product_code) == 0


def test_32bit_msi_lands_under_wow6432node(
    winebed: WineBed, windows_msis: dict[str, Path], windows_fixtures: WindowsFixtures
) -> None:
    agent = windows_fixtures.packages["network-agent"]
    assert winebed.msi_install(windows_msis["network-agent"]) == 0
    try:
        rows = programs(winebed, agent.product_code)
        assert [(r["view"], r["DisplayName"], r["Publisher"]) for r in rows] == [
            ("32", "Kaspersky Security Center Network Agent", "Kaspersky Lab")
        ]
        assert agent.install_path.startswith("C:\\Program Files (x86)\\")
        assert (winebed.host_path(agent.install_path) / "klnagent.exe").is_file()
        # A 32-bit program asking for the plain path is redirected to the same WOW6432Node entry.
        redirected = hklm(
            winebed,
            "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\" + agent.product_code,
            "DisplayName",
            view="32",
        )
        assert redirected == {"DisplayName": ["Kaspersky Security Center Network Agent", 1]}
    finally:
        assert winebed.msi_uninstall(agent.product_code) == 0


def test_uninstall_removes_everything_then_reports_not_installed(
    winebed: WineBed, windows_msis: dict[str, Path], windows_fixtures: WindowsFixtures
) -> None:
    kes = windows_fixtures.packages["kes"]
    assert winebed.msi_install(windows_msis["kes"]) == 0
    assert programs(winebed, kes.product_code)

    assert winebed.msi_uninstall(kes.product_code) == 0
    assert programs(winebed, kes.product_code) == []
    assert not winebed.host_path(kes.install_path).exists()
    assert hklm(winebed, service_key("AVP.KES.12.6.0"), "Type") is None
    # 1605 = ERROR_UNKNOWN_PRODUCT; Wine's own exit status would only carry 1605 % 256 = 69.
    assert winebed.msi_uninstall(kes.product_code) == 1605
    assert winebed.msi_uninstall(UNKNOWN_PRODUCT) == 1605


def test_password_protected_uninstall_fails_without_the_password(
    winebed: WineBed, windows_msis: dict[str, Path], windows_fixtures: WindowsFixtures
) -> None:
    for package_id in ("kes-password", "network-agent-password"):
        spec = windows_fixtures.packages[package_id]
        assert winebed.msi_install(windows_msis[package_id]) == 0
        # 1603 = ERROR_INSTALL_FAILURE, what a protected Kaspersky product returns without its password.
        assert winebed.msi_uninstall(spec.product_code) == 1603
        assert programs(winebed, spec.product_code), f"{package_id} must survive a refused uninstall"
        assert winebed.msi_uninstall(spec.product_code, *uninstall_args(package_id)) == 0
        assert programs(winebed, spec.product_code) == []


def test_driver_service_reads_back_through_winreg(winebed: WineBed) -> None:
    winebed.create_driver(
        "klids.K4W-21-25", "system32\\DRIVERS\\klids.sys", display_name="Kaspersky Lab Network Processor"
    )
    try:
        driver = hklm(winebed, service_key("klids.K4W-21-25"), "Type", "Start", "DisplayName")
        # Type 1 = SERVICE_KERNEL_DRIVER, Start 1 = SERVICE_SYSTEM_START.
        assert driver == {"Type": [1, 4], "Start": [1, 4], "DisplayName": ["Kaspersky Lab Network Processor", 1]}
    finally:
        assert winebed.delete_service("klids.K4W-21-25") is True
    assert hklm(winebed, service_key("klids.K4W-21-25"), "Type") is None
    assert winebed.delete_service("klids.K4W-21-25") is False


def test_extras_create_services_drivers_and_dated_values(winebed: WineBed, windows_fixtures: WindowsFixtures) -> None:
    traces = windows_fixtures.extras["kaspersky-21-25-traces"]
    state = windows_fixtures.extras["network-agent-state"]
    traces.apply(winebed)
    state.apply(winebed)
    try:
        types = {
            name: (hklm(winebed, service_key(name), "Type") or {}).get("Type")
            for name in ("AVP21.25", "klids.K4W-21-25", "klif")
        }
        assert types == {"AVP21.25": [0x10, 4], "klids.K4W-21-25": [1, 4], "klif": [2, 4]}
        assert hklm(winebed, service_key("AVP21.25"), "DisplayName", "ImagePath") == {
            "DisplayName": ["Kaspersky Service 21.25", 1],
            "ImagePath": ['"C:\\Program Files (x86)\\Kaspersky Lab\\Kaspersky 21.25\\avp.exe" -r', 1],
        }
        assert hklm(winebed, r"SOFTWARE\WOW6432Node\KasperskyLab\AVP21.25\Data", "LastSuccessfulUpdate") == {
            "LastSuccessfulUpdate": [LAST_UPDATE, 4]
        }
        avstate = r"SOFTWARE\KasperskyLab\Components\34\1103\1.0.0.0\Statistics\AVState"
        assert hklm(winebed, avstate, "Protection_BasesDate", view="32") == {
            "Protection_BasesDate": ["28-09-2024 21-04-00", 1]
        }
    finally:
        traces.remove(winebed)
        state.remove(winebed)
    assert hklm(winebed, service_key("klif"), "Type") is None


@pytest.mark.parametrize("package_id", ["kaspersky-21-25", "ultraav", "offramp-test-av"])
def test_fixture_package_installs_where_its_bitness_says(
    winebed: WineBed, windows_msis: dict[str, Path], windows_fixtures: WindowsFixtures, package_id: str
) -> None:
    spec: MsiSpec = windows_fixtures.packages[package_id]
    assert winebed.msi_install(windows_msis[package_id]) == 0
    try:
        rows = programs(winebed, spec.product_code)
        expected_view = "64" if spec.arch == "x64" else "32"
        assert [(r["view"], r["DisplayName"], r["Publisher"]) for r in rows] == [
            (expected_view, spec.name, spec.manufacturer)
        ]
        for rel_path in spec.files:
            assert (winebed.host_path(spec.install_path) / rel_path).is_file()
    finally:
        assert winebed.msi_uninstall(spec.product_code) == 0


def test_hung_windows_program_and_its_children_are_killed_at_the_timeout(winebed: WineBed) -> None:
    # run_windows starts the program from a Windows Python launcher: killing the launcher at the timeout
    # must also end the grandchild, or it would outlive the test (a hung msiexec would block the next one).
    # A timeout that did not fire would let the program finish (exit 0) instead of raising.
    with pytest.raises(WineTimeout):
        winebed.run_windows([PYTHON_EXE, "-c", "import time; time.sleep(120)"], timeout=3)
    winebed.wait_idle(timeout=30)
