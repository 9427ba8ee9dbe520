"""Collects a Windows machine's inventory: uninstall entries, services and drivers, registry keys, folders,
processes and Security Center, as osquery rows.

Uninstall entries are read from HKLM (64-bit and WOW6432Node), HKCU, and every user hive loaded
under HKEY_USERS: silent mode runs as SYSTEM, whose HKCU is not the user's, and per-user installs
(a consumer suite's companions) would otherwise be missed.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

from offramp.core.platform.registry import Registry
from offramp.core.scan.collectors import files as file_rows
from offramp.core.scan.collectors.scope import Scope
from offramp.core.scan.inventory import Inventory

UNINSTALL = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
UNINSTALL_WOW = "SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
SERVICES = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services"
SERVICE_TYPES = {
    1: "KERNEL_DRIVER",
    2: "FILE_SYSTEM_DRIVER",
    4: "ADAPTER",
    8: "RECOGNIZER_DRIVER",
    16: "OWN_PROCESS",
    32: "SHARE_PROCESS",
}
START_TYPES = {0: "BOOT_START", 1: "SYSTEM_START", 2: "AUTO_START", 3: "DEMAND_START", 4: "DISABLED"}
_GUID = re.compile(r"^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$")
_USER_SID = re.compile(r"^S-1-5-21-[0-9-]+$")


def user_hives(registry: Registry) -> list[str]:
    """HKEY_USERS\\<sid> for each loaded real user (not the _Classes halves, not the service accounts)."""
    return [f"HKEY_USERS\\{sid}" for sid in registry.subkeys("HKEY_USERS") if _USER_SID.match(sid)]


def _values(registry: Registry, path: str) -> dict[str, Any]:
    return {name: data for name, _kind, data in registry.values(path)}


def programs(registry: Registry) -> list[dict[str, Any]]:
    roots = [
        f"HKEY_LOCAL_MACHINE\\{UNINSTALL}",
        f"HKEY_LOCAL_MACHINE\\{UNINSTALL_WOW}",
        f"HKEY_CURRENT_USER\\{UNINSTALL}",
    ]
    roots += [f"{hive}\\{UNINSTALL}" for hive in user_hives(registry)]
    rows = []
    for root in roots:
        for sub in registry.subkeys(root):
            values = _values(registry, f"{root}\\{sub}")
            name = values.get("DisplayName")
            if not name:
                continue
            rows.append(
                {
                    "name": str(name),
                    "version": str(values.get("DisplayVersion", "")),
                    "install_location": str(values.get("InstallLocation", "")),
                    "install_source": str(values.get("InstallSource", "")),
                    "publisher": str(values.get("Publisher", "")),
                    "uninstall_string": str(values.get("UninstallString", "")),
                    "install_date": str(values.get("InstallDate", "")),
                    # Windows Installer products are keyed by their ProductCode; osquery reports it here.
                    "identifying_number": sub if _GUID.match(sub) else "",
                    "registry_path": f"{root}\\{sub}",
                }
            )
    return rows


def services(registry: Registry, statuses: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for name in registry.subkeys(SERVICES):
        values = _values(registry, f"{SERVICES}\\{name}")
        kind = values.get("Type")
        if not isinstance(kind, int):
            continue  # a bare key (parameters, an uninstalled service's remains) is not a service
        rows.append(
            {
                "name": name,
                "display_name": str(values.get("DisplayName", "")),
                "service_type": SERVICE_TYPES.get(kind & 0x3F, str(kind)),
                "start_type": START_TYPES.get(values.get("Start", -1), ""),
                "path": str(values.get("ImagePath", "")),
                "description": str(values.get("Description", "")),
                "status": statuses.get(name.casefold(), "UNKNOWN"),
            }
        )
    return rows


def registry_rows(registry: Registry, roots: tuple[str, ...]) -> list[dict[str, Any]]:
    from offramp.core.platform.registry import normalize, walk

    expanded: list[str] = []
    for root in roots:
        root = normalize(root)
        expanded.append(root)
        if root.upper().startswith("HKEY_CURRENT_USER\\"):
            rest = root.split("\\", 1)[1]
            expanded += [f"{hive}\\{rest}" for hive in user_hives(registry)]
    rows = []
    for root in expanded:
        for key, depth in walk(registry, root):
            parent, _, leaf = key.rpartition("\\")
            if depth == 0 and not registry.subkeys(key) and not registry.values(key):
                continue  # the root does not exist
            rows.append({"key": parent, "path": key, "name": leaf, "type": "subkey", "data": ""})
            for name, kind, data in registry.values(key):
                shown = data.hex() if isinstance(data, bytes) else data
                rows.append({"key": key, "path": f"{key}\\{name}", "name": name, "type": kind, "data": str(shown)})
    return rows


def live_service_statuses() -> dict[str, str]:
    if sys.platform != "win32":
        return {}  # psutil has no service API off Windows
    try:
        import psutil

        return {s.name().casefold(): s.status().upper() for s in psutil.win_service_iter()}
    except Exception:  # psutil's service API is partial under Wine
        return {}


def collect(
    registry: Registry,
    scope: Scope,
    *,
    statuses: dict[str, str] | None = None,
    security_center: Callable[[], list[dict[str, Any]]] | None = None,
    processes: Callable[[], list[dict[str, Any]]] | None = None,
) -> Inventory:
    from pathlib import Path

    inventory: Inventory = {"platform": "windows"}
    inventory["programs"] = programs(registry)
    inventory["services"] = services(registry, statuses or {})
    inventory["registry"] = registry_rows(registry, scope.registry_roots)
    inventory["file"] = file_rows.collect(
        Path("/"),
        scope.folders.get("windows", ()),
        scope.files.get("windows", ()),
        posix=False,
        filters=scope.filters.get("windows"),
    )
    inventory["windows_security_products"] = security_center() if security_center else []
    inventory["processes"] = processes() if processes else []
    return inventory


def collect_live(scope: Scope) -> Inventory:
    from offramp.core.platform import registry, security_center
    from offramp.core.scan.collectors import processes as process_rows

    return collect(
        registry.live(),
        scope,
        statuses=live_service_statuses(),
        security_center=security_center.live_products,
        processes=process_rows.collect,
    )
