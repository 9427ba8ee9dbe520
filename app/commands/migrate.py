"""`offramp plan`, `offramp migrate` and `offramp resume`: the migration from the command line.

`--silent` never asks anything: it is what Intune, ConfigMgr, GPO or Ansible run. Exit codes are
the Windows Installer ones admins know (0, 3010, 1641, 1618, 1602, 1603) plus Offramp's own range
(app/core/exitcodes.py), so a deployment tool can act on them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from offramp.commands.output import emit_json, say
from offramp.core import exitcodes

LOOPBACK_SWITCH = "OFFRAMP_ALLOW_LOOPBACK_HTTP"  # tests only: lets downloads use plain HTTP to 127.0.0.1


def _migration_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--to", metavar="PLAYBOOK", help="the replacement: a playbook id or a playbook file")
    p.add_argument("--policy", type=Path, metavar="FILE", help="an admin policy (YAML) for this migration")
    p.add_argument("--remove-only", action="store_true", help="remove the banned software; install nothing")
    p.add_argument("--root", type=Path, metavar="DIR", help="work on a mounted Linux or macOS system at DIR")


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "plan",
        help="show the steps a migration would take",
        description="Scan, then print the ordered steps of the migration to PLAYBOOK.",
    )
    _migration_arguments(p)
    p.add_argument("--json", action="store_true", help="print the plan as JSON for tools")
    p.set_defaults(handler=run_plan)

    p = commands.add_parser(
        "migrate",
        help="remove the banned software and install the replacement",
        description="Run the migration. With --silent nothing is asked. Exit codes: 0 success "
        "(also when there was nothing to do), 3010 restart required (resume registered),"
        " 1641 restart started, 1618 retry later, 1602 cancelled, 1603 failed, "
        "2 usage, 20-32 Offramp-specific failures (see README).",
    )
    _migration_arguments(p)
    p.add_argument("--silent", action="store_true", help="never prompt (for deployment tools)")
    p.add_argument("--dry-run", action="store_true", help="go through the whole plan without changing anything")
    p.add_argument("--report", type=Path, metavar="FILE", help="write the JSON report here")
    p.add_argument(
        "--offline",
        type=Path,
        metavar="DIR",
        help="use only the playbook and installer in this bundle (see 'offramp bundle create'); no network",
    )
    p.set_defaults(handler=run_migrate)

    p = commands.add_parser(
        "resume",
        help="continue an interrupted migration",
        description="Continue the migration that a restart, a crash or a kill interrupted, "
        "from its first unfinished step.",
    )
    p.add_argument("--silent", action="store_true", help="never prompt (for deployment tools)")
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--abandon",
        action="store_true",
        help="clear a stuck migration instead of resuming it (journaled; its record is kept aside)",
    )
    what.add_argument(
        "--pending",
        action="store_true",
        help="only say whether an unfinished migration is recorded: exit 0 if one is, 1 if none (for uninstallers)",
    )
    p.set_defaults(handler=run_resume)

    # The elevated half of the window (app/core/migrate/remote.py): started by the window through the system's
    # own prompt, never by a person, so it is left out of the help.
    p = commands.add_parser("migrate-worker", description="Run one migration for Offramp's window.")
    p.add_argument("--connect", required=True, metavar="SOCKET", help="the window's socket")
    p.set_defaults(handler=run_worker)


def _options(args: argparse.Namespace) -> Any:
    from offramp.core.migrate.context import Options

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
    from offramp.core.i18n import _, ngettext, shown

    n = len(plan.steps)
    say(
        ngettext(
            "Plan for this {system} machine ({n} step):",
            "Plan for this {system} machine ({n} steps):",
            n,
            system=plan.platform,
        )
    )
    for number, step in enumerate(plan.steps, 1):
        marker = "  " + _("[needs you]") if step.needs_person else ""
        say(f"  {number:2}. {shown(step.title)}{marker}")
        if step.detail:
            say(f"      {shown(step.detail)}")
    for warning in plan.warnings:
        say("  " + _("note: {warning}", warning=warning))


def run_plan(args: argparse.Namespace) -> int:
    from offramp.core.i18n import _
    from offramp.core.migrate.plan import PlanError
    from offramp.core.migrate.session import SessionError, plan_for, policy_for

    options = _options(args)
    try:
        plan, scan, _replacement = plan_for(options, policy_for(options))
    except (SessionError, PlanError) as exc:
        say(_("offramp: {problem}", problem=exc), file=sys.stderr)
        return exitcodes.USAGE
    if args.json:
        emit_json({**plan.to_dict(), "verdict": scan.findings.verdict})
    elif scan.findings.clean:
        print(_("Nothing banned was found on this machine: there is nothing to migrate."))
    else:
        _print_plan(plan)
    return exitcodes.SUCCESS


def _ask_terminal(question: Any) -> bool:
    from offramp.core.i18n import _, shown

    if not sys.stdin.isatty():
        return False
    say()
    say(shown(question.title))
    say(f"  {shown(question.text)}")
    if question.warning:
        say("  " + _("Warning: {warning}", warning=question.warning))
    if question.url:
        say("  " + _("Open: {url}", url=question.url))
    prompt = {
        "reboot": _("Restart now? [y/N] "),
        "acknowledge": _("Done, or not needed? [y/N] "),
        "delete": _("Remove them? [y/N] "),
    }.get(question.kind, _("Done? [y/N] "))
    # "y" and "yes" always work, whatever the language, as a script typing them expects.
    yes = {"y", "yes", *(_("y"), _("yes"))}
    return input(prompt).strip().lower() in yes


def _prompt_secret(label: str, secret: bool) -> str | None:
    if not sys.stdin.isatty():
        return None
    import getpass

    from offramp.core.i18n import _

    value = (
        getpass.getpass(_("{label} (leave empty if none): ", label=label))
        if secret
        else input(_("{label}: ", label=label))
    )
    return value or None


def _progress(message: str, fraction: float) -> None:
    from offramp.core.i18n import shown

    say(f"[{int(fraction * 100):3}%] {shown(message)}", file=sys.stderr)


def _finish(result: Any, silent: bool) -> int:
    from offramp.core.i18n import _

    code = result.exit_code
    words = exitcodes.DESCRIPTIONS.get(code, "failed")
    if code == 0:
        say(_("Finished: {message} (exit {code}: {words})", message=result.message, code=str(code), words=words))
    else:
        say(_("Stopped: {message} (exit {code}: {words})", message=result.message, code=str(code), words=words))
    for item in result.state.to_do:
        say("  " + _("to do: {item}", item=item))
    say(_("Support code: {code}", code=result.state.support_code))
    return code


def _record_error(exc: Any) -> int:
    """A damaged, locked or unwritable record: one sentence saying what to do, its documented exit code."""
    import logging

    from offramp.core import eventlog

    eventlog.event(
        "migrate.records.failed", str(exc), level=logging.ERROR, console=False, exit_code=exc.exit_code, path=exc.path
    )
    from offramp.core.i18n import _

    print(_("offramp: {problem}", problem=exc), file=sys.stderr)
    return int(exc.exit_code)


def run_migrate(args: argparse.Namespace) -> int:
    from offramp.core.i18n import _
    from offramp.core.migrate import session
    from offramp.core.migrate.plan import PlanError
    from offramp.core.migrate.recorderrors import RecordError

    options = _options(args)
    if getattr(args, "offline", None):
        from offramp.core.migrate.bundle import BundleError, open_bundle

        try:
            # Checked here, before the scan, and again by the stage step before the installer is used.
            entry = open_bundle(args.offline).entry(args.to)
        except BundleError as exc:
            print(_("offramp: {problem}", problem=exc), file=sys.stderr)
            return exc.exit_code
        options.replacement_ref, options.offline_dir = str(entry.playbook), str(args.offline)
    if not options.silent and not sys.stdin.isatty() and not options.dry_run:
        print(
            _("offramp: no terminal to ask questions on: add --silent (and a --policy) to run unattended"),
            file=sys.stderr,
        )
        return exitcodes.USAGE
    try:
        runner, scan = session.start(options, progress=_progress, ask=_ask_terminal, prompt_secret=_prompt_secret)
        if runner is None:
            print(_("Nothing banned was found on this machine: nothing to do."))
            return exitcodes.SUCCESS
        if not options.silent:
            _print_plan(runner.ctx.plan)
        if runner.ctx.replacement:
            from offramp.core.migrate.report import playbook_line, provenance

            print(playbook_line(provenance(runner.ctx.replacement, options.offline_dir)))
        return _finish(runner.run(), options.silent)
    except (session.SessionError, PlanError) as exc:
        say(_("offramp: {problem}", problem=exc), file=sys.stderr)
        return exitcodes.USAGE
    except RecordError as exc:
        return _record_error(exc)


def run_resume(args: argparse.Namespace) -> int:
    from offramp.core.i18n import _, ngettext, shown
    from offramp.core.migrate import session
    from offramp.core.migrate.recorderrors import RecordError

    try:
        if getattr(args, "abandon", False):
            print(shown(session.abandon()))
            return exitcodes.SUCCESS
        if getattr(args, "pending", False):
            state = session.pending()
            if state is None:
                say(_("No unfinished migration is recorded on this machine."))
                return exitcodes.NOTHING_PENDING
            done = sum(1 for record in state.steps.values() if record.status in ("done", "skipped"))
            say(
                ngettext(
                    "An unfinished migration is recorded (support code {code}, started {started}, {done} of {n} "
                    "step done): 'offramp resume' carries it on, 'offramp resume --abandon' clears it.",
                    "An unfinished migration is recorded (support code {code}, started {started}, {done} of {n} "
                    "steps done): 'offramp resume' carries it on, 'offramp resume --abandon' clears it.",
                    len(state.read_plan().steps),
                    code=state.support_code,
                    started=state.started or _("at an unknown time"),
                    done=done,
                )
            )
            return exitcodes.SUCCESS
        runner = session.resume(
            progress=_progress, ask=_ask_terminal, prompt_secret=_prompt_secret, silent=True if args.silent else None
        )
        return _finish(runner.run(), args.silent)
    except session.AlreadyFinished as exc:
        code = exc.exit_code
        text = shown(exc)
        words = exitcodes.DESCRIPTIONS.get(code, "failed")
        say(_("{message} (exit {code}: {words})", message=text[:1].upper() + text[1:], code=str(code), words=words))
        return code
    except session.SessionError as exc:
        print(_("offramp: {problem}", problem=exc), file=sys.stderr)
        return exitcodes.USAGE
    except RecordError as exc:
        return _record_error(exc)


def run_worker(args: argparse.Namespace) -> int:
    from offramp.core.migrate import remote

    return remote.serve(args.connect)
