"""`offramp fleet scan` and `offramp fleet report`: many hosts at once, from osquery logs or migration reports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_CLEAN = 0
EXIT_FOUND = 1
EXIT_INPUT = 2


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def run_scan(args: argparse.Namespace) -> int:
    import json

    from app.core import eventlog
    from app.core.data.catalogue import load_catalogue
    from app.core.fleet import render
    from app.core.fleet.scan import FleetInputError, scan_fleet

    try:
        result = scan_fleet(args.logs, jobs=args.jobs, stale_days=args.stale_days)
    except FleetInputError as exc:
        print(f"offramp: {exc}", file=sys.stderr)
        return EXIT_INPUT
    s = result.summary
    eventlog.event("fleet.scan", f"fleet scan: {s.hosts} hosts", hosts=s.hosts, **s.by_verdict)
    if args.format == "json":
        _write(json.dumps(render.to_json(result), indent=2, ensure_ascii=False) + "\n", args.output)
    elif args.format == "csv":
        _write(render.to_csv(result), args.output)
    elif args.format == "html":
        from app.core.output import fleet_html

        _write(fleet_html.render(result, load_catalogue().vendor.name), args.output)
    else:
        _write(render.to_text(result, load_catalogue().vendor.name), args.output)
    if s.unreadable_lines and args.format != "text":
        print(f"offramp: {s.unreadable_lines} lines could not be read; first: {s.problems[0]}", file=sys.stderr)
    return EXIT_CLEAN if s.clean else EXIT_FOUND


def run_report(args: argparse.Namespace) -> int:
    import csv
    import io
    import json

    from app.core.fleet import reports

    files = reports.expand(args.reports)
    if not files:
        print("offramp: no report files found", file=sys.stderr)
        return EXIT_INPUT
    migrations = reports.ordered([reports.read_one(path, hint) for path, hint in files])
    if args.format == "json":
        data = {"summary": reports.summarise(migrations), "machines": [m.to_dict() for m in migrations]}
        _write(json.dumps(data, indent=2, ensure_ascii=False) + "\n", args.output)
    elif args.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["host", "state", "exit_code", "reason", "support_code", "file"])
        for m in migrations:
            row = [m.host, m.state, m.exit_code, m.reason, m.support_code, m.file]
            writer.writerow([f"'{c}" if isinstance(c, str) and c[:1] in "=+-@" else c for c in row])
        _write(out.getvalue(), args.output)
    else:
        _write(reports.to_text(migrations), args.output)
    return EXIT_CLEAN if all(m.state in ("finished", "dry run") for m in migrations) else EXIT_FOUND
