"""`offramp walkthrough` and `offramp report`: printable pages for the helpdesk and for the person at home.

`walkthrough` prints the phone script for migrating to one replacement on one OS; `report` turns the
last migration's JSON report into an HTML page to attach to a ticket or print. Both exit 2 with one
sentence, never a traceback, when what they were given cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from offramp.core import exitcodes
from offramp.core.data.platforms import CHOICES


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "walkthrough",
        help="print the helpdesk's phone script for a migration",
        description="Print the script a helpdesk person follows on the phone to walk a user "
        "through Offramp's migration to PLAYBOOK: numbered steps in the order "
        "Offramp runs them, each with what to say, what the user should see and "
        "what to do when something goes wrong. Exit 2 for an unknown playbook or "
        "one that does not support the system.",
    )
    p.add_argument("--to", required=True, metavar="PLAYBOOK", help="the replacement: a playbook id or a playbook file")
    p.add_argument("--os", choices=CHOICES, help="the user's system (default: this machine's)")
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


def run_walkthrough(args: argparse.Namespace) -> int:
    from offramp.core.data.catalogue import combine, load_catalogues
    from offramp.core.data.platforms import this_platform
    from offramp.core.data.replacements import find_replacement
    from offramp.core.i18n import _
    from offramp.core.output.walkthrough import WalkthroughError, render_walkthrough_html, render_walkthrough_text

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
