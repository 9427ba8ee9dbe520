"""The migration report: every step with its times and outcome, what was removed and installed, what is left to do.

Written as JSON for tools (Intune, ConfigMgr, a ticket system) from the state and the journal; it
never contains a password, because neither of those does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app import __version__
from app.core import exitcodes, paths
from app.core.migrate import statefile
from app.core.migrate.context import Context


def build(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    steps = []
    for number, step in enumerate(ctx.plan.steps, 1):
        entry = state["steps"].get(step.id, {})
        steps.append(
            {
                "number": number,
                "id": step.id,
                "kind": step.kind,
                "title": step.title,
                "status": entry.get("status", "pending"),
                "started": entry.get("started"),
                "finished": entry.get("finished"),
                "attempts": entry.get("attempts", 0),
                "message": entry.get("message"),
                "data": entry.get("data", {}),
            }
        )
    labels = {step.id: step.params.get("label", step.title) for step in ctx.plan.steps}
    removed = [labels[s["id"]] for s in steps if s["kind"] == "uninstall" and s["status"] == "done"]
    verify = next((s for s in steps if s["kind"] == "verify"), None)
    rescan = next((s for s in steps if s["kind"] == "rescan"), None)
    # "Installed" is claimed only once the verify step proved it; an install the verify step has not
    # confirmed (or that it contradicted) is listed apart, so no reader takes it for protection.
    proven = verify is not None and verify["status"] == "done"
    install_done = [labels[s["id"]] for s in steps if s["kind"] == "install" and s["status"] == "done"]
    code = state.get("exit_code")
    return {
        "offramp_version": __version__,
        "support_code": state["support_code"],
        "platform": ctx.plan.platform,
        "root": ctx.plan.root,
        "replacement": ctx.replacement.name if ctx.replacement else None,
        "plan_fingerprint": ctx.plan.fingerprint,
        "dry_run": ctx.options.dry_run,
        "started": state.get("started"),
        "finished": state.get("finished", False),
        "exit_code": code,
        "outcome": exitcodes.DESCRIPTIONS.get(code, "in progress") if code is not None else "in progress",
        "removed": removed,
        "installed": install_done if proven else [],
        "installed_unverified": [] if proven else install_done,
        "protection": protection(ctx, verify),
        "verification": verify["data"] if verify else None,
        "rescan": rescan["data"] if rescan else None,
        "warnings": state.get("warnings", []) + ctx.plan.warnings,
        "to_do_by_hand": state.get("to_do", []),
        "steps": steps,
    }


def protection(ctx: Context, verify: dict[str, Any] | None) -> str:
    """What the verify step proved: protected, unconfirmed (installed, but the replacement cannot say),
    not-proven (verification failed or never ran), or none (no replacement was chosen)."""
    if ctx.replacement is None:
        return "none"
    if verify is None or verify["status"] != "done":
        return "not-proven"
    return "protected" if verify["data"].get("protecting") is True else "unconfirmed"


def nothing_found(findings: Any, vendor: str, support_code: str, root: str | None = None) -> dict[str, Any]:
    """The report of a clean scan, so a person whose machine had nothing to remove can still hand the
    helpdesk a record of what was looked at: no steps, nothing changed."""
    return {
        "offramp_version": __version__,
        "support_code": support_code,
        "platform": findings.platform,
        "root": root,
        "vendor": vendor,
        "nothing_found": True,
        "started": findings.scanned_at.isoformat(timespec="seconds"),
        "finished": True,
        "exit_code": exitcodes.SUCCESS,
        "outcome": f"nothing from {vendor} was found",
        "replacement": None,
        "protection": "none",
        "removed": [],
        "installed": [],
        "installed_unverified": [],
        "verification": None,
        "rescan": {"verdict": findings.verdict, "installed": [], "leftovers": []},
        "warnings": [],
        "to_do_by_hand": [],
        "steps": [],
    }


def write_report(ctx: Context) -> Path:
    report = build(ctx)
    target = Path(ctx.options.report_file) if ctx.options.report_file else paths.state_dir() / "report.json"
    if ctx.options.dry_run and not ctx.options.report_file:
        target = paths.state_dir() / "report.dry-run.json"
    statefile.write(target, report)
    return target
