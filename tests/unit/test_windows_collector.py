"""The Windows collector's reading of uninstall entries, services, drivers and keys, on an in-memory registry.

The same code runs against the real registry in Windows CPython under Wine (tests/integration/test_wine_scan.py).
"""

from __future__ import annotations

from offramp.core.platform.registry import MemoryRegistry
from offramp.core.scan.collectors import windows
from offramp.core.scan.collectors.scope import Scope

HKLM_UNINSTALL = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
WOW_UNINSTALL = "HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
SID = "S-1-5-21-1111111111-2222222222-3333333333-1001"
SERVICES = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services"

REGISTRY = MemoryRegistry(
    {
        f"{HKLM_UNINSTALL}\\{{C9EF800D-54AA-4F60-AB96-5A3966550F53}}": {
            "DisplayName": ("REG_SZ", "Kaspersky Endpoint Security for Windows"),
            "Publisher": ("REG_SZ", "AO Kaspersky Lab"),
            "DisplayVersion": ("REG_SZ", "12.1.0.506"),
        },
        f"{WOW_UNINSTALL}\\Kaspersky 21.25": {
            "DisplayName": ("REG_SZ", "Kaspersky"),
            "Publisher": ("REG_SZ", "Kaspersky"),
        },
        f"{WOW_UNINSTALL}\\NoName": {"Publisher": ("REG_SZ", "Someone")},
        f"HKEY_USERS\\{SID}\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\KPM": {
            "DisplayName": ("REG_SZ", "Kaspersky Password Manager"),
            "Publisher": ("REG_SZ", "Kaspersky"),
        },
        f"HKEY_USERS\\{SID}_Classes\\Whatever": {"x": ("REG_SZ", "y")},
        f"HKEY_USERS\\{SID}\\Software\\KasperskyLab\\AVP21.25": {"x": ("REG_DWORD", 1)},
        f"{SERVICES}\\klids.K4W-21-25": {
            "Type": ("REG_DWORD", 1),
            "Start": ("REG_DWORD", 3),
            "ImagePath": ("REG_EXPAND_SZ", "system32\\drivers\\klids.sys"),
        },
        f"{SERVICES}\\AVP21.25": {
            "Type": ("REG_DWORD", 16),
            "Start": ("REG_DWORD", 2),
            "DisplayName": ("REG_SZ", "Kaspersky Service 21.25"),
        },
        f"{SERVICES}\\Leftover\\Parameters": {"x": ("REG_SZ", "y")},
        "HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\KasperskyLab\\AVP21.25\\Data": {
            "LastSuccessfulUpdate": ("REG_DWORD", 1727557440)
        },
    }
)


def test_uninstall_entries_from_every_view_and_loaded_user_hive() -> None:
    rows = {r["name"]: r for r in windows.programs(REGISTRY)}
    assert set(rows) == {"Kaspersky Endpoint Security for Windows", "Kaspersky", "Kaspersky Password Manager"}
    kes = rows["Kaspersky Endpoint Security for Windows"]
    assert kes["identifying_number"] == "{C9EF800D-54AA-4F60-AB96-5A3966550F53}"
    assert (kes["publisher"], kes["version"]) == ("AO Kaspersky Lab", "12.1.0.506")
    assert rows["Kaspersky"]["identifying_number"] == ""  # not an MSI product code
    assert rows["Kaspersky Password Manager"]["registry_path"].startswith(f"HKEY_USERS\\{SID}\\")


def test_services_and_drivers_with_their_types() -> None:
    rows = {r["name"]: r for r in windows.services(REGISTRY, {"avp21.25": "RUNNING"})}
    assert set(rows) == {"klids.K4W-21-25", "AVP21.25"}  # a key without Type is not a service
    assert rows["klids.K4W-21-25"]["service_type"] == "KERNEL_DRIVER"
    assert rows["klids.K4W-21-25"]["status"] == "UNKNOWN"
    assert (rows["AVP21.25"]["service_type"], rows["AVP21.25"]["status"]) == ("OWN_PROCESS", "RUNNING")
    assert rows["AVP21.25"]["start_type"] == "AUTO_START"


def test_registry_rows_expand_current_user_to_every_loaded_hive() -> None:
    rows = windows.registry_rows(
        REGISTRY,
        ("HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\KasperskyLab", "HKEY_CURRENT_USER\\Software\\KasperskyLab"),
    )
    paths = {r["path"]: r for r in rows}
    value = paths["HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\KasperskyLab\\AVP21.25\\Data\\LastSuccessfulUpdate"]
    assert (value["type"], value["data"], value["name"]) == ("REG_DWORD", "1727557440", "LastSuccessfulUpdate")
    assert f"HKEY_USERS\\{SID}\\Software\\KasperskyLab\\AVP21.25" in paths
    assert not any(p.startswith("HKEY_CURRENT_USER") for p in paths)  # absent here: no rows invented


def test_collect_puts_it_together() -> None:
    scope = Scope(registry_roots=("HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\KasperskyLab",))
    inventory = windows.collect(REGISTRY, scope, security_center=lambda: [{"name": "Kaspersky", "state": "On"}])
    assert inventory["platform"] == "windows"
    assert len(inventory["programs"]) == 3 and len(inventory["services"]) == 2
    assert inventory["windows_security_products"] == [{"name": "Kaspersky", "state": "On"}]
