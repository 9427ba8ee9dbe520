"""The migration report as a printable HTML page, for a helpdesk ticket or for the person at home.

It renders the typed `Report` of app/core/migrate/report.py (read from a file by `report.load`, or
built by `report.build` in the same process) as one self-contained HTML5 document: inline CSS only, no
scripts, no images, nothing fetched from anywhere, so it can be attached to a ticket, opened offline or
printed. Every value that comes from the report is escaped: reports carry names read from the machine
(program names, paths, messages), and those are data, not markup.

Its words are in the reader's language (app/core/i18n.py; `offramp report --lang`): the page's own sentences
through `_()`, and the report's messages through `shown()`, since the report keeps how each was made. The
JSON report itself stays English.

The GUI prints this page to PDF with Qt's QTextDocument, which understands only a subset of HTML and
CSS. So the layout uses tables, divs, lists and simple properties (colour, background, border,
padding, margin, font size) and nothing newer: no flex, no grid, no positioning, no web fonts.
Browsers get a little more through @media print, which QTextDocument leaves alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from offramp.core import exitcodes, i18n
from offramp.core.data import platforms
from offramp.core.i18n import N_, _, ngettext, shown
from offramp.core.migrate.report import Report, ReportStep, playbook_line
from offramp.core.output.evidence import certainty_word, kind_word
from offramp.core.output.page import Html, document, html, join
from offramp.core.output.verdict import REBOOT_CODES, machine_state, verdict

# status -> (icon, words, css class). Icons are text, not images, so the page stays self-contained
# and a screen reader reads the words next to them.
STATUS = {
    "done": ("\u2713", N_("done"), "ok"),
    "skipped": ("\u2013", N_("skipped"), "muted"),
    "failed": ("\u2717", N_("failed"), "bad"),
    "cancelled": ("\u2717", N_("cancelled"), "bad"),
    # U+2016 rather than the pause sign U+23F8: DejaVu and other common fonts have no U+23F8, and
    # QTextDocument printed it as an empty box; the double bar reads as "pause" and is everywhere.
    "waiting": ("\u2016", N_("waiting for a restart"), "wait"),
    "running": ("\u2026", N_("interrupted while running"), "wait"),
    "pending": ("\u2026", N_("pending"), "muted"),
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
    """ "29 November 2026, 14:03 UTC": unambiguous on both sides of the Atlantic, unlike 11/29 or 29/11;
    in a translation, CLDR's long date (29 ноября 2026 г., 14:03 UTC)."""
    when = _parse_time(value)
    if when is None:
        return str(value) if value else _("date unknown")
    if i18n.current() == i18n.SOURCE:
        text = f"{when.day} {when:%B %Y, %H:%M}"
    else:
        text = f"{i18n.format_date(when.date())}, {when:%H:%M}"
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
        where = _(
            "step {number} of {total}: {title}",
            number=stop.number,
            total=total,
            title=shown(stop.title) or stop.id or "?",
        )
        message = shown(stop.message) if stop.message else None
    found = verdict(report)
    code = report.exit_code
    if found.tone in ("ok", "warn"):
        return f"outcome-{found.tone}", found.headline, found.detail
    if code in REBOOT_CODES:
        text = _("Waiting for a restart at {step}", step=where) if where else _("Waiting for a restart")
        return "outcome-wait", text, found.detail
    if code is None:
        return (
            "outcome-wait",
            _("Not finished yet: next is {step}", step=where) if where else _("Not finished yet"),
            message,
        )
    # a field is shown in the reader's language: the catalogue knows each description (exitcodes.py marks them)
    words = report.outcome or exitcodes.DESCRIPTIONS.get(code, "failed")
    if where:
        text = _("Stopped at {step}, exit {code}: {words}", step=where, code=str(code), words=words)
    else:
        text = _("Stopped, exit {code}: {words}", code=str(code), words=words)
    second = " ".join(part for part in (message, machine_state(report)) if part)
    return "outcome-bad", text, second or None


def _strip_verb(title: Any, verb: str) -> str:
    # Reports hold product names here; older ones held the step titles ("Remove X", "Install Y"), whose
    # verb would only repeat the heading "What was removed" / "What was installed".
    text = str(title)
    return text[len(verb) + 1 :] if text.startswith(verb + " ") else shown(title)


