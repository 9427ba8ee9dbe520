"""`offramp walkthrough` and `offramp report`: printable pages for the helpdesk and for the person at home.

`walkthrough` prints the phone script for migrating to one replacement on one OS, or with `--from-scan` the
script for this computer: it scans as `offramp scan` does, plans as the wizard plans, and numbers every page
and step as the wizard's helpdesk header does. `report` turns the last migration's JSON report into an HTML
page to attach to a ticket or print. Both exit 2 with one sentence, never a traceback, when what they were
given cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from offramp.core import exitcodes
from offramp.core.data.platforms import CHOICES

if TYPE_CHECKING:
    from offramp.core.data.replacements import Replacement
    from offramp.core.wizard_flow import WizardModel


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "walkthrough",
        help="print the helpdesk's phone script for a migration",
        description="Print the script a helpdesk person follows on the phone to walk a user "
        "through Offramp's migration to PLAYBOOK: numbered steps in the order "
        "Offramp runs them, each with what to say, what the user should see and "
        "what to do when something goes wrong. With --from-scan, the script for "
        "this computer (or --root, or --inventory): what its scan found and the "
        "plan the wizard makes for it, page by page and step by step with the "
        "numbers the wizard's helpdesk header shows, for the replacement --to names "
        "(default: the one the wizard preselects, the recommended one) or with "
        "--remove-only. Exit 2 for an unknown playbook, "
        "one that does not support the system, or a scan that cannot be made; with "
        "--from-scan, exit 0 when nothing was found, as 'offramp scan' does.",
    )
    p.add_argument(
        "--to",
        metavar="PLAYBOOK",
        help="the replacement: a playbook id or a playbook file (with --from-scan, default: the one the "
        "wizard preselects there)",
    )
    p.add_argument("--os", choices=CHOICES, help="the user's system (default: this machine's)")
    p.add_argument(
        "--from-scan",
        action="store_true",
        help="scan this computer and walk through the plan the wizard makes for it",
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument("--root", type=Path, metavar="DIR", help="with --from-scan: scan a mounted system at DIR")
    source.add_argument(
        "--inventory",
        type=Path,
        metavar="FILE",
        help="with --from-scan: classify an inventory file instead (Offramp's JSON or osquery's results)",
    )
    p.add_argument(
        "--remove-only",
        action="store_true",
        help="with --from-scan: the user chooses to remove only and install nothing",
    )
    p.add_argument(
        "--confirm",
        action="append",
        default=[],
        metavar="FINDING",
        help="with --from-scan: a probable finding the user ticks on the Found page (a product id, or "
        "'KIND NAME' of a leftover, as 'offramp plan --json' lists them); repeat for more",
    )
    p.add_argument(
        "--format",
        choices=["text", "html"],
        default="text",
        help="text for a terminal or a ticket (default), html for printing",
    )
    p.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of printing")
    p.add_argument("--catalogue", metavar="ID", help="only this banned-product catalogue (default: every shipped one)")
    _language_argument(p)
    p.set_defaults(handler=run_walkthrough)

    p = commands.add_parser(
        "report",
        help="show the last migration's report as a printable page",
        description="Render the JSON report of the last migration (or of --input FILE) as "
        "a self-contained HTML page to print or attach to a ticket. Exit 2 when "
        "the report is missing or damaged.",
    )
    p.add_argument("--format", choices=["html", "json"], default="html", help="html (default) or the JSON itself")
    p.add_argument(
        "--input",
        type=Path,
        metavar="FILE",
        help="the JSON report to read (default: report.json in Offramp's state folder)",
    )
    p.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of printing")
    _language_argument(p)
    p.set_defaults(handler=run_report)


def _language_argument(p: argparse.ArgumentParser) -> None:
    # Its own name: a sub-command's default would otherwise overwrite the top-level --lang. app/cli.py reads both.
    p.add_argument(
        "--lang",
        dest="page_lang",
        metavar="LANG",
        help="the language of the page (en, es, ru; default: offramp's --lang, or the system's)",
    )


def _write(text: str, output: Path | None) -> int:
    from offramp.core.i18n import _

    if output is None:
        sys.stdout.write(text)
        return exitcodes.SUCCESS
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(_("offramp: cannot write {file}: {problem}", file=output, problem=exc.strerror or exc), file=sys.stderr)
        return exitcodes.USAGE
    print(_("Written to {file}", file=output), file=sys.stderr)
    return exitcodes.SUCCESS


def _refuse(problem: str) -> int:
    from offramp.core.i18n import _

    print(_("offramp: {problem}", problem=problem), file=sys.stderr)
    return exitcodes.USAGE


def run_walkthrough(args: argparse.Namespace) -> int:
    from offramp.core.data.catalogue import combine, load_catalogues
    from offramp.core.data.platforms import this_platform
    from offramp.core.data.replacements import find_replacement
    from offramp.core.i18n import _
    from offramp.core.output.walkthrough import WalkthroughError, render_walkthrough_html, render_walkthrough_text

    if args.from_scan:
        return _from_scan(args)
    used = [name for name in ("root", "inventory", "remove_only", "confirm") if getattr(args, name, None)]
    if used:
        option = "--" + used[0].replace("_", "-")
        return _refuse(_("{option} goes with --from-scan", option=option))
    if args.to is None:
        return _refuse(_("choose the replacement with --to PLAYBOOK (see 'offramp playbooks list')"))
    try:
        replacement = find_replacement(args.to)
    except KeyError:
        print(
            _("offramp: unknown playbook {playbook}: see 'offramp playbooks list'", playbook=repr(args.to)),
            file=sys.stderr,
        )
        return exitcodes.USAGE
    render = render_walkthrough_html if args.format == "html" else render_walkthrough_text
    try:
        catalogue = combine(load_catalogues(getattr(args, "catalogue", None)))
        text = render(replacement, args.os or this_platform(), catalogue)
    except (WalkthroughError, ValueError) as exc:
        print(_("offramp: {problem}", problem=exc), file=sys.stderr)
        return exitcodes.USAGE
    return _write(text, args.output)


def _from_scan(args: argparse.Namespace) -> int:
    """The walkthrough for this computer: scanned as `offramp scan` scans, planned as the wizard plans."""
    from offramp.core.i18n import _
    from offramp.core.migrate import records
    from offramp.core.migrate.plan import PlanError
    from offramp.core.migrate.session import SessionError
    from offramp.core.output.machine_walkthrough import machine_script, nothing_found
    from offramp.core.output.walkthrough import render_html, render_text
    from offramp.core.scan.inventory import InventoryError
    from offramp.core.scan.run import run_scan
    from offramp.core.wizard_flow import WizardModel

    if args.os:
        return _refuse(_("--os does not go with --from-scan: the scan says which system it is"))
    if args.to and args.remove_only:
        return _refuse(_("choose either --to PLAYBOOK or --remove-only"))
    try:
        scan = run_scan(root=args.root, inventory_file=args.inventory, catalogue_id=args.catalogue)
    except InventoryError as exc:
        return _refuse(_("bad inventory: {problem}", problem=exc))
    except ValueError as exc:
        return _refuse(str(exc))
    if scan.findings.clean:
        print(nothing_found(scan))
        return exitcodes.SUCCESS
    # The support code is this machine's (a mounted system's wizard keeps it here too); an inventory is another's.
    code = None if args.inventory else records.recorded_support_code()
    model = WizardModel(
        support_code=code or "",
        root=str(args.root) if args.root else None,
        platform=scan.findings.platform,
        catalogue_id=args.catalogue,
    )
    model.scan = scan
    model.confirmed = set(args.confirm)
    replacement = None
    if args.to:
        problem, replacement = _offered(model, args.to)
        if problem:
            return _refuse(problem)
    elif not args.remove_only:
        # The one the Choose page preselects here: the recommended one, else the first that can be installed.
        replacement = model.default_choice()
        if replacement is None:
            return _refuse(
                _("no replacement Offramp offers can be installed here: choose --to PLAYBOOK, or --remove-only")
            )
    model.choose(replacement)
    try:
        plan = model.plan()
        walk = machine_script(
            scan,
            plan,
            replacement,
            model.helpdesk_places(),
            vendor=model.vendor,
            action=model.action(),
            risks=model.risks(),
            support_code=code,
        )
    except (PlanError, SessionError, ValueError) as exc:
        return _refuse(str(exc))
    return _write(render_html(walk) if args.format == "html" else render_text(walk), args.output)


def _offered(model: WizardModel, ref: str) -> tuple[str | None, Replacement | None]:
    """The replacement `ref` names, as the wizard's Choose page would offer it here, or why it cannot be chosen."""
    from offramp.core.data import platforms
    from offramp.core.data.replacements import find_replacement, load_replacement
    from offramp.core.data.validation import InvalidPlaybook
    from offramp.core.i18n import _

    unknown = _("unknown playbook {playbook}: see 'offramp playbooks list'", playbook=repr(ref))
    path = Path(ref)
    chosen: Replacement | None
    if path.suffix in (".yaml", ".yml") and path.is_file():
        # A playbook file, as the wizard's --playbooks folder offers one.
        try:
            chosen = load_replacement(path)
        except InvalidPlaybook as exc:
            return str(exc.problems[0] if exc.problems else exc), None
    else:
        chosen = next((r for r in model.replacements() if r.id == ref), None)
        if chosen is None:
            try:
                find_replacement(ref, include_test_only=False)
            except KeyError:
                return unknown, None
    platform = model.scan.findings.platform if model.scan else model.platform
    if chosen is None or platform not in chosen.platforms:
        return (
            _(
                "{playbook} is not offered for {os}: see 'offramp playbooks list --platform {system}'",
                playbook=ref,
                os=platforms.display_name(platform),
                system=platforms.typed_name(platform),
            ),
            None,
        )
    blocked = model.unavailable(chosen)
    if blocked:
        return _("{replacement} cannot be chosen here: {reason}", replacement=chosen.name, reason=blocked), None
    return None, chosen


def run_report(args: argparse.Namespace) -> int:
    import json  # here, not at the top: `offramp --help` builds every command's parser

    from offramp.core import paths
    from offramp.core.i18n import _
    from offramp.core.migrate import report
    from offramp.core.output.report_html import render_report

    source = args.input or paths.state_dir() / "report.json"
    try:
        data = report.load_json(source)
    except report.ReportError as exc:
        print(_("offramp: {problem}", problem=exc), file=sys.stderr)
        return exitcodes.USAGE
    if args.format == "json":  # the report as it was written
        text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    else:
        text = render_report(report.from_json(data))
    return _write(text, args.output)
