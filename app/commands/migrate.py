"""`offramp plan`, `offramp migrate` and `offramp resume`: the migration from the command line.

`--silent` never asks anything: it is what Intune, ConfigMgr, GPO or Ansible run. Exit codes are
the Windows Installer ones admins know (0, 3010, 1641, 1618, 1602, 1603) plus Offramp's own range
(app/core/exitcodes.py), so a deployment tool can act on them.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from app.commands.output import emit_json

LOOPBACK_SWITCH = "OFFRAMP_ALLOW_LOOPBACK_HTTP"  # tests only: lets downloads use plain HTTP to 127.0.0.1


def _options(args: argparse.Namespace) -> Any:
    from app.core.migrate.context import Options

    return Options(
        silent=getattr(args, "silent", False),
        dry_run=getattr(args, "dry_run", False),
        root=str(args.root) if args.root else None,
        replacement_ref=args.to,
        policy_file=str(args.policy) if args.policy else None,
        report_file=str(args.report) if getattr(args, "report", None) else None,
        allow_loopback_http=os.environ.get(LOOPBACK_SWITCH) == "1",
        remove_only=args.remove_only,
    )


def _print_plan(plan: Any) -> None:
    print(f"Plan for this {plan.platform} machine ({len(plan.steps)} steps):")
    for number, step in enumerate(plan.steps, 1):
        marker = "  [needs you]" if step.needs_person else ""
        print(f"  {number:2}. {step.title}{marker}")
        if step.detail:
            print(f"      {step.detail}")
    for warning in plan.warnings:
        print(f"  note: {warning}")


def run_plan(args: argparse.Namespace) -> int:
    from app.core.data.policy import load_policy
    from app.core.migrate.plan import PlanError
    from app.core.migrate.session import SessionError, plan_for

    options = _options(args)
    try:
        plan, scan, _replacement = plan_for(options, load_policy(args.policy))
    except (SessionError, PlanError) as exc:
        print(f"offramp: {exc}", file=sys.stderr)
        return 2
    if args.json:
        emit_json({**plan.to_dict(), "verdict": scan.findings.verdict})
    elif scan.findings.clean:
        print("Nothing banned was found on this machine: there is nothing to migrate.")
    else:
        _print_plan(plan)
    return 0


def _ask_terminal(question: Any) -> bool:
    if not sys.stdin.isatty():
        return False
    print(f"\n{question.title}\n  {question.text}")
    if question.warning:
        print(f"  Warning: {question.warning}")
    if question.url:
        print(f"  Open: {question.url}")
    prompt = {
        "reboot": "Restart now? [y/N] ",
        "acknowledge": "Done, or not needed? [y/N] ",
        "delete": "Remove them? [y/N] ",
    }.get(question.kind, "Done? [y/N] ")
    return input(prompt).strip().lower() in ("y", "yes")


def _prompt_secret(label: str, secret: bool) -> str | None:
    if not sys.stdin.isatty():
        return None
    value = getpass.getpass(f"{label} (leave empty if none): ") if secret else input(f"{label}: ")
    return value or None


def _progress(message: str, fraction: float) -> None:
    print(f"[{int(fraction * 100):3}%] {message}", file=sys.stderr)


def _finish(result: Any, silent: bool) -> int:
    from app.core import exitcodes

    code = result.exit_code
    words = exitcodes.DESCRIPTIONS.get(code, "failed")
    print(f"{'Finished' if code == 0 else 'Stopped'}: {result.message} (exit {code}: {words})")
    for item in result.state.to_do:
        print(f"  to do: {item}")
    print(f"Support code: {result.state.support_code}")
    return code


def _record_error(exc: Any) -> int:
    """A damaged, locked or unwritable record: one sentence saying what to do, its documented exit code."""
    import logging

    from app.core import eventlog

    eventlog.event(
        "migrate.records.failed", str(exc), level=logging.ERROR, console=False, exit_code=exc.exit_code, path=exc.path
    )
    print(f"offramp: {exc}", file=sys.stderr)
    return int(exc.exit_code)


def run_migrate(args: argparse.Namespace) -> int:
    from app.core import exitcodes
    from app.core.migrate import session
    from app.core.migrate.plan import PlanError
    from app.core.migrate.recorderrors import RecordError

    options = _options(args)
    if getattr(args, "offline", None):
        from app.core.migrate.bundle import BundleError, open_bundle

        try:
            # Checked here, before the scan, and again by the stage step before the installer is used.
            entry = open_bundle(args.offline).entry(args.to)
        except BundleError as exc:
            print(f"offramp: {exc}", file=sys.stderr)
            return exc.exit_code
        options.replacement_ref, options.offline_dir = str(entry.playbook), str(args.offline)
    if not options.silent and not sys.stdin.isatty() and not options.dry_run:
        print(
            "offramp: no terminal to ask questions on: add --silent (and a --policy) to run unattended", file=sys.stderr
        )
        return exitcodes.USAGE
    try:
        runner, scan = session.start(options, progress=_progress, ask=_ask_terminal, prompt_secret=_prompt_secret)
        if runner is None:
            print("Nothing banned was found on this machine: nothing to do.")
            return exitcodes.SUCCESS
        if not options.silent:
            _print_plan(runner.ctx.plan)
        if runner.ctx.replacement:
            from app.core.migrate.report import provenance

            used = provenance(runner.ctx.replacement)
            print(f"Playbook: {used['id']}, verified {used['verified_on']} ({used['source']})")
        return _finish(runner.run(), options.silent)
    except (session.SessionError, PlanError) as exc:
        print(f"offramp: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    except RecordError as exc:
        return _record_error(exc)


def run_resume(args: argparse.Namespace) -> int:
    from app.core import exitcodes
    from app.core.migrate import session
    from app.core.migrate.recorderrors import RecordError

    try:
        if getattr(args, "abandon", False):
            print(session.abandon())
            return exitcodes.SUCCESS
        runner = session.resume(
            progress=_progress, ask=_ask_terminal, prompt_secret=_prompt_secret, silent=True if args.silent else None
        )
        return _finish(runner.run(), args.silent)
    except session.SessionError as exc:
        print(f"offramp: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    except RecordError as exc:
        return _record_error(exc)
