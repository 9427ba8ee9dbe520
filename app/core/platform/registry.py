"""Reading the Windows registry: the live implementation (winreg) and an in-memory one for tests, one interface.

Paths are full osquery-style paths ("HKEY_LOCAL_MACHINE\\SOFTWARE\\..."). The live reader always asks
for the 64-bit view, so a 32-bit product's keys are read where Windows really keeps them, under
WOW6432Node, and the same path means the same key whichever Python runs Offramp.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

REG_TYPES = {
    0: "REG_NONE",
    1: "REG_SZ",
    2: "REG_EXPAND_SZ",
    3: "REG_BINARY",
    4: "REG_DWORD",
    5: "REG_DWORD_BIG_ENDIAN",
    6: "REG_LINK",
    7: "REG_MULTI_SZ",
    11: "REG_QWORD",
}

HIVE_ALIASES = {
    "HKLM": "HKEY_LOCAL_MACHINE",
    "HKCU": "HKEY_CURRENT_USER",
    "HKU": "HKEY_USERS",
    "HKCR": "HKEY_CLASSES_ROOT",
}


def normalize(path: str) -> str:
    hive, _, rest = path.replace("/", "\\").strip("\\").partition("\\")
    hive = HIVE_ALIASES.get(hive.upper(), hive.upper())
    return f"{hive}\\{rest}" if rest else hive


class Registry(Protocol):
    def subkeys(self, path: str) -> list[str]:
        """Names of the subkeys of a key; [] when it does not exist or cannot be read."""
        ...

    def values(self, path: str) -> list[tuple[str, str, Any]]:
        """(name, REG_ type name, data) for each value of a key; [] when absent or unreadable."""
        ...


if sys.platform == "win32":
    import winreg

    def _open(path: str) -> winreg.HKEYType:
        hive, _, rest = normalize(path).partition("\\")
        root = getattr(winreg, hive)
        return winreg.OpenKey(root, rest, 0, winreg.KEY_READ | winreg.KEY_WOW64_64KEY)


class LiveRegistry:
    """The machine's registry through winreg (Windows only: `live()` refuses elsewhere). The platform checks
    are written the way type checkers read them, since winreg's interface exists only on Windows."""

    def subkeys(self, path: str) -> list[str]:
        if sys.platform == "win32":
            try:
                with _open(path) as key:
                    count = winreg.QueryInfoKey(key)[0]
                    return [winreg.EnumKey(key, i) for i in range(count)]
            except OSError:
                pass  # absent or unreadable
        return []

    def values(self, path: str) -> list[tuple[str, str, Any]]:
        out: list[tuple[str, str, Any]] = []
        if sys.platform == "win32":
            try:
                with _open(path) as key:
                    for i in range(winreg.QueryInfoKey(key)[1]):
                        name, data, kind = winreg.EnumValue(key, i)
                        out.append((name, REG_TYPES.get(kind, str(kind)), data))
            except OSError:
                return []  # absent or unreadable
        return out


class MemoryRegistry:
    """A registry held in a dict of {key path: {value name: (type, data)}}, for tests and recorded machines."""

    def __init__(self, keys: Mapping[str, Mapping[str, tuple[str, Any]]]):
        self._values: dict[str, dict[str, tuple[str, Any]]] = {}
        self._children: dict[str, dict[str, str]] = {}
        for path, values in keys.items():
            self._add(normalize(path))
            self._values[normalize(path).casefold()] = dict(values)

    def _add(self, path: str) -> None:
        parts = path.split("\\")
        for i in range(1, len(parts)):
            parent, child = "\\".join(parts[:i]).casefold(), parts[i]
            self._children.setdefault(parent, {})[child.casefold()] = child
            self._values.setdefault("\\".join(parts[: i + 1]).casefold(), {})

    def subkeys(self, path: str) -> list[str]:
        return list(self._children.get(normalize(path).casefold(), {}).values())

    def values(self, path: str) -> list[tuple[str, str, Any]]:
        return [(name, kind, data) for name, (kind, data) in self._values.get(normalize(path).casefold(), {}).items()]


def walk(registry: Registry, path: str, max_depth: int = 8, max_keys: int = 5000) -> Iterator[tuple[str, int]]:
    """Every key at and below `path` (breadth first, bounded), with its depth."""
    queue = [(normalize(path), 0)]
    seen = 0
    while queue and seen < max_keys:
        key, depth = queue.pop(0)
        seen += 1
        yield key, depth
        if depth < max_depth:
            queue.extend((f"{key}\\{child}", depth + 1) for child in registry.subkeys(key))


def live() -> Registry:
    if sys.platform != "win32":
        raise RuntimeError("the live registry exists only on Windows")
    return LiveRegistry()
