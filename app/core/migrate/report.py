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
    installed = [labels[s["id"]] for s in steps if s["kind"] == "install" and s["status"] == "done"]
    verify = next((s for s in steps if s["kind"] == "verify"), None)
    rescan = next((s for s in steps if s["kind"] == "rescan"), None)
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
        "installed": installed,
        "found": ctx.plan.found,  # each finding with its certainty (certain / probable) and the rule
        "verification": verify["data"] if verify else None,
        "rescan": rescan["data"] if rescan else None,
        "warnings": state.get("warnings", []) + ctx.plan.warnings,
        "to_do_by_hand": state.get("to_do", []),
        "steps": steps,
    }


def write_report(ctx: Context) -> Path:
    report = build(ctx)
    target = Path(ctx.options.report_file) if ctx.options.report_file else paths.state_dir() / "report.json"
    if ctx.options.dry_run and not ctx.options.report_file:
        target = paths.state_dir() / "report.dry-run.json"
    statefile.write(target, report)
    return target