def _steps_table(steps: list[ReportStep]) -> Html:
    total = len(steps)
    rows = []
    for step in steps:
        icon, words, css = STATUS.get(step.status, ("?", step.status, "muted"))
        times = []
        if step.started:
            times.append(_("started {time}", time=_clock(step.started)))
        if step.finished:
            times.append(_("finished {time}", time=_clock(step.finished)))
        if step.attempts > 1:
            times.append(ngettext("{n} attempt", "{n} attempts", step.attempts))
        cell = [html("<b>{}</b>", shown(step.title) or step.id)]
        if step.message:
            cell.append(html('<br /><span class="msg">{}</span>', shown(step.message)))
        if times:
            cell.append(html('<br /><span class="times">{}</span>', _(", ").join(times)))
        rows.append(
            html(
                '<tr><td class="num" width="14%">{}</td><td class="status {}" width="19%">{}{}{}</td><td>{}</td></tr>',
                _("Step {number} of {total}", number=step.number, total=total),
                css,
                icon,
                NBSP,
                _(words),
                join(cell),
            )
        )
    head = html(
        '<tr><th width="14%">{}</th><th width="19%">{}</th><th>{}</th></tr>',
        _("Step"),
        _("Status"),
        _("What Offramp did"),
    )
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
            icon, words, css = "\u2713", _("passed"), "ok"
        elif passed is False:
            icon, words, css = "\u2717", _("failed"), "bad"
        else:  # None: the check did not apply or could not be made on this system
            icon, words, css = "\u2013", _("not checked"), "muted"
        rows.append(
            html(
                '<tr><td>{}</td><td class="status {}">{}{}{}</td><td class="msg">{}</td></tr>',
                shown(check.get("check")),
                css,
                icon,
                NBSP,
                words,
                shown(check.get("detail")) if check.get("detail") else None,
            )
        )
    return html(
        '<table class="data" width="100%" cellspacing="0" cellpadding="4">'
        '<tr><th width="30%">{}</th><th width="18%">{}</th><th>{}</th></tr>{}</table>',
        _("Check"),
        _("Result"),
        _("Detail"),
        join(rows),
    )


def _scan_verdict(value: str) -> str:
    # The JSON keeps the scan's own words (clean, leftovers, banned-installed); the page says them.
    words = {
        "clean": _("clean"),
        "leftovers": _("leftovers remain"),
        "banned-installed": _("banned software still installed"),
    }
    return words.get(value, value)


def _rescan_section(rescan: dict[str, Any]) -> Html:
    parts = []
    installed = _list(rescan.get("installed"))
    leftovers = _list(rescan.get("leftovers"))
    if rescan.get("verdict") is not None:
        parts.append(html("<p>{} <b>{}</b></p>", _("Result of the last scan:"), _scan_verdict(str(rescan["verdict"]))))
    if installed:
        parts.append(html("<p>{}</p>{}", _("Still installed:"), _bullets([shown(i) for i in installed])))
    else:
        parts.append(html('<p class="ok">\u2713 {}</p>', _("Nothing banned is installed.")))
    if leftovers:
        parts.append(html("<p>{}</p>{}", _("Leftovers that remain:"), _bullets([shown(i) for i in leftovers])))
    return join(parts)


def _found_table(found: list[dict[str, Any]]) -> Html:
    """Each finding with its certainty and rule: certain ones are removed, probable ones wait for a person."""
    rows = []
    for item in found:
        certainty = str(item.get("certainty") or "certain")
        action = _("planned for removal") if item.get("removed") else _("kept until a person confirms it")
        rows.append(
            html(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                item.get("name") or "",
                kind_word(str(item.get("kind") or "")),
                certainty_word(certainty),
                action,
                item.get("rule") or "",  # the rule's id, as the catalogue and the JSON name it
            )
        )
    head = html(
        "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        _("Found"),
        _("Kind"),
        _("Certainty"),
        _("Action"),
        _("Rule"),
    )
    return html("<table>{}{}</table>", head, join(rows))


