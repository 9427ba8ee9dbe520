"""The Windows fixture machines (tests/fixtures/windows/products.yaml) as MsiSpecs and extras for a WineBed.

The YAML is data: which Kaspersky-shaped products, look-alikes and replacements exist, and which services,
drivers and registry values go next to them. This module turns it into ``msibuild.MsiSpec`` objects and
applies or removes the extras on a ``WineBed`` with reg.exe and sc.exe (kernel drivers, REG_EXPAND_SZ and
WOW6432Node values written after the fact cannot come from a wixl-built MSI).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.support.msibuild import MsiService, MsiSpec, RegistryValue
from tests.support.winebed import ServiceKind, ServiceStart, WineBed

__all__ = ["FIXTURES_FILE", "Extras", "ExtraService", "ExtraValue", "WindowsFixtures", "load_windows_fixtures"]

FIXTURES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "windows" / "products.yaml"


@dataclass(frozen=True)
class ExtraValue:
    """A registry value written with reg.exe; ``key`` is a full path such as ``HKLM\\SOFTWARE\\...``."""

    key: str
    name: str
    value: str | int
    kind: str | None = None


@dataclass(frozen=True)
class ExtraService:
    """A service or driver created with sc.exe (``kind``: own, share, kernel or filesys)."""

    name: str
    binary_path: str
    display_name: str
    kind: ServiceKind = "own"
    start: ServiceStart = "demand"


@dataclass(frozen=True)
class Extras:
    registry: tuple[ExtraValue, ...] = ()
    services: tuple[ExtraService, ...] = ()

    def apply(self, bed: WineBed) -> None:
        for value in self.registry:
            bed.reg_add(value.key, value.name or None, value.value, value.kind)
        for service in self.services:
            bed.create_service(
                service.name,
                service.binary_path,
                display_name=service.display_name,
                kind=service.kind,
                start=service.start,
            )

    def remove(self, bed: WineBed) -> None:
        """Undo ``apply``: delete the services and the values (keys it created may stay, empty)."""
        for service in self.services:
            bed.delete_service(service.name)
        for value in self.registry:
            bed.reg_delete(value.key, value.name)


@dataclass(frozen=True)
class WindowsFixtures:
    packages: Mapping[str, MsiSpec] = field(default_factory=dict)
    extras: Mapping[str, Extras] = field(default_factory=dict)


def load_windows_fixtures(path: Path = FIXTURES_FILE) -> WindowsFixtures:
    """Parse the fixture file; unknown or missing fields raise, naming the entry."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    packages = {pid: _package(pid, entry) for pid, entry in data.get("packages", {}).items()}
    extras = {eid: _extras(eid, entry) for eid, entry in data.get("extras", {}).items()}
    return WindowsFixtures(packages, extras)


def _package(pid: str, entry: dict[str, Any]) -> MsiSpec:
    try:
        fields = dict(entry)
        fields["registry"] = tuple(RegistryValue(**v) for v in fields.get("registry", ()))
        fields["services"] = tuple(MsiService(**s) for s in fields.get("services", ()))
        fields["version"] = str(fields["version"])
        return MsiSpec(**fields)
    except (TypeError, KeyError, ValueError) as exc:
        raise ValueError(f"{FIXTURES_FILE.name}: package {pid}: {exc}") from exc


def _extras(eid: str, entry: dict[str, Any]) -> Extras:
    try:
        return Extras(
            registry=tuple(ExtraValue(**v) for v in entry.get("registry", ())),
            services=tuple(ExtraService(**s) for s in entry.get("services", ())),
        )
    except TypeError as exc:
        raise ValueError(f"{FIXTURES_FILE.name}: extras {eid}: {exc}") from exc
