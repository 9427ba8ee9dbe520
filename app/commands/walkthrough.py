"""`offramp walkthrough` and `offramp report`: printable pages for the helpdesk and for the person at home.

`walkthrough` prints the phone script for migrating to one replacement on one OS; `report` turns the
last migration's JSON report into an HTML page to attach to a ticket or print. Both exit 2 with one
sentence, never a traceback, when what they were given cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_INPUT = 2


def _write(text: str, output: Path | None) -> int:
    if output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"offramp: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    print(f"Written to {output}", file=sys.stderr)
    return EXIT_OK


def run_walkthrough(args: argparse.Namespace) -> int:
    from app.core.data.catalogue import combine, load_catalogues
    from app.core.data.replacements import find_replacement
    from app.core.output.walkthrough import WalkthroughError, render_walkthrough_html, render_walkthrough_text
    from app.core.scan.run import this_platform

    try:
        replacement = find_replacement(args.to)
    except KeyError:
        print(f"offramp: unknown playbook {args.to!r}: see 'offramp playbooks list'", file=sys.stderr)
        return EXIT_INPUT
    render = render_walkthrough_html if args.format == "html" else render_walkthrough_text
    try:
        catalogue = combine(load_catalogues(getattr(args, "catalogue", None)))
        text = render(replacement, args.os or this_platform(), catalogue)
    except (WalkthroughError, ValueError) as exc:
        print(f"offramp: {exc}", file=sys.stderr)
        return EXIT_INPUT
    return _write(text, args.output)


def run_report(args: argparse.Namespace) -> int:
    from app.core import paths
    from app.core.output.report_html import ReportError, load_report, render_report

    source = args.input or paths.state_dir() / "report.json"
    try:
        report = load_report(source)
    except ReportError as exc:
        print(f"offramp: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if args.format == "json":
        text = json.dumps(report, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    else:
        text = render_report(report)
    return _write(text, args.output)