def render_report(report: Report) -> str:
    """The whole report as one HTML5 document (a str). Missing fields are left out, never guessed."""
    steps = report.steps
    code = report.support_code or _("none")
    platform = platforms.display_name(report.platform)
    css, headline, second = outcome_line(report)
    # A step that never ran leaves an empty dict here (report.build copies the step's data), and an
    # empty rescan must not read as "nothing banned is installed".
    verification = report.verification or None
    rescan = report.rescan if report.rescan and "verdict" in report.rescan else None
    started = report.started or next((s.started for s in steps if s.started), None)

    meta = [_long_date(started), platform]
    if report.root:
        meta.append(_("system at {root}", root=report.root))
    if report.replacement:
        meta.append(_("moving to {replacement}", replacement=report.replacement))
    if report.dry_run:
        meta.append(_("dry run"))

    # A two-cell table, not floats: it is the one side-by-side layout QTextDocument draws reliably.
    out = [
        html(
            '<table class="head" width="100%" cellspacing="0" cellpadding="0"><tr>'
            '<td valign="bottom"><h1>{}</h1><div class="meta">{}</div></td>'
            '<td valign="bottom" align="right" width="40%"><div class="label">{}</div>'
            '<div class="code">{}</div></td></tr></table>',
            _("Offramp report"),
            SEP.join(meta),
            _("Support code"),
            code,
        ),
        _box(
            css,
            html('<span class="headline">{}</span>', headline)
            + (html('<br /><span class="detail">{}</span>', second) if second else ""),
        ),
        html(
            '<p class="meta">{}</p>',
            _("Quote the support code when you contact your helpdesk: it finds this migration in Offramp's records."),
        ),
    ]
    if report.playbook and report.playbook.get("id"):
        out.append(html('<p class="meta">{}</p>', playbook_line(report.playbook)))

    if report.to_do_by_hand:
        out.append(html("<h2>{}</h2>", _("To do by hand")))
        out.append(_box("todo", _bullets([shown(t) for t in report.to_do_by_hand], ordered=True)))

    out.append(html("<h2>{}</h2>", _("Steps ({n})", n=len(steps))))
    out.append(_steps_table(steps) if steps else html("<p>{}</p>", _("No steps were recorded.")))

    if report.found:
        out.append(html("<h2>{}</h2>", _("What the scan found")))
        out.append(_found_table(report.found))

    nothing = html("<p>{}</p>", _("Nothing."))
    out.append(html("<h2>{}</h2>", _("What was removed")))
    out.append(_bullets([_strip_verb(t, "Remove") for t in report.removed]) if report.removed else nothing)
    out.append(html("<h2>{}</h2>", _("What was installed")))
    out.append(_bullets([_strip_verb(t, "Install") for t in report.installed]) if report.installed else nothing)

    if verification is not None:
        out.append(html("<h2>{}</h2>", _("Protection checks")))
        protecting = verification.get("protecting")
        if protecting is True:
            said = _("The replacement reports that it is protecting this computer.")
            out.append(html('<p class="ok">\u2713 {}</p>', said))
        elif protecting is False:
            out.append(html('<p class="bad">\u2717 {}</p>', _("The replacement is not protecting this computer yet.")))
        out.append(_checks_table(verification))
    if rescan is not None:
        out.append(html("<h2>{}</h2>", _("Final scan")))
        out.append(_rescan_section(rescan))
    if report.warnings:
        out.append(html("<h2>{}</h2>", _("Warnings")))
        out.append(_bullets([shown(w) for w in report.warnings]))

    footer = [f"Offramp {report.offramp_version or ''}".strip()]
    if report.plan_fingerprint:
        footer.append(_("plan {fingerprint}", fingerprint=report.plan_fingerprint))
    if report.exit_code is not None:
        footer.append(_("exit code {code}", code=str(report.exit_code)))
    footer.append(_("support code {code}", code=code))
    out.append(
        html(
            '<table class="footer" width="100%" cellspacing="0" cellpadding="0"><tr><td>{}<br />{}</td></tr></table>',
            SEP.join(footer),
            _(
                "This report contains no passwords. It lists program names and messages from this computer; "
                "share it only with people helping you."
            ),
        )
    )
    return document(_("Offramp report {code}", code=code), CSS, out, lang=i18n.current())
