"""The migration report as a printable HTML page, for a helpdesk ticket or for the person at home.

It renders the typed `Report` of app/core/migrate/report.py (read from a file by `report.load`, or
built by `report.build` in the same process) as one self-contained HTML5 document: inline CSS only, no
scripts, no images, nothing fetched from anywhere, so it can be attached to a ticket, opened offline or
printed. Every value that comes from the report is escaped: reports carry names read from the machine
(program names, paths, messages), and those are data, not markup.

The GUI prints this page to PDF with Qt's QTextDocument, which understands only a subset of HTML and
CSS. So the layout uses tables, divs, lists and simple properties (colour, background, border,
padding, margin, font size) and nothing newer: no flex, no grid, no positioning, no web fonts.
Browsers get a little more through @media print, which QTextDocument leaves alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from offramp.core import exitcodes
from offramp.core.data import platforms
from offramp.core.migrate.report import Report, ReportStep, playbook_line
from offramp.core.output.page import Html, document, html, join
from offramp.core.output.verdict import REBOOT_CODES, machine_state, verdict

# status -> (icon, words, css class). Icons are text, not images, so the page stays self-contained
# and a screen reader reads the words next to them.
STATUS = {
    "done": ("\u2713", "done", "ok"),
    "skipped": ("\u2013", "skipped", "muted"),
    "failed": ("\u2717", "failed", "bad"),
    "cancelled": ("\u2717", "cancelled", "bad"),
    # U+2016 rather than the pause sign U+23F8: DejaVu and other common fonts have no U+23F8, and
    # QTextDocument printed it as an empty box; the double bar reads as "pause" and is everywhere.
    "waiting": ("\u2016", "waiting for a restart", "wait"),
    "running": ("\u2026", "interrupted while running", "wait"),
    "pending": ("\u2026", "pending", "muted"),
}
SEP = " \u00b7 "  # a middle dot between facts on one line
NBSP = "\u00a0"  # keeps a status icon on the same line as its words when the column is narrow

# On top of the shared rules (app/core/output/page.py). Every text colour reaches at least 4.5:1 against
# its background (WCAG AA), and the boxes carry a border, so they stay distinguishable when the colour is lost.
CSS = """
h1 { font-size: 20pt; margin-bottom: 2px; }
h2 { margin-top: 18px; margin-bottom: 6px; }
.meta { color: #3d3d3d; font-size: 10pt; }
.label { color: #3d3d3d; font-size: 9pt; }
.code { font-family: "DejaVu Sans Mono", Consolas, "Courier New", monospace; font-size: 24pt;
        font-weight: bold; color: #000000; letter-spacing: 2pt; }
table.head { border-collapse: collapse; margin-bottom: 10px; }
table.head td { border-bottom: 3px solid #0b3d66; padding-bottom: 6px; }
table.box { border-collapse: collapse; width: 100%; margin-top: 6px; margin-bottom: 6px; }
table.box td { padding: 8px 10px; border: 2px solid #555555; background-color: #f2f2f2; }
.headline { font-size: 14pt; font-weight: bold; }
table.outcome-ok td { border-color: #1b5e20; background-color: #e8f5e9; color: #1b5e20; }
table.outcome-bad td { border-color: #b71c1c; background-color: #fdecea; color: #8e0000; }
table.outcome-warn td { border-color: #8a5300; background-color: #fff4e0; color: #6b4000; }
table.outcome-wait td { border-color: #8a5300; background-color: #fff4e0; color: #6b4000; }
table.todo td { border-color: #8a5300; background-color: #fffaf0; }
.detail { font-size: 11pt; font-weight: normal; color: #1a1a1a; }
table.data { border-collapse: collapse; width: 100%; margin-top: 2px; margin-bottom: 4px; }
table.data th { text-align: left; font-size: 9pt; color: #3d3d3d; background-color: #eef2f6;
                border: 1px solid #c4ced8; padding: 3px 6px; }
table.data td { border: 1px solid #c4ced8; padding: 5px 6px; vertical-align: top; }
.num { white-space: nowrap; color: #3d3d3d; font-size: 10pt; }
.status { font-weight: bold; }
.ok { color: #1b5e20; }
.bad { color: #b71c1c; }
.wait { color: #8a5300; }
.muted { color: #555555; }
.msg { font-size: 10pt; color: #2b2b2b; }
.times { font-size: 8.5pt; color: #555555; }
ul, ol { margin-top: 2px; margin-bottom: 4px; }
li { margin-bottom: 2px; }
table.footer { border-collapse: collapse; margin-top: 24px; }
table.footer td { border-top: 1px solid #9fb3c8; padding-top: 6px; font-size: 8.5pt; color: #555555; }
@media print {
  tr { page-break-inside: avoid; }
}
"""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _long_date(value: Any) -> str:
    """ "29 November 2026, 14:03 UTC": unambiguous on both sides of the Atlantic, unlike 11/29 or 29/11."""
    when = _parse_time(value)
    if when is None:
        return str(value) if value else "date unknown"
    text = f"{when.day} {when:%B %Y, %H:%M}"
    if when.utcoffset() == dt.timedelta(0):
        return text + " UTC"
    return text + (f" (UTC{when:%z})" if when.tzinfo else "")


def _clock(value: Any) -> str:
    when = _parse_time(value)
    return f"{when:%H:%M:%S}" if when else str(value)


def _stop_step(steps: list[ReportStep]) -> ReportStep | None:
    """The step where the run stopped or paused: the first one that is not finished."""
    for step in steps:
        if step.status in ("failed", "cancelled", "waiting", "running"):
            return step
    return next((step for step in steps if step.status == "pending"), None)


def outcome_line(report: Report) -> tuple[str, str, str | None]:
    """(css class, the plain-language outcome, a second line or None) for the top of the report. What it may
    claim follows app/core/output/verdict.py, the rule the wizard's last page follows too."""
    total = len(report.steps)
    stop = _stop_step(report.steps)
    where = ""
    message = None
    if stop:
        where = f"step {stop.number} of {total}: {stop.title or stop.id or '?'}"
        message = stop.message
    found = verdict(report)
    code = report.exit_code
    if found.tone in ("ok", "warn"):
        return f"outcome-{found.tone}", found.headline, found.detail
    if code in REBOOT_CODES:
        return "outcome-wait", "Waiting for a restart" + (f" at {where}" if where else ""), found.detail
    if code is None:
        return "outcome-wait", "Not finished yet" + (f": next is {where}" if where else ""), message
    words = report.outcome or exitcodes.DESCRIPTIONS.get(code, "failed")
    text = f"Stopped at {where}, exit {code}: {words}" if where else f"Stopped, exit {code}: {words}"
    second = " ".join(part for part in (message, machine_state(report)) if part)
    return "outcome-bad", text, second or None


def _strip_verb(title: Any, verb: str) -> str:
    # Reports hold product names here; older ones held the step titles ("Remove X", "Install Y"), whose
    # verb would only repeat the heading "What was removed" / "What was installed".
    text = str(title)
    return text[len(verb) + 1 :] if text.startswith(verb + " ") else text


def _steps_table(steps: list[ReportStep]) -> Html:
    total = len(steps)
    rows = []
    for step in steps:
        icon, words, css = STATUS.get(step.status, ("?", step.status, "muted"))
        times = []
        if step.started:
            times.append(f"started {_clock(step.started)}")
        if step.finished:
            times.append(f"finished {_clock(step.finished)}")
        if step.attempts > 1:
            times.append(f"{step.attempts} attempts")
        cell = [html("<b>{}</b>", step.title or step.id)]
        if step.message:
            cell.append(html('<br /><span class="msg">{}</span>', step.message))
        if times:
            cell.append(html('<br /><span class="times">{}</span>', ", ".join(times)))
        rows.append(
            html(
                '<tr><td class="num" width="14%">Step {} of {}</td>'
                '<td class="status {}" width="19%">{}{}{}</td><td>{}</td></tr>',
                step.number,
                total,
                css,
                icon,
                NBSP,
                words,
                join(cell),
            )
        )
    head = Html('<tr><th width="14%">Step</th><th width="19%">Status</th><th>What Offramp did</th></tr>')
    return html('<table class="data" width="100%" cellspacing="0" cellpadding="4">{}{}</table>', head, join(rows))


def _box(css: str, inner: Html) -> Html:
    # A one-cell table rather than a div: QTextDocument draws neither borders nor padding on a div,
    # so a boxed div would print as bare text.
    return html(
        '<table class="box {}" width="100%" cellspacing="0" cellpadding="8"><tr><td>{}</td></tr></table>', css, inner
    )


def _bullets(items: list[Any], ordered: bool = False) -> Html:
    tag = "ol" if ordered else "ul"
    return html("<{0}>{1}</{0}>", tag, join(html("<li>{}</li>", item) for item in items))


def _checks_table(verification: dict[str, Any]) -> Html:
    checks = [c for c in _list(verification.get("checks")) if isinstance(c, dict)]
    if not checks:
        return Html("")
    rows = []
    for check in checks:
        passed = check.get("passed")
        if passed is True:
            icon, words, css = "\u2713", "passed", "ok"
        elif passed is False:
            icon, words, css = "\u2717", "failed", "bad"
        else:  # None: the check did not apply or could not be made on this system
            icon, words, css = "\u2013", "not checked", "muted"
        rows.append(
            html(
                '<tr><td>{}</td><td class="status {}">{}{}{}</td><td class="msg">{}</td></tr>',
                check.get("check"),
                css,
                icon,
                NBSP,
                words,
                check.get("detail"),
            )
        )
    return html(
        '<table class="data" width="100%" cellspacing="0" cellpadding="4">'
        '<tr><th width="30%">Check</th><th width="18%">Result</th><th>Detail</th></tr>{}</table>',
        join(rows),
    )


def _rescan_section(rescan: dict[str, Any]) -> Html:
    parts = []
    installed = _list(rescan.get("installed"))
    leftovers = _list(rescan.get("leftovers"))
    if rescan.get("verdict") is not None:
        parts.append(html("<p>Result of the last scan: <b>{}</b></p>", rescan["verdict"]))
    if installed:
        parts.append(html("<p>Still installed:</p>{}", _bullets(installed)))
    else:
        parts.append(Html('<p class="ok">\u2713 Nothing banned is installed.</p>'))
    if leftovers:
        parts.append(html("<p>Leftovers that remain:</p>{}", _bullets(leftovers)))
    return join(parts)


def _found_table(found: list[dict[str, Any]]) -> Html:
    """Each finding with its certainty and rule: certain ones are removed, probable ones wait for a person."""
    rows = []
    for item in found:
        certainty = str(item.get("certainty") or "certain")
        action = "planned for removal" if item.get("removed") else "kept until a person confirms it"
        rows.append(
            html(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                item.get("name") or "",
                item.get("kind") or "",
                certainty,
                action,
                item.get("rule") or "",
            )
        )
    head = Html("<tr><th>Found</th><th>Kind</th><th>Certainty</th><th>Action</th><th>Rule</th></tr>")
    return html("<table>{}{}</table>", head, join(rows))


def render_report(report: Report) -> str:
    """The whole report as one HTML5 document (a str). Missing fields are left out, never guessed."""
    steps = report.steps
    code = report.support_code or "none"
    platform = platforms.display_name(report.platform)
    css, headline, second = outcome_line(report)
    # A step that never ran leaves an empty dict here (report.build copies the step's data), and an
    # empty rescan must not read as "nothing banned is installed".
    verification = report.verification or None
    rescan = report.rescan if report.rescan and "verdict" in report.rescan else None
    started = report.started or next((s.started for s in steps if s.started), None)

    meta = [_long_date(started), platform]
    if report.root:
        meta.append(f"system at {report.root}")
    if report.replacement:
        meta.append(f"moving to {report.replacement}")
    if report.dry_run:
        meta.append("dry run")

    # A two-cell table, not floats: it is the one side-by-side layout QTextDocument draws reliably.
    out = [
        html(
            '<table class="head" width="100%" cellspacing="0" cellpadding="0"><tr>'
            '<td valign="bottom"><h1>Offramp report</h1><div class="meta">{}</div></td>'
            '<td valign="bottom" align="right" width="40%"><div class="label">Support code</div>'
            '<div class="code">{}</div></td></tr></table>',
            SEP.join(meta),
            code,
        ),
        _box(
            css,
            html('<span class="headline">{}</span>', headline)
            + (html('<br /><span class="detail">{}</span>', second) if second else ""),
        ),
        Html(
            '<p class="meta">Quote the support code when you contact your helpdesk: it finds this '
            "migration in Offramp's records.</p>"
        ),
    ]
    if report.playbook and report.playbook.get("id"):
        out.append(html('<p class="meta">{}</p>', playbook_line(report.playbook)))

    if report.to_do_by_hand:
        out.append(Html("<h2>To do by hand</h2>"))
        out.append(_box("todo", _bullets(report.to_do_by_hand, ordered=True)))

    out.append(html("<h2>Steps ({})</h2>", len(steps)))
    out.append(_steps_table(steps) if steps else Html("<p>No steps were recorded.</p>"))

    if report.found:
        out.append(Html("<h2>What the scan found</h2>"))
        out.append(_found_table(report.found))

    nothing = Html("<p>Nothing.</p>")
    out.append(Html("<h2>What was removed</h2>"))
    out.append(_bullets([_strip_verb(t, "Remove") for t in report.removed]) if report.removed else nothing)
    out.append(Html("<h2>What was installed</h2>"))
    out.append(_bullets([_strip_verb(t, "Install") for t in report.installed]) if report.installed else nothing)

    if verification is not None:
        out.append(Html("<h2>Protection checks</h2>"))
        protecting = verification.get("protecting")
        if protecting is True:
            out.append(Html('<p class="ok">\u2713 The replacement reports that it is protecting this computer.</p>'))
        elif protecting is False:
            out.append(Html('<p class="bad">\u2717 The replacement is not protecting this computer yet.</p>'))
        out.append(_checks_table(verification))
    if rescan is not None:
        out.append(Html("<h2>Final scan</h2>"))
        out.append(_rescan_section(rescan))
    if report.warnings:
        out.append(Html("<h2>Warnings</h2>"))
        out.append(_bullets(report.warnings))

    footer = [f"Offramp {report.offramp_version or ''}".strip()]
    if report.plan_fingerprint:
        footer.append(f"plan {report.plan_fingerprint}")
    if report.exit_code is not None:
        footer.append(f"exit code {report.exit_code}")
    footer.append(f"support code {code}")
    out.append(
        html(
            '<table class="footer" width="100%" cellspacing="0" cellpadding="0"><tr><td>{}<br />'
            "This report contains no passwords. It lists program names and messages from this computer; "
            "share it only with people helping you.</td></tr></table>",
            SEP.join(footer),
        )
    )
    return document(f"Offramp report {code}", CSS, out)
