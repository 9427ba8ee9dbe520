"""`offramp journal verify`: checks that a migration's journal is the one its report vouches for.

Exit 0 when the chain is intact (and reaches the report's head), 1 when a line was changed, 2 for a
report that cannot be read; a journal that cannot be read exits with its record code (30, 31).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from offramp.core import exitcodes


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("journal", help="check a migration's journal", description="Check a migration's journal.")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    v = actions.add_parser(
        "verify",
        help="check the journal's hash chain, and that it is the journal a report vouches for",
        description="Check that no line of the journal was changed: each line holds the hash of the one "
        "before it, and a report holds the last one's. Exit 0 intact, 1 changed (the first such line "
        "is named), 2 usage.",
    )
    v.add_argument("--report", type=Path, metavar="FILE", help="the JSON report of the same migration")
    v.add_argument("--journal", type=Path, metavar="FILE", help="the journal (default: this machine's)")
    v.set_defaults(handler=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    from offramp.core.i18n import _
    from offramp.core.migrate import journal, records, report
    from offramp.core.migrate.recorderrors import RecordError

    path = args.journal or records.journal_path()
    head = lines = None
    if args.report:
        try:
            vouched = report.load(args.report).journal
        except report.ReportError as exc:
            print(
                _("offramp: cannot read the report {file}: {problem}", file=args.report, problem=exc.reason),
                file=sys.stderr,
            )
            return exitcodes.USAGE
        if vouched is None:
            print(
                _("offramp: {file} names no journal head (written by an older Offramp?)", file=args.report),
                file=sys.stderr,
            )
            return exitcodes.USAGE
        head, lines = vouched.head, vouched.lines
    try:
        verdict = journal.verify(path, head, lines)
    except RecordError as exc:
        print(_("offramp: {problem}", problem=exc), file=sys.stderr)
        return int(exc.exit_code)
    print(f"{path}: {_('intact') if verdict.ok else _('CHANGED')}: {verdict.message}")
    return exitcodes.SUCCESS if verdict.ok else exitcodes.JOURNAL_CHANGED
