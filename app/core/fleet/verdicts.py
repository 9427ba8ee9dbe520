"""Classifies each host of a fleet with the single-host classifier, in worker processes, into a HostVerdict.

A host's tables become an inventory through the same `inventory_of` as `offramp scan --inventory`, and
`classify` gets the same catalogue, the same replacement signatures and the same `now`; a HostVerdict keeps
only what a fleet summary lists (verdict, products and versions, leftovers, look-alikes), not the evidence.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from offramp.core.scan.findings import Findings

UNREADABLE = "unreadable"
# Worst first: what an admin must act on comes before what is merely old or fine.
VERDICT_ORDER = ("banned-installed", "leftovers", UNREADABLE, "clean")
BATCH = 256


@dataclass(frozen=True)
class Installed:
    product_id: str
    name: str
    edition: str | None
    version: str | None
    running: bool
    definitions_age_days: int | None


@dataclass(frozen=True)
class HostVerdict:
    key: str
    label: str
    platform: str | None
    verdict: str
    last_seen: str | None  # ISO 8601, UTC: the newest results line of the host
    stale: bool
    installed: tuple[Installed, ...] = ()
    leftovers: tuple[tuple[str, str, str], ...] = ()  # (product name, kind, name)
    lookalikes: tuple[str, ...] = ()
    error: str | None = None

    def rank(self) -> tuple[Any, ...]:
        oldest = max((p.definitions_age_days or 0 for p in self.installed), default=0)
        return (
            VERDICT_ORDER.index(self.verdict),
            not self.stale,
            -len(self.installed),
            -oldest,
            -len(self.leftovers),
            self.label.casefold(),
            self.key,
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["leftovers"] = [{"product": p, "kind": k, "name": n} for p, k, n in self.leftovers]
        return data


def from_findings(key: str, label: str, last_seen: str | None, stale: bool, findings: Findings) -> HostVerdict:
    return HostVerdict(
        key=key,
        label=label,
        platform=findings.platform,
        verdict=findings.verdict,
        last_seen=last_seen,
        stale=stale,
        installed=tuple(
            Installed(p.product_id, p.name, p.edition, p.version, p.running, p.definitions_age_days)
            for p in findings.installed
        ),
        leftovers=tuple((item.product_name, item.kind, item.name) for item in findings.leftovers),
        lookalikes=tuple(note.name for note in findings.notes),
    )


@dataclass
class HostInput:
    key: str
    label: str
    last_time: int
    stale: bool
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


_CONTEXT: dict[str, Any] = {}


def init_worker() -> None:
    if not _CONTEXT:
        from offramp.core.data.catalogue import load_catalogues

        _CONTEXT["catalogues"] = load_catalogues()
        _CONTEXT["known"] = {}


def _known(platform: str) -> list[tuple[str, str, dict[str, Any]]]:
    from offramp.core.scan.run import known_security_products

    known = _CONTEXT["known"]
    if platform not in known:
        known[platform] = known_security_products(platform)
    return known[platform]


def iso(unix_time: int) -> str | None:
    if unix_time <= 0:
        return None
    return dt.datetime.fromtimestamp(unix_time, dt.UTC).isoformat(timespec="seconds")


def classify_host(host: HostInput, now: dt.datetime) -> HostVerdict:
    from offramp.core.scan.classifier import classify
    from offramp.core.scan.inventory import InventoryError, inventory_of

    last_seen = iso(host.last_time)
    try:
        inventory = inventory_of(host.tables, host.label)
    except InventoryError as exc:
        return HostVerdict(host.key, host.label, None, UNREADABLE, last_seen, host.stale, error=str(exc))
    platform = inventory["platform"]
    from offramp.core.scan.run import merge

    # Every shipped catalogue, each classified on its own, as a local scan does.
    findings = merge([classify(c, inventory, now, _known(platform)) for c in _CONTEXT["catalogues"]])
    return from_findings(host.key, host.label, last_seen, host.stale, findings)


def classify_batch(batch: list[HostInput], now: dt.datetime) -> list[HostVerdict]:
    init_worker()
    return [classify_host(host, now) for host in batch]


def _batches(hosts: Iterable[HostInput], size: int) -> Iterator[list[HostInput]]:
    batch: list[HostInput] = []
    for host in hosts:
        batch.append(host)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def classify_all(
    hosts: Iterable[HostInput],
    now: dt.datetime,
    pool: ProcessPoolExecutor | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[HostVerdict]:
    """Every host's verdict, in the order the hosts were given."""
    out: list[HostVerdict] = []
    if pool is None:
        for batch in _batches(hosts, BATCH):
            out += classify_batch(batch, now)
            if progress:
                progress(len(batch))
        return out
    for verdicts in pool.map(classify_batch, _batches(hosts, BATCH), itertools.repeat(now)):
        out += verdicts
        if progress:
            progress(len(verdicts))
    return out
