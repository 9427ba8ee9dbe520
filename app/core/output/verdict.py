"""What a migration report may honestly claim, in one rule shared by the wizard's last page and the HTML report.

A green "protected" needs the verify step's proof; an install the replacement cannot confirm, or a
removal with nothing installed after it, is amber and says what the person must check and how; a
stop says what state the machine is in. Names come from the report, never from code. It reads the typed
`Report` (app/core/migrate/report.py).
"""

from __future__ import annotations

from typing import NamedTuple

from offramp.core import exitcodes
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
            name = title[len("Remove ") :] if title.startswith("Remove ") else title
            if name and name not in removed:
                names.append(name)
    return names


def how_to_check(replacement: str, report: Report | None = None) -> str:
    """What the person does to see for themselves that `replacement` protects: the playbook's words, which the
    verify step keeps in the report, else the general advice."""
    hint = report.verification.get("how_to_check") if report and report.verification else None
    if isinstance(hint, str) and hint:
        return hint
    return (
        f"Open {replacement} and check that it says its protection is on and its virus definitions are up to "
        "date. If it does not, start its update or ask your helpdesk."
    )


def verdict(report: Report) -> Verdict:
    code = report.exit_code
    replacement = report.replacement
    if report.nothing_found:
        vendor = report.vendor or "the banned software"
        return Verdict("ok", f"Nothing from {vendor} was found on this computer", "Nothing was changed.")
    if report.dry_run and code == exitcodes.SUCCESS:
        return Verdict("ok", "Dry run finished: nothing was changed on this computer")
    if code == exitcodes.SUCCESS:
        state = protection_of(report)
        if state == "protected":
            return Verdict("ok", f"Your computer is protected by {replacement}")
        if state == "unconfirmed":
            return Verdict(
                "warn",
                f"{replacement} is installed, but Offramp could not confirm that it is protecting this computer",
                how_to_check(str(replacement), report),
            )
        if state == "none":
            return Verdict(
                "warn",
                "The banned software was removed; no replacement was installed",
                "This computer now relies on the protection its system provides. Check in the system's security "
                "settings that it is switched on, or run Offramp again to install a replacement.",
            )
        return Verdict(
            "warn",
            "The run finished, but the replacement's protection was not checked",
            how_to_check(str(replacement), report) if replacement else None,
        )
    if code in REBOOT_CODES:
        return Verdict("wait", "Waiting for a restart", "Offramp carries on by itself after the restart.")
    if code is None:
        return Verdict("wait", "Not finished yet")
    return Verdict("bad", "Offramp stopped before the end", machine_state(report))


def machine_state(report: Report) -> str:
    """What the machine is like after a stop, in words: what is still installed, removed, installed."""
    parts = []
    left = still_installed(report)
    if left:
        parts.append("Still installed: " + ", ".join(left) + ".")
    if report.removed:
        parts.append("Removed: " + ", ".join(report.removed) + ".")
    installed = report.installed + report.installed_unverified
    if installed:
        parts.append("Installed, not yet checked: " + ", ".join(installed) + ".")
    elif report.replacement:
        parts.append(f"{report.replacement} is not set up yet.")
    return " ".join(parts) or "Nothing was changed."
