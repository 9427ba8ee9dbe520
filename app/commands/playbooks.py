"""`offramp playbooks list | validate | schema | update`: the replacements, their validity, signed newer ones."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.commands.output import emit_json, table

PLATFORM_ALIASES = {"windows": "windows", "macos": "darwin", "darwin": "darwin", "linux": "linux"}


def run_list(args: argparse.Namespace) -> int:
    from app.core.data.replacements import load_replacements

    platform = PLATFORM_ALIASES[args.platform] if args.platform else None
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
        platforms = [p for p in r.platforms if platform in (None, p)]
        silent = ", ".join(
            f"{'macos' if p == 'darwin' else p}:{'yes' if r.silent_on(p) else 'guided'}" for p in platforms
        )
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


def run_update(args: argparse.Namespace) -> int:
    from app.core import paths
    from app.core.data.updates import UpdateError, update

    try:
        result = update(args.repository, args.trusted_root, paths.playbook_updates_dir())
    except UpdateError as exc:
        print(f"offramp: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"offramp: cannot read the trusted root or write the updates: {exc}", file=sys.stderr)
        return 2
    for name in result.taken:
        print(f"updated: {name}")
    for line in result.skipped:
        print(f"skipped: {line}")
    print(f"{len(result.taken)} playbook(s) updated into {paths.playbook_updates_dir()}")
    return 0
