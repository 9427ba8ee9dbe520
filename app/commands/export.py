"""`offramp export`: the catalogue's detection rules in formats fleet tools read (today: an osquery pack)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.core import exitcodes


def register(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser(
        "export",
        help="export the detection rules for fleet tools (osquery)",
        description="Export the catalogue's detection rules in a form fleet tools "
        "run, so their results can be fed back to 'offramp scan "
        "--inventory'.",
    )
    formats = export.add_subparsers(dest="export_command", metavar="FORMAT", required=True)
    p = formats.add_parser(
        "osquery-pack",
        help="print an osquery query pack that collects what a scan reads",
        description="Print an osquery pack (JSON) with one snapshot query per osquery table "
        "the catalogue uses. Deploy it under the pack name 'offramp' and give a "
        "host's results log to 'offramp scan --inventory FILE'. See "
        "docs/osquery.md.",
    )
    p.add_argument("--output", type=Path, metavar="FILE", help="write the pack to FILE instead of printing it")
    p.set_defaults(handler=run_osquery_pack)


def run_osquery_pack(args: argparse.Namespace) -> int:
    import json  # here, not at the top: `offramp --help` builds every command's parser

    from app.core.data.catalogue import load_catalogue
    from app.core.export.osquery_pack import ExportError, build_pack

    try:
        pack = build_pack(load_catalogue())
    except ExportError as exc:
        print(f"offramp: cannot export the osquery pack: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    # Sorted keys and a trailing newline: the same catalogue always gives the same bytes, so a pack
    # kept in version control only changes when the catalogue does.
    text = json.dumps(pack, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return exitcodes.SUCCESS
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"offramp: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return exitcodes.USAGE
    return exitcodes.SUCCESS
