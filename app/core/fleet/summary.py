"""A fleet's verdicts summed up: hosts per verdict, stale hosts, and which products and versions are where."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from offramp.core.fleet.verdicts import VERDICT_ORDER, HostVerdict, iso

if TYPE_CHECKING:
    from offramp.core.fleet.reader import Fleet


@dataclass
class Summary:
    hosts: int
    by_verdict: dict[str, int]
    stale: int
    stale_days: int
    newest_result: str | None
    scanned_at: str
    installed: list[dict[str, Any]] = field(default_factory=list)  # {product, version, hosts}, most hosts first
    leftovers: list[dict[str, Any]] = field(default_factory=list)  # {product, hosts}
    lines_read: int = 0
    unreadable_lines: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.by_verdict.get("clean", 0) == self.hosts

    def to_dict(self) -> dict[str, Any]:
        return {
            "hosts": self.hosts,
            "by_verdict": self.by_verdict,
            "stale": self.stale,
            "stale_days": self.stale_days,
            "newest_result": self.newest_result,
            "scanned_at": self.scanned_at,
            "installed": self.installed,
            "leftovers": self.leftovers,
            "lines_read": self.lines_read,
            "unreadable_lines": self.unreadable_lines,
            "problems": self.problems,
        }


def summarise(hosts: list[HostVerdict], fleet: Fleet, now: dt.datetime, stale_days: int) -> Summary:
    verdict_counts = Counter(h.verdict for h in hosts)
    installed: Counter[tuple[str, str]] = Counter()
    leftovers: Counter[str] = Counter()
    for host in hosts:
        # A host counts once per product and version, however many signatures found it.
        installed.update({(p.edition or p.name, p.version or "unknown") for p in host.installed})
        leftovers.update({product for product, _kind, _name in host.leftovers})
    newest = max((h.last_time for h in fleet.hosts.values()), default=0)
    return Summary(
        hosts=len(hosts),
        by_verdict={v: verdict_counts.get(v, 0) for v in VERDICT_ORDER},
        stale=sum(1 for h in hosts if h.stale),
        stale_days=stale_days,
        newest_result=iso(newest),
        scanned_at=now.isoformat(timespec="seconds"),
        installed=[
            {"product": product, "version": version, "hosts": n}
            for (product, version), n in sorted(installed.items(), key=lambda item: (-item[1], item[0]))
        ],
        leftovers=[
            {"product": product, "hosts": n} for product, n in sorted(leftovers.items(), key=lambda i: (-i[1], i[0]))
        ],
        lines_read=fleet.lines,
        unreadable_lines=fleet.bad_lines,
        problems=[f"{p.where}: {p.message}" for p in fleet.problems],
    )
