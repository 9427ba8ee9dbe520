"""A fleet scan as text for a terminal, CSV for a spreadsheet or JSON for tools (HTML: output/fleet_html.py)."""

from __future__ import annotations

import csv
import io
from typing import Any

from offramp.core.fleet.scan import FleetResult
from offramp.core.fleet.verdicts import HostVerdict

VERDICT_WORDS = {
    "banned-installed": "banned software installed",
    "leftovers": "leftovers only",
    "unreadable": "results unreadable",
    "clean": "clean",
}
CSV_COLUMNS = (
    "host",
    "key",
    "platform",
    "verdict",
    "stale",
    "last_seen",
    "installed",
    "versions",
    "oldest_definitions_days",
    "leftovers",
    "lookalikes",
    "error",
)
TEXT_HOSTS = 20  # the terminal shows the worst hosts; --csv or --json lists them all


def to_json(result: FleetResult) -> dict[str, Any]:
    return {"summary": result.summary.to_dict(), "hosts": [h.to_dict() for h in result.hosts]}


def csv_row(host: HostVerdict) -> list[Any]:
    ages = [p.definitions_age_days for p in host.installed if p.definitions_age_days is not None]
    return [
        host.label,
        host.key,
        host.platform or "",
        host.verdict,
        "yes" if host.stale else "no",
        host.last_seen or "",
        "; ".join(p.edition or p.name for p in host.installed),
        "; ".join(p.version or "unknown" for p in host.installed),
        max(ages) if ages else "",
        "; ".join(f"{kind} {name}" for _product, kind, name in host.leftovers),
        "; ".join(host.lookalikes),
        host.error or "",
    ]


def to_csv(result: FleetResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for host in result.hosts:
        # A cell a spreadsheet would run as a formula (=, +, -, @) is prefixed: host names come from the hosts.
        writer.writerow([f"'{c}" if isinstance(c, str) and c[:1] in "=+-@" else c for c in csv_row(host)])
    return out.getvalue()


def to_text(result: FleetResult, vendor: str) -> str:
    s = result.summary
    lines = [f"Offramp fleet scan: {s.hosts} hosts, newest result {s.newest_result or 'undated'}"]
    for verdict, n in s.by_verdict.items():
        lines.append(f"  {VERDICT_WORDS[verdict]:<28} {n:>8}")
    lines.append(f"  {'stale (no result for ' + str(s.stale_days) + ' days)':<28} {s.stale:>8}")
    if s.installed:
        lines += ["", f"{vendor} software installed, by product and version (hosts):"]
        lines += [f"  {row['hosts']:>8}  {row['product']} {row['version']}" for row in s.installed]
    if s.leftovers:
        lines += ["", "Leftovers, by product (hosts):"]
        lines += [f"  {row['hosts']:>8}  {row['product']}" for row in s.leftovers]
    worst = [h for h in result.hosts if h.verdict != "clean" or h.stale][:TEXT_HOSTS]
    if worst:
        lines += ["", f"Worst hosts first ({len(worst)} shown; --csv or --json lists every host):"]
        for host in worst:
            what = ", ".join(f"{p.edition or p.name} {p.version or ''}".strip() for p in host.installed)
            what = what or (f"{len(host.leftovers)} leftovers" if host.leftovers else (host.error or ""))
            stale = " [stale]" if host.stale else ""
            lines.append(f"  {host.label}: {VERDICT_WORDS[host.verdict]}{stale}" + (f" - {what}" if what else ""))
    if s.unreadable_lines:
        lines += ["", f"{s.unreadable_lines} of {s.lines_read} lines could not be read, for example:"]
        lines += [f"  {p}" for p in s.problems]
    return "\n".join(lines) + "\n"
