"""`offramp export`: the catalogue's detection rules in formats fleet tools read (today: an osquery pack)."""

from __future__ import annotations

import argparse
import json
import sys

EXIT_OK = 0
EXIT_INPUT = 2


def run_osquery_pack(args: argparse.Namespace) -> int:
    from app.core.data.catalogue import load_catalogue
    from app.core.export.osquery_pack import ExportError, build_pack

    try:
        pack = build_pack(load_catalogue())
    except ExportError as exc:
        print(f"offramp: cannot export the osquery pack: {exc}", file=sys.stderr)
        return EXIT_INPUT
    # Sorted keys and a trailing newline: the same catalogue always gives the same bytes, so a pack
    # kept in version control only changes when the catalogue does.
    text = json.dumps(pack, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"offramp: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    return EXIT_OK


def run_fleet_policies(args: argparse.Namespace) -> int:
    from app.core.data.catalogue import load_catalogue
    from app.core.export.fleet_policies import build_policies, to_yaml
    from app.core.export.osquery_pack import ExportError
    from app.core.scan.run import known_security_products

    try:
        replacements = {p: known_security_products(p) for p in ("windows", "darwin", "linux")}
        text = to_yaml(build_policies(load_catalogue(), replacements))
    except ExportError as exc:
        print(f"offramp: cannot export the Fleet policies: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"offramp: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    return EXIT_OK
