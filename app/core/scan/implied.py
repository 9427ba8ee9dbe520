"""Signatures the catalogue implies without spelling them out: the image file of each driver it names.

A Windows driver named `klif` runs from `klif.sys` in the system's drivers folder, so a catalogue that
names the driver also names the file. Inventories and security tools often list the file alone
(Microsoft's filter-altitude table, module lists), without its folder. In the drivers folder the file
is certain; with no folder given it is probable.
"""

from __future__ import annotations

from typing import Any

DRIVERS_FOLDER = "C:\\Windows\\System32\\drivers"


def _names(matcher: Any) -> list[str]:
    if isinstance(matcher, str):
        return [matcher]
    if isinstance(matcher, dict) and "one_of" in matcher:
        return list(matcher["one_of"])
    return []


def implied(platform: str, signatures: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """(index of the signature it comes from, implied signature) for every named Windows service."""
    if platform != "windows":
        return []
    out = []
    for i, sig in enumerate(signatures):
        if sig["table"] != "services" or set(sig["where"]) != {"name"}:
            continue
        files = [f"{name}.sys" for name in _names(sig["where"]["name"])]
        if files:
            where = {"filename": {"one_of": files}, "directory": DRIVERS_FOLDER}
            out.append((i, {"table": "file", "where": where, "proves": "trace", "missing_ok": ["directory"]}))
    return out
