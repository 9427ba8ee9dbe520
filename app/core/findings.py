"""What a scan found, as plain data: installed banned products, leftovers, look-alike notes, other security products.

These objects are what the planner, the wizard, the report and `offramp scan --json` all read, so
each carries the exact inventory rows (evidence) that produced it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Evidence:
    table: str
    row: dict[str, Any]
    signature: str  # "<item id>/<platform>/<index>": which catalogue line matched


@dataclass
class InstalledProduct:
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
    evidence: list[Evidence] = field(default_factory=list)
    protects: bool = True  # False for companions (VPN, password manager): no virus definitions to age


@dataclass
class Leftover:
    product_id: str
    product_name: str
    kind: str  # service, driver, key, folder, file, process, unit, launchd, kext, receipt, extension, app, package
    name: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Note:
    """Something that looks like the banned product but is not, or a not-covered product of its vendor."""

    id: str
    name: str
    maker: str
    kind: str
    reason: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class SecurityProduct:
    name: str
    source: str  # where it was seen: windows_security_products, a replacement playbook, the catalogue
    state: str | None = None
    up_to_date: bool | None = None
    replacement_id: str | None = None


@dataclass
class Findings:
    platform: str
    scanned_at: dt.datetime
    installed: list[InstalledProduct] = field(default_factory=list)
    leftovers: list[Leftover] = field(default_factory=list)
    shared: list[Leftover] = field(default_factory=list)  # vendor-wide parts that go with an installed product
    notes: list[Note] = field(default_factory=list)
    other_security_products: list[SecurityProduct] = field(default_factory=list)

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
        data = asdict(self)
        data["scanned_at"] = self.scanned_at.isoformat(timespec="seconds")
        data["verdict"] = self.verdict
        return data
