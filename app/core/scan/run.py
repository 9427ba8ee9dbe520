"""A scan from start to end: choose where the inventory comes from, collect it, classify it against the catalogue.

The wizard, `offramp scan` and the migration's rescan all call `run_scan`, so what they report is the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from offramp.core.data.catalogue import Catalogue, combine, load_catalogues
from offramp.core.data.platforms import this_platform
from offramp.core.scan import inventory as inv
from offramp.core.scan.classifier import classify
from offramp.core.scan.collectors.scope import scope_from
from offramp.core.scan.findings import Findings

Progress = Callable[[str, float], None]


class ScanResult(NamedTuple):
    findings: Findings
    inventory: inv.Inventory
    source: inv.Source
    catalogue: Catalogue  # the one catalogue scanned, or all of them combined for lookups (catalogue.combine)
    catalogues: tuple[Catalogue, ...] = ()  # each catalogue scanned, for what is said per banned vendor

    @property
    def scanned(self) -> tuple[Catalogue, ...]:
        return self.catalogues or (self.catalogue,)

    def to_dict(self) -> dict[str, Any]:
        from offramp import __version__
        from offramp.core.data import timeline

        today = self.findings.scanned_at.date()
        each = []
        for catalogue in self.scanned:
            event = timeline.updates_stopped(catalogue, today)
            each.append(
                {
                    "id": catalogue.id,
                    "vendor": catalogue.vendor.name,
                    "headline": {
                        "mark": catalogue.headline.mark,
                        "date": event.event.date.isoformat(),
                        "days_ago": event.days,
                        "text": catalogue.headline_text("{:%Y-%m-%d}"),
                    },
                }
            )
        first = timeline.updates_stopped(self.scanned[0], today)
        return {
            "offramp_version": __version__,
            "catalogue": self.catalogue.id,
            "catalogues": each,
            "source": {"kind": self.source.kind, "detail": self.source.detail},
            # The first catalogue's headline event, under the name it had when one catalogue was shipped.
            "updates_cutoff": {"date": first.event.date.isoformat(), "days_ago": first.days},
            **self.findings.to_dict(),
        }


def collect(
    catalogue: Catalogue, *, root: Path | None = None, platform: str | None = None
) -> tuple[inv.Inventory, inv.Source]:
    """Collects this machine's inventory, or a mounted system's when `root` is given."""
    scope = scope_from(catalogue)
    if root is not None:
        from offramp.core.scan.target import check_root

        root = check_root(root)  # a folder that is not a system must not scan as "nothing found"
    if platform is None and root is not None:
        from offramp.core.scan.collectors import macos

        # A mounted Mac volume is read on any host, so the system under `root` decides, not this machine.
        if macos.is_macos_root(root):
            platform = "darwin"
    platform = platform or this_platform()
    if platform == "windows":
        if root is not None:
            raise ValueError("--root reads Linux and macOS systems; a Windows system is read on the machine itself")
        from offramp.core.scan.collectors import windows

        return windows.collect_live(scope), inv.Source("live", "this Windows machine")
    if platform == "darwin":
        from offramp.core.scan.collectors import macos

        return macos.collect(root or Path("/"), scope), inv.Source("root" if root else "live", str(root or "/"))
    from offramp.core.scan.collectors import linux

    return linux.collect(root or Path("/"), scope), inv.Source("root" if root else "live", str(root or "/"))


def known_security_products(platform: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Signatures for the replacement products, so a scan can report which are already present."""
    from offramp.core.data.replacements import load_replacements, presence_signatures

    return presence_signatures(load_replacements(), platform)


def run_scan(
    *,
    root: Path | None = None,
    inventory_file: Path | None = None,
    platform: str | None = None,
    catalogue: Catalogue | None = None,
    catalogue_id: str | None = None,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Scans against `catalogue`, or every shipped catalogue (only `catalogue_id` when given). Its progress
    messages are offramp.core.i18n.Text: English, and shown in the reader's language with i18n.shown()."""
    from offramp.core.i18n import Text

    report = progress or (lambda _msg, _frac: None)
    report(Text("Reading what Offramp knows about the banned products"), 0.05)
    if catalogue is not None:
        catalogues = catalogue.parts or (catalogue,)  # a combined catalogue is classified part by part
    else:
        catalogues = load_catalogues(catalogue_id)
    catalogue = combine(catalogues)
    if inventory_file is not None:
        report(Text("Reading the inventory file"), 0.2)
        inventory = inv.load(inventory_file, platform)
        source = inv.Source("file", str(inventory_file))
    else:
        report(Text("Looking at installed programs, services and folders"), 0.2)
        inventory, source = collect(catalogue, root=root, platform=platform)
    report(Text("Comparing with the catalogue"), 0.8)
    known = known_security_products(inventory["platform"])
    findings = merge([classify(c, inventory, now, known) for c in catalogues])
    report(Text("Done"), 1.0)
    return ScanResult(findings=findings, inventory=inventory, source=source, catalogue=catalogue, catalogues=catalogues)


def merge(each: list[Findings]) -> Findings:
    """One catalogue's findings after another's; a security product seen by several is listed once."""
    if len(each) == 1:
        return each[0]
    merged = Findings.empty(each[0].platform, each[0].scanned_at)
    seen: set[str] = set()
    for findings in each:
        for name in ("installed", "leftovers", "shared", "notes", "guest_installs"):
            getattr(merged, name).extend(getattr(findings, name))
        for product in findings.other_security_products:
            if product.name.casefold() not in seen:
                seen.add(product.name.casefold())
                merged.other_security_products.append(product)
    merged.installed.sort(key=lambda p: (p.removal_order if p.removal_order is not None else 1000, p.product_id))
    return merged
