"""Windows Security Center's antivirus list: which products are registered, on or off, up to date or not.

Read through `root/SecurityCenter2` (PowerShell's Get-CimInstance), which Windows client editions
have and Server editions do not. `productState` is undocumented; its community decoding is used:
0xF000 the product state (0x0000 off, 0x1000 on, 0x2000 snoozed, 0x3000 expired) and 0x00F0 the
signature state (0x00 up to date, 0x10 out of date).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from offramp.core.platform import commands

_STATES = {0x0000: "Off", 0x1000: "On", 0x2000: "Snoozed", 0x3000: "Expired"}

POWERSHELL_QUERY = (
    "Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct -ErrorAction Stop | "
    "Select-Object displayName,productState,pathToSignedReportingExe,timestamp | ConvertTo-Json -Compress"
)


def decode_product_state(value: int) -> tuple[str, bool]:
    """(state, signatures up to date) from a productState value."""
    return _STATES.get(value & 0xF000, "Unknown"), (value & 0x00F0) == 0


def rows_from_json(text: str) -> list[dict[str, Any]]:
    """osquery-style rows from Get-CimInstance's JSON (one object, or a list of them)."""
    text = text.strip()
    if not text:
        return []
    data = json.loads(text)
    items = data if isinstance(data, list) else [data]
    rows = []
    for item in items:
        state, up_to_date = decode_product_state(int(item.get("productState") or 0))
        rows.append(
            {
                "type": "Antivirus",
                "name": item.get("displayName", ""),
                "state": state,
                "state_timestamp": item.get("timestamp", ""),
                "remediation_path": item.get("pathToSignedReportingExe", ""),
                "signatures_up_to_date": "1" if up_to_date else "0",
            }
        )
    return rows


def live_products(run: Callable[..., commands.CommandResult] = commands.run) -> list[dict[str, Any]]:
    """The registered antivirus products; [] where Security Center does not exist (Server, Wine)."""
    result = run(["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", POWERSHELL_QUERY], timeout=60)
    if not result.ok:
        return []
    try:
        return rows_from_json(result.stdout)
    except (ValueError, TypeError):
        return []
