"""`offramp playbooks list | validate | schema`: what replacements exist, and whether YAML files are valid."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.commands.output import emit_json, table


def run_list(args: argparse.Namespace) -> int:
    from app.core.data import platforms
    from app.core.data.replacements import load_replacements

    platform = platforms.from_typed(args.platform) if args.platform else None
    found = [r for r in load_replacements() if platform is None or platform in r.platforms]
    if args.json:
        emit_json(
            [
                {
                    "id": r.id,
                    "name": r.name,
                    "vendor": r.vendor,
                    "vendor_country": r.vendor_country,
                    "platforms": list(r.platforms),
                    "price": r.price,
                    "includes": r.features(),
                    "silent": {p: r.silent_on(p) for p in r.platforms},
                    "recommended_on": list(r.recommended_on),
                    "summary": r.summary,
                    "verified_on": r.verified_on.isoformat(),
                    "file": str(r.path),
                }
                for r in found
            ]
        )
        return 0
    rows = []
    for r in found:
        shown = [p for p in r.platforms if platform in (None, p)]
        silent = ", ".join(f"{platforms.typed_name(p)}:{'yes' if r.silent_on(p) else 'guided'}" for p in shown)
        rows.append([r.id, r.name, r.price, silent, ", ".join(r.features())])
    print(table(rows, ["ID", "NAME", "PRICE", "SILENT INSTALL", "INCLUDES"]))
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from app.core.data.validation import validate_paths

    count, problems = validate_paths([Path(p) for p in args.paths])
    for problem in problems:
        print(problem, file=sys.stderr)
    if count == 0:
        print("no YAML files found in: " + " ".join(args.paths), file=sys.stderr)
        return 2
    if problems:
        bad = len({p.path for p in problems})
        print(f"{bad} of {count} file(s) invalid, {len(problems)} problem(s)", file=sys.stderr)
        return 2
    print(f"{count} file(s) valid")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    from app.core.data.validation import KINDS, schema_text

    kinds = [args.kind] if args.kind else list(KINDS)
    for kind in kinds:
        try:
            sys.stdout.write(schema_text(kind))
        except FileNotFoundError:
            print(f"no schema is installed for {kind!r}", file=sys.stderr)
            return 2
    return 0
