"""`offramp playbooks list | validate | schema | update`: the replacements, their validity, signed newer ones."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from offramp.commands.output import emit_json, table
from offramp.core import exitcodes
from offramp.core.data.platforms import CHOICES


def register(commands: argparse._SubParsersAction) -> None:
    playbooks = commands.add_parser(
        "playbooks",
        help="list, validate or describe replacement playbooks",
        description="Work with the YAML playbooks that describe replacements.",
    )
    actions = playbooks.add_subparsers(dest="playbooks_command", metavar="ACTION", required=True)
    p = actions.add_parser(
        "list",
        help="list the replacements Offramp can install",
        description="List the replacement playbooks, optionally for one platform.",
    )
    p.add_argument("--platform", choices=CHOICES, help="only those for this platform")
    p.add_argument("--json", action="store_true", help="print JSON for tools")
    p.set_defaults(handler=run_list)
    p = actions.add_parser(
        "validate",
        help="check YAML files against their schema",
        description="Validate playbook, catalogue and policy files. Prints file:line:column: "
        "field: problem for each error. Exit 0 when all are valid, 2 otherwise.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (searched for *.yaml)")
    p.set_defaults(handler=run_validate)
    p = actions.add_parser(
        "schema",
        help="print the JSON Schema of a YAML kind",
        description="Print the JSON Schema for a kind of YAML file (for editors and reviewers).",
    )
    p.add_argument("kind", nargs="?", choices=["banned-catalogue", "replacement", "policy", "walkthrough"])
    p.set_defaults(handler=run_schema)
    p = actions.add_parser(
        "update",
        help="fetch newer playbooks from a TUF-signed update repository",
        description="Fetch newer playbooks from an update repository secured with TUF (rollback, freeze, "
        "mix-and-match and wrong keys are refused); never older than the shipped ones. They go to Offramp's "
        "state folder and are used by id from then on. Exit 0 done, 1 refused or unreachable, 2 usage.",
    )
    p.add_argument("--repository", required=True, metavar="URL", help="the update repository's base URL")
    p.add_argument("--trusted-root", required=True, type=Path, metavar="FILE", help="the repository's root.json")
    p.set_defaults(handler=run_update)


def run_list(args: argparse.Namespace) -> int:
    from offramp.core.data import platforms
    from offramp.core.data.replacements import load_replacements
    from offramp.core.i18n import _

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
        return exitcodes.SUCCESS
    rows = []
    for r in found:
        shown = [p for p in r.platforms if platform in (None, p)]
        silent = ", ".join(f"{platforms.typed_name(p)}:{_('yes') if r.silent_on(p) else _('guided')}" for p in shown)
        rows.append([r.id, r.name, r.price, silent, ", ".join(r.features())])
    print(table(rows, [_("ID"), _("NAME"), _("PRICE"), _("SILENT INSTALL"), _("INCLUDES")]))
    return exitcodes.SUCCESS


def run_validate(args: argparse.Namespace) -> int:
    from offramp.core.data.validation import validate_paths
    from offramp.core.i18n import _, ngettext

    count, problems = validate_paths([Path(p) for p in args.paths])
    for problem in problems:
        print(problem, file=sys.stderr)
    if count == 0:
        print(_("no YAML files found in: {paths}", paths=" ".join(args.paths)), file=sys.stderr)
        return exitcodes.USAGE
    if problems:
        bad = len({p.path for p in problems})
        files = ngettext("{bad} of {n} file invalid", "{bad} of {n} files invalid", count, bad=bad)
        print(ngettext("{files}, {n} problem", "{files}, {n} problems", len(problems), files=files), file=sys.stderr)
        return exitcodes.USAGE
    print(ngettext("{n} file valid", "{n} files valid", count))
    return exitcodes.SUCCESS


def run_schema(args: argparse.Namespace) -> int:
    from offramp.core.data.validation import KINDS, schema_text
    from offramp.core.i18n import _

    kinds = [args.kind] if args.kind else list(KINDS)
    for kind in kinds:
        try:
            sys.stdout.write(schema_text(kind))
        except FileNotFoundError:
            print(_("no schema is installed for {kind}", kind=repr(kind)), file=sys.stderr)
            return exitcodes.USAGE
    return exitcodes.SUCCESS


def run_update(args: argparse.Namespace) -> int:
    from offramp.core import paths
    from offramp.core.data.updates import UpdateError, update
    from offramp.core.i18n import _, ngettext

    try:
        result = update(args.repository, args.trusted_root, paths.playbook_updates_dir())
    except UpdateError as exc:
        print(_("offramp: {problem}", problem=exc), file=sys.stderr)
        return exitcodes.UPDATE_REFUSED
    except OSError as exc:
        print(_("offramp: cannot read the trusted root or write the updates: {problem}", problem=exc), file=sys.stderr)
        return exitcodes.USAGE
    for name in result.taken:
        print(_("updated: {name}", name=name))
    for line in result.skipped:
        print(_("skipped: {reason}", reason=line))
    folder = paths.playbook_updates_dir()
    print(
        ngettext(
            "{n} playbook updated into {folder}",
            "{n} playbooks updated into {folder}",
            len(result.taken),
            folder=folder,
        )
    )
    return exitcodes.SUCCESS
