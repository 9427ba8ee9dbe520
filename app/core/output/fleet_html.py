"""A fleet scan as one printable HTML page an admin can show a manager: counts, a chart, the worst hosts first.

Self-contained like the migration report (report_html.py), on the same page skeleton and escape
(page.py): inline CSS and an inline SVG chart, no script, nothing fetched. Host names, product names and
versions come from the hosts, so every one is escaped.
"""

from __future__ import annotations

from typing import Any

from offramp.core.fleet.render import VERDICT_WORDS
from offramp.core.fleet.scan import FleetResult
from offramp.core.fleet.verdicts import HostVerdict
from offramp.core.output.page import Html, document, escape
from offramp.core.output.report_html import CSS

HOSTS_SHOWN = 50
# Colour per verdict, each with at least 4.5:1 contrast for the white numbers drawn on it.
COLOURS = {"banned-installed": "#b71c1c", "leftovers": "#8a5300", "unreadable": "#4a4a4a", "clean": "#1b5e20"}
FLEET_CSS = """
table.tiles { border-collapse: separate; border-spacing: 8px 0; width: 100%; margin: 8px -8px; }
table.tiles td { border: 2px solid #555555; padding: 8px 10px; width: 25%; vertical-align: top; }
.big { font-size: 22pt; font-weight: bold; }
.share { font-size: 9pt; color: #3d3d3d; }
"""


def _e(value: Any) -> str:
    return str(escape(value))


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}%" if total else "0%"


def _tiles(by_verdict: dict[str, int], total: int) -> str:
    cells = []
    for verdict in ("banned-installed", "leftovers", "unreadable", "clean"):
        n = by_verdict.get(verdict, 0)
        colour = COLOURS[verdict]
        cells.append(
            f'<td style="border-color: {colour}"><div class="big" style="color: {colour}">{n:,}</div>'
            f'<div>{_e(VERDICT_WORDS[verdict])}</div><div class="share">{_pct(n, total)} of hosts</div></td>'
        )
    return '<table class="tiles"><tr>' + "".join(cells) + "</tr></table>"


def chart_svg(by_verdict: dict[str, int], width: int = 640, bar: int = 26) -> str:
    """Horizontal bars, one per verdict, with the count written beside each; readable in black and white."""
    total = max(1, sum(by_verdict.values()))
    label_w, gap = 190, 8
    rows = [(v, by_verdict.get(v, 0)) for v in ("banned-installed", "leftovers", "unreadable", "clean")]
    height = len(rows) * (bar + gap) + gap
    scale = (width - label_w - 90) / total
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="Hosts by result" viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif">'
    ]
    for i, (verdict, n) in enumerate(rows):
        y = gap + i * (bar + gap)
        w = max(1.0, n * scale) if n else 0
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar * 0.68:.0f}" text-anchor="end" font-size="13" fill="#1a1a1a">'
            f"{_e(VERDICT_WORDS[verdict])}</text>"
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" fill="{COLOURS[verdict]}" />'
            f'<text x="{label_w + w + 6:.1f}" y="{y + bar * 0.68:.0f}" font-size="13" fill="#1a1a1a">'
            f"{n:,} ({_pct(n, total)})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _host_row(host: HostVerdict) -> str:
    colour = COLOURS[host.verdict]
    what = "; ".join(f"{p.edition or p.name} {p.version or ''}".strip() for p in host.installed)
    if host.leftovers:
        what += ("; " if what else "") + f"{len(host.leftovers)} leftover{'s' if len(host.leftovers) > 1 else ''}"
    ages = [p.definitions_age_days for p in host.installed if p.definitions_age_days is not None]
    return (
        f"<tr><td>{_e(host.label)}</td>"
        f'<td class="status" style="color: {colour}">{_e(VERDICT_WORDS[host.verdict])}</td>'
        f"<td>{_e(what or host.error or '')}</td>"
        f'<td class="num">{_e(max(ages)) + " days" if ages else ""}</td>'
        f'<td class="num">{_e((host.last_seen or "")[:10])}{" (stale)" if host.stale else ""}</td></tr>'
    )


def render(result: FleetResult, vendor: str) -> str:
    s = result.summary
    banned = s.by_verdict.get("banned-installed", 0)
    headline = (
        f"{banned:,} of {s.hosts:,} hosts still have {vendor} software installed"
        if banned
        else f"No host has {vendor} software installed"
    )
    worst = [h for h in result.hosts if h.verdict != "clean" or h.stale][:HOSTS_SHOWN]
    out = [
        "<h1>Offramp fleet summary</h1>",
        f'<div class="meta">{s.hosts:,} hosts · results up to {_e((s.newest_result or "undated")[:16])} UTC'
        f" · summarised {_e(s.scanned_at[:16])} UTC</div>",
        f'<p class="headline">{_e(headline)}.</p>',
        _tiles(s.by_verdict, s.hosts),
        f"<p>{s.stale:,} hosts sent no result in the {s.stale_days} days before the newest one "
        "(switched off, or osquery stopped): their result may be out of date.</p>",
        "<h2>Hosts by result</h2>",
        chart_svg(s.by_verdict),
    ]
    if s.installed:
        out.append(f"<h2>{_e(vendor)} software still installed</h2>")
        out.append('<table class="data"><tr><th>Product</th><th>Version</th><th>Hosts</th></tr>')
        out += [
            f'<tr><td>{_e(r["product"])}</td><td>{_e(r["version"])}</td><td class="num">{r["hosts"]:,}</td></tr>'
            for r in s.installed
        ]
        out.append("</table>")
    if s.leftovers:
        out.append("<h2>Leftovers of removed software</h2>")
        out.append('<table class="data"><tr><th>Product</th><th>Hosts</th></tr>')
        out += [f'<tr><td>{_e(r["product"])}</td><td class="num">{r["hosts"]:,}</td></tr>' for r in s.leftovers]
        out.append("</table>")
    if worst:
        more = sum(1 for h in result.hosts if h.verdict != "clean" or h.stale) - len(worst)
        out.append("<h2>Hosts to act on, worst first</h2>")
        out.append(
            '<table class="data"><tr><th>Host</th><th>Result</th><th>What</th>'
            "<th>Definitions age</th><th>Last result</th></tr>"
        )
        out += [_host_row(h) for h in worst]
        out.append("</table>")
        if more > 0:
            out.append(f"<p class=\"meta\">{more:,} more; 'offramp fleet scan --csv' lists every host.</p>")
    if s.unreadable_lines:
        out.append(f'<p class="meta">{s.unreadable_lines:,} of {s.lines_read:,} log lines could not be read.</p>')
    # Each piece above is markup whose values were escaped where it was written.
    return document(f"Offramp fleet summary: {headline}", CSS + FLEET_CSS, [Html(part) for part in out])
