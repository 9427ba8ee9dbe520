"""What a migration report may honestly claim, in one rule shared by the wizard's last page and the HTML report.

A green "protected" needs the verify step's proof; an install the replacement cannot confirm, or a
removal with nothing installed after it, is amber and says what the person must check and how; a
stop says what state the machine is in. Names come from the report, never from code. It reads the typed
`Report` (app/core/migrate/report.py). Its words are in the reader's language (app/core/i18n.py): a verdict is
made when a page is shown, never kept.
"""

from __future__ import annotations

from typing import NamedTuple

from offramp.core import exitcodes
from offramp.core.i18n import Text, _, shown
from offramp.core.migrate.report import Report

REBOOT_CODES = (exitcodes.REBOOT_REQUIRED, exitcodes.REBOOT_STARTED)  # a pause, not a failure


class Verdict(NamedTuple):
    tone: str  # ok (green), warn (amber: the person must check something), wait, bad
    headline: str
    detail: str | None = None  # what the person must check, and how; or where the run stopped


def protection_of(report: Report) -> str:
    """The report's protection state; older reports without the field are read from their verification."""
    if report.protection:
        return report.protection
    if not report.replacement:
        return "none"
    if not report.verification:
        return "not-proven"
    return "protected" if report.verification.get("protecting") is True else "unconfirmed"


def still_installed(report: Report) -> list[str]:
    """The products the plan was to remove and that were not removed (their steps did not finish)."""
    removed = set(report.removed)
    names = []
    for step in report.steps:
        if step.kind == "uninstall" and step.status not in ("done", "skipped"):
            title = step.title
            if isinstance(title, Text) and set(title.fields) == {"product"}:  # "Remove {product}"
                name = shown(title.fields["product"])
            else:  # an older report's plain words
                name = title[len("Remove ") :] if title.startswith("Remove ") else title
            if name and name not in removed:
                names.append(name)
    return names


def how_to_check(replacement: str, report: Report | None = None) -> str:
    """What the person does to see for themselves that `replacement` protects: the playbook's words, which the
    verify step keeps in the report, else the general advice."""
    hint = report.verification.get("how_to_check") if report and report.verification else None
    if isinstance(hint, str) and hint:
        return shown(hint)  # the playbook's words, which the catalogue translates
    return _(
        "Open {replacement} and check that it says its protection is on and its virus definitions are up to "
        "date. If it does not, start its update or ask your helpdesk.",
        replacement=replacement,
    )


def verdict(report: Report) -> Verdict:
    code = report.exit_code
    replacement = report.replacement
    if report.nothing_found:
        if report.vendor:
            headline = _("Nothing from {vendor} was found on this computer", vendor=report.vendor)
        else:
            headline = _("Nothing from the banned software was found on this computer")
        return Verdict("ok", headline, _("Nothing was changed."))
    if report.dry_run and code == exitcodes.SUCCESS:
        return Verdict("ok", _("Dry run finished: nothing was changed on this computer"))
    if code == exitcodes.SUCCESS:
        state = protection_of(report)
        if state == "protected":
            return Verdict("ok", _("Your computer is protected by {replacement}", replacement=replacement))
        if state == "unconfirmed":
            return Verdict(
                "warn",
                _(
                    "{replacement} is installed, but Offramp could not confirm that it is protecting this computer",
                    replacement=replacement,
                ),
                how_to_check(str(replacement), report),
            )
        if state == "none":
            return Verdict(
                "warn",
                _("The banned software was removed; no replacement was installed"),
                _(
                    "This computer now relies on the protection its system provides. Check in the system's security "
                    "settings that it is switched on, or run Offramp again to install a replacement."
                ),
            )
        return Verdict(
            "warn",
            _("The run finished, but the replacement's protection was not checked"),
            how_to_check(str(replacement), report) if replacement else None,
        )
    if code in REBOOT_CODES:
        return Verdict("wait", _("Waiting for a restart"), _("Offramp carries on by itself after the restart."))
    if code is None:
        return Verdict("wait", _("Not finished yet"))
    return Verdict("bad", _("Offramp stopped before the end"), machine_state(report))


def machine_state(report: Report) -> str:
    """What the machine is like after a stop, in words: what is still installed, removed, installed."""
    parts = []
    names = _(", ")
    left = still_installed(report)
    if left:
        parts.append(_("Still installed: {items}.", items=names.join(left)))
    if report.removed:
        parts.append(_("Removed: {items}.", items=names.join(map(shown, report.removed))))
    installed = report.installed + report.installed_unverified
    if installed:
        parts.append(_("Installed, not yet checked: {items}.", items=names.join(map(shown, installed))))
    elif report.replacement:
        parts.append(_("{replacement} is not set up yet.", replacement=report.replacement))
    return " ".join(parts) or _("Nothing was changed.")
