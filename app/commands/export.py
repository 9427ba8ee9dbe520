"""`offramp export`: the catalogue's detection rules in formats fleet tools read (today: an osquery pack)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from offramp.core import exitcodes


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
    p.add_argument("--catalogue", metavar="ID", help="only this banned-product catalogue (default: every shipped one)")
    p.set_defaults(handler=run_osquery_pack)
    p = formats.add_parser(
        "fleet-policies",
        help="print Fleet policies (GitOps YAML) built from the catalogue",
        description="Print Fleet policies, three per platform: banned software not installed, no "
        "leftovers, protected again. Save as lib/offramp.policies.yml in a Fleet GitOps repository and "
        "name it under 'policies:' (see docs/fleet.md).",
    )
    p.add_argument("--output", type=Path, metavar="FILE", help="write the policies to FILE instead of printing them")
    p.set_defaults(handler=run_fleet_policies)


def run_osquery_pack(args: argparse.Namespace) -> int:
    import json  # here, not at the top: `offramp --help` builds every command's parser

    from offramp.core.data.catalogue import combine, load_catalogues
    from offramp.core.export.osquery_pack import ExportError, build_pack
    from offramp.core.i18n import _

    try:
        pack = build_pack(combine(load_catalogues(getattr(args, "catalogue", None))))
    except ExportError as exc:
        print(_("offramp: cannot export the osquery pack: {problem}", problem=exc), file=sys.stderr)
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
        print(
            _("offramp: cannot write {file}: {problem}", file=args.output, problem=exc.strerror or exc), file=sys.stderr
        )
        return exitcodes.USAGE
    return exitcodes.SUCCESS


def run_fleet_policies(args: argparse.Namespace) -> int:
    from offramp.core.data.catalogue import combine, load_catalogues
    from offramp.core.export.fleet_policies import build_policies, to_yaml
    from offramp.core.export.osquery_pack import ExportError
    from offramp.core.i18n import _
    from offramp.core.scan.run import known_security_products

    try:
        replacements = {p: known_security_products(p) for p in ("windows", "darwin", "linux")}
        text = to_yaml(build_policies(combine(load_catalogues(getattr(args, "catalogue", None))), replacements))
    except ExportError as exc:
        print(_("offramp: cannot export the Fleet policies: {problem}", problem=exc), file=sys.stderr)
        return exitcodes.USAGE
    if args.output is None:
        sys.stdout.write(text)
        return exitcodes.SUCCESS
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(
            _("offramp: cannot write {file}: {problem}", file=args.output, problem=exc.strerror or exc), file=sys.stderr
        )
        return exitcodes.USAGE
    return exitcodes.SUCCESS
