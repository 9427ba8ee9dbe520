"""What a scan found, as plain data: installed banned products, leftovers, look-alike notes, other security products.

These objects are what the planner, the wizard, the report and `offramp scan --json` all read, so
each carries the exact inventory rows (evidence) that produced it. They are NamedTuples, built by keyword,
for the reason catalogue.py gives.
The lists inside are the classifier's to fill; nothing changes a finding once the scan returns it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple


class Evidence(NamedTuple):
    table: str
    row: dict[str, Any]
    signature: str  # "<item id>/<platform>/<index>": which catalogue line matched


class InstalledProduct(NamedTuple):
    product_id: str
    name: str
    family: str
    edition: str | None
    version: str | None
    install_location: str | None
    removal_order: int | None
    removal_methods: list[str]
    reboot: str | None
    running: bool
    protecting: bool | None  # None: this machine does not say
    definitions_date: str | None  # ISO 8601, UTC
    definitions_age_days: int | None
    product_codes: list[str]
    packages: list[str]
    data_at_risk: list[str]
    evidence: Sequence[Evidence] = ()
    protects: bool = True  # False for companions (VPN, password manager): no virus definitions to age


class Leftover(NamedTuple):
    product_id: str
    product_name: str
    kind: str  # service, driver, key, folder, file, process, unit, launchd, kext, receipt, extension, app, package
    name: str
    evidence: Sequence[Evidence] = ()


class Note(NamedTuple):
    """Something that looks like the banned product but is not, or a not-covered product of its vendor."""

    id: str
    name: str
    maker: str
    kind: str
    reason: str
    evidence: Sequence[Evidence] = ()


class SecurityProduct(NamedTuple):
    name: str
    source: str  # where it was seen: windows_security_products, a replacement playbook, the catalogue
    state: str | None = None
    up_to_date: bool | None = None
    replacement_id: str | None = None


class Findings(NamedTuple):
    platform: str
    scanned_at: dt.datetime
    installed: list[InstalledProduct]
    leftovers: list[Leftover]
    shared: list[Leftover]  # vendor-wide parts that go with an installed product
    notes: list[Note]
    other_security_products: list[SecurityProduct]

    @classmethod
    def empty(cls, platform: str, scanned_at: dt.datetime, installed: list[InstalledProduct] | None = None) -> Findings:
        """Findings with nothing in them yet (or only `installed`), for the classifier to fill."""
        return cls(
            platform=platform,
            scanned_at=scanned_at,
            installed=installed if installed is not None else [],
            leftovers=[],
            shared=[],
            notes=[],
            other_security_products=[],
        )

    @property
    def verdict(self) -> str:
        if self.installed:
            return "banned-installed"
        if self.leftovers:
            return "leftovers"
        return "clean"

    @property
    def clean(self) -> bool:
        return self.verdict == "clean"

    def to_dict(self) -> dict[str, Any]:
        data = _plain(self)
        data["scanned_at"] = self.scanned_at.isoformat(timespec="seconds")
        data["verdict"] = self.verdict
        return data


def _plain(value: Any) -> Any:
    """A finding as JSON-ready data, recursively (what dataclasses.asdict did): tuples become lists."""
    if hasattr(value, "_asdict"):
        return {key: _plain(item) for key, item in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
