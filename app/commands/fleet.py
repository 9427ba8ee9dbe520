"""`offramp fleet scan` and `offramp fleet report`: many hosts at once, from osquery logs or migration reports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from offramp.core import exitcodes


def register(commands: argparse._SubParsersAction) -> None:
    fleet = commands.add_parser(
        "fleet",
        help="many hosts at once: osquery results logs or collected migration reports",
        description="Work with a whole fleet's results.",
    )
    actions = fleet.add_subparsers(dest="fleet_command", metavar="ACTION", required=True)
    p = actions.add_parser(
        "scan",
        help="classify every host of osquery or Fleet results logs",
        description="Read osquery or Fleet results logs (any size, plain or gzip) from the exported pack, "
        "classify every host as 'offramp scan --inventory' would, and print a summary and each host's "
        "findings. Exit 0: every host clean; 1: some host has banned software, leftovers or unreadable "
        "results; 2: the logs could not be used.",
    )
    p.add_argument("logs", nargs="+", type=Path, metavar="LOG", help="results logs, oldest first")
    _formats(p, ("json", "csv", "html"))
    p.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: one per core)")
    p.add_argument(
        "--stale-days",
        type=int,
        default=7,
        metavar="DAYS",
        help="call a host stale when its newest result is this much older than the log's newest (default 7)",
    )
    p.set_defaults(handler=run_scan)
    p = actions.add_parser(
        "report",
        help="sum up the JSON reports that silent migrations wrote",
        description="Read the JSON reports 'offramp migrate --silent' wrote on each machine (files, or "
        "folders searched for *.json) and say which finished, need a restart or failed, and why. "
        "Exit 0: every migration finished; 1: some did not; 2: no report found.",
    )
    p.add_argument("reports", nargs="+", type=Path, metavar="REPORT", help="report files or folders")
    _formats(p, ("json", "csv"))
    p.set_defaults(handler=run_report)


def _formats(p: argparse.ArgumentParser, names: tuple[str, ...]) -> None:
    fmt = p.add_mutually_exclusive_group()
    for name in names:
        fmt.add_argument(f"--{name}", dest="format", action="store_const", const=name, help=f"write {name.upper()}")
    p.set_defaults(format="text")
    p.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of printing")


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def run_scan(args: argparse.Namespace) -> int:
    import json

    from offramp.core import eventlog
    from offramp.core.data.catalogue import combine, load_catalogues
    from offramp.core.fleet import render
    from offramp.core.fleet.scan import FleetInputError, scan_fleet
    from offramp.core.i18n import _, ngettext

    try:
        result = scan_fleet(args.logs, jobs=args.jobs, stale_days=args.stale_days)
    except FleetInputError as exc:
        print(_("offramp: {problem}", problem=exc), file=sys.stderr)
        return exitcodes.USAGE
    s = result.summary
    eventlog.event("fleet.scan", f"fleet scan: {s.hosts} hosts", hosts=s.hosts, **s.by_verdict)
    if args.format == "json":
        _write(json.dumps(render.to_json(result), indent=2, ensure_ascii=False) + "\n", args.output)
    elif args.format == "csv":
        _write(render.to_csv(result), args.output)
    elif args.format == "html":
        from offramp.core.output import fleet_html

        _write(fleet_html.render(result, combine(load_catalogues()).vendor.name), args.output)
    else:
        _write(render.to_text(result, combine(load_catalogues()).vendor.name), args.output)
    if s.unreadable_lines and args.format != "text":
        print(
            ngettext(
                "offramp: {n} line could not be read; first: {problem}",
                "offramp: {n} lines could not be read; first: {problem}",
                s.unreadable_lines,
                problem=s.problems[0],
            ),
            file=sys.stderr,
        )
    return exitcodes.SUCCESS if s.clean else exitcodes.FOUND


def run_report(args: argparse.Namespace) -> int:
    import csv
    import io
    import json

    from offramp.core.fleet import reports
    from offramp.core.i18n import _

    files = reports.expand(args.reports)
    if not files:
        print(_("offramp: no report files found"), file=sys.stderr)
        return exitcodes.USAGE
    migrations = reports.ordered([reports.read_one(path, hint) for path, hint in files])
    if args.format == "json":
        data = {"summary": reports.summarise(migrations), "machines": [m.to_dict() for m in migrations]}
        _write(json.dumps(data, indent=2, ensure_ascii=False) + "\n", args.output)
    elif args.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["host", "state", "exit_code", "reason", "support_code", "file"])
        from offramp.core.textsafe import printable

        for m in migrations:
            # Control characters shown as escapes (a tab or carriage return first also starts a formula).
            cells = (m.host, m.state, m.exit_code, m.reason, m.support_code, m.file)
            row = [printable(c) if isinstance(c, str) else c for c in cells]
            writer.writerow([f"'{c}" if isinstance(c, str) and c[:1] in "=+-@" else c for c in row])
        _write(out.getvalue(), args.output)
    else:
        _write(reports.to_text(migrations), args.output)
    finished = all(m.state in ("finished", "dry run") for m in migrations)
    return exitcodes.SUCCESS if finished else exitcodes.NOT_ALL_FINISHED
