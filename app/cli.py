"""Offramp's command line: the silent/admin front end. Parses arguments and hands off to app.commands.

Heavy imports (Qt, requests, psutil, jsonschema) happen inside the handlers, never here, so
`offramp --help` and argument errors answer at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app import __version__

if TYPE_CHECKING:
    import datetime as dt

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INTERNAL = 70  # sysexits' EX_SOFTWARE: a bug in Offramp, distinct from every documented outcome


def _date(text: str) -> dt.date:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _handler(module: str, func: str = "run") -> Callable[[argparse.Namespace], int]:
    def call(args: argparse.Namespace) -> int:
        import importlib

        return int(getattr(importlib.import_module(f"app.commands.{module}"), func)(args))

    return call


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="offramp",
        description="Find a banned security product (today: Kaspersky), remove it cleanly, install a "
        "replacement you chose and prove the machine is protected again.",
        epilog="Exit status: 0 success, 1 banned software found (scan), 2 usage or input error. "
        "Run 'offramp COMMAND --help' for each command.",
    )
    parser.add_argument("--version", action="version", version=f"offramp {__version__}")
    parser.add_argument(
        "--log-file",
        type=Path,
        metavar="FILE",
        help="write the JSON Lines event log here instead of the per-user log folder",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="also print debug messages to the terminal")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    playbooks = commands.add_parser(
        "playbooks",
        help="list, validate or describe replacement playbooks",
        description="Work with the YAML playbooks that describe replacements.",
    )
    pb = playbooks.add_subparsers(dest="playbooks_command", metavar="ACTION", required=True)
    p = pb.add_parser(
        "list",
        help="list the replacements Offramp can install",
        description="List the replacement playbooks, optionally for one platform.",
    )
    p.add_argument("--platform", choices=["windows", "macos", "linux"], help="only those for this platform")
    p.add_argument("--json", action="store_true", help="print JSON for tools")
    p.set_defaults(handler=_handler("playbooks", "run_list"))
    p = pb.add_parser(
        "validate",
        help="check YAML files against their schema",
        description="Validate playbook, catalogue and policy files. Prints file:line:column: "
        "field: problem for each error. Exit 0 when all are valid, 2 otherwise.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (searched for *.yaml)")
    p.set_defaults(handler=_handler("playbooks", "run_validate"))
    p = pb.add_parser(
        "schema",
        help="print the JSON Schema of a YAML kind",
        description="Print the JSON Schema for a kind of YAML file (for editors and reviewers).",
    )
    p.add_argument("kind", nargs="?", choices=["banned-catalogue", "replacement", "policy"])
    p.set_defaults(handler=_handler("playbooks", "run_schema"))
    p = pb.add_parser(
        "update",
        help="fetch newer playbooks from a TUF-signed update repository",
        description="Fetch newer playbooks from an update repository secured with TUF (rollback, freeze, "
        "mix-and-match and wrong keys are refused); never older than the shipped ones. They go to Offramp's "
        "state folder and are used by id from then on. Exit 0 done, 1 refused or unreachable, 2 usage.",
    )
    p.add_argument("--repository", required=True, metavar="URL", help="the update repository's base URL")
    p.add_argument("--trusted-root", required=True, type=Path, metavar="FILE", help="the repository's root.json")
    p.set_defaults(handler=_handler("playbooks", "run_update"))

    p = commands.add_parser(
        "timeline",
        help="the ban's dates, with sources, and how long ago each was",
        description="Show the ban timeline with sources and today's distance from each date.",
    )
    p.add_argument("--json", action="store_true", help="print JSON for tools")
    p.add_argument("--today", type=_date, metavar="YYYY-MM-DD", help="count days from this date instead of today")
    p.set_defaults(handler=_handler("timeline"))
    p = commands.add_parser(
        "scan",
        help="look for banned software and its leftovers",
        description="Look for banned software, its leftovers, look-alikes and other security "
        "products. Exit 0: nothing banned and no leftovers; 1: banned software or "
        "leftovers found; 2: usage or input error.",
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument("--root", type=Path, metavar="DIR", help="scan a mounted Linux or macOS system at DIR")
    source.add_argument(
        "--inventory",
        type=Path,
        metavar="FILE",
        help="classify an inventory file (Offramp's JSON or osquery's results from the exported pack)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON document for tools")
    p.set_defaults(handler=_handler("scan"))

    inventory = commands.add_parser(
        "inventory",
        help="print what a scan reads, as osquery-shaped JSON",
        description="Work with inventories: the osquery-shaped rows a scan reads.",
    )
    inv = inventory.add_subparsers(dest="inventory_command", metavar="ACTION", required=True)
    p = inv.add_parser(
        "collect",
        help="print this machine's inventory as JSON",
        description="Print the inventory of this machine (or of a mounted system) as JSON.",
    )
    p.add_argument("--root", type=Path, metavar="DIR", help="read a mounted Linux or macOS system at DIR")
    p.set_defaults(handler=_handler("scan", "run_collect"))

    def migration_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("--to", metavar="PLAYBOOK", help="the replacement: a playbook id or a playbook file")
        p.add_argument("--policy", type=Path, metavar="FILE", help="an admin policy (YAML) for this migration")
        p.add_argument("--remove-only", action="store_true", help="remove the banned software; install nothing")
        p.add_argument("--root", type=Path, metavar="DIR", help="work on a mounted Linux or macOS system at DIR")

    p = commands.add_parser(
        "plan",
        help="show the steps a migration would take",
        description="Scan, then print the ordered steps of the migration to PLAYBOOK.",
    )
    migration_arguments(p)
    p.add_argument("--json", action="store_true", help="print the plan as JSON for tools")
    p.set_defaults(handler=_handler("migrate", "run_plan"))

    p = commands.add_parser(
        "migrate",
        help="remove the banned software and install the replacement",
        description="Run the migration. With --silent nothing is asked. Exit codes: 0 success "
        "(also when there was nothing to do), 3010 restart required (resume registered),"
        " 1641 restart started, 1618 retry later, 1602 cancelled, 1603 failed, "
        "2 usage, 20-32 Offramp-specific failures (see README).",
    )
    migration_arguments(p)
    p.add_argument("--silent", action="store_true", help="never prompt (for deployment tools)")
    p.add_argument("--dry-run", action="store_true", help="go through the whole plan without changing anything")
    p.add_argument("--report", type=Path, metavar="FILE", help="write the JSON report here")
    p.add_argument(
        "--offline",
        type=Path,
        metavar="DIR",
        help="use only the playbook and installer in this bundle (see 'offramp bundle create'); no network",
    )
    p.set_defaults(handler=_handler("migrate", "run_migrate"))

    p = commands.add_parser("bundle", help="carry installers to machines without a network")
    bundle_actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    b = bundle_actions.add_parser(
        "create",
        help="download and verify installers and playbooks into a folder for 'migrate --offline'",
        description="Download each playbook's installer for one OS, verify its SHA-256 and pinned signer, "
        "and write it with the playbooks and a manifest of SHA-256s into DIR. Exit 0 done, 2 usage, "
        "22 download failed, 23 hash mismatch, 32 signer mismatch.",
    )
    b.add_argument("--to", required=True, nargs="+", metavar="PLAYBOOK", help="playbook ids or files")
    b.add_argument("--os", required=True, choices=["windows", "macos", "linux"], help="the machines' system")
    b.add_argument("--output", required=True, type=Path, metavar="DIR", help="a new or empty folder")
    b.add_argument("--policy", type=Path, metavar="FILE", help="an admin policy (proxy, re-published installers)")
    b.set_defaults(handler=_handler("bundle", "run_create"))

    p = commands.add_parser(
        "resume",
        help="continue an interrupted migration",
        description="Continue the migration that a restart, a crash or a kill interrupted, "
        "from its first unfinished step.",
    )
    p.add_argument("--silent", action="store_true", help="never prompt (for deployment tools)")
    p.add_argument(
        "--abandon",
        action="store_true",
        help="clear a stuck migration instead of resuming it (journaled; its record is kept aside)",
    )
    p.set_defaults(handler=_handler("migrate", "run_resume"))

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
    v.set_defaults(handler=_handler("journal", "run_verify"))

    p = commands.add_parser(
        "walkthrough",
        help="print the helpdesk's phone script for a migration",
        description="Print the script a helpdesk person follows on the phone to walk a user "
        "through Offramp's migration to PLAYBOOK: numbered steps in the order "
        "Offramp runs them, each with what to say, what the user should see and "
        "what to do when something goes wrong. Exit 2 for an unknown playbook or "
        "one that does not support the system.",
    )
    p.add_argument("--to", required=True, metavar="PLAYBOOK", help="the replacement: a playbook id or a playbook file")
    p.add_argument("--os", choices=["windows", "macos", "linux"], help="the user's system (default: this machine's)")
    p.add_argument(
        "--format",
        choices=["text", "html"],
        default="text",
        help="text for a terminal or a ticket (default), html for printing",
    )
    p.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of printing")
    p.set_defaults(handler=_handler("walkthrough", "run_walkthrough"))

    p = commands.add_parser(
        "report",
        help="show the last migration's report as a printable page",
        description="Render the JSON report of the last migration (or of --input FILE) as "
        "a self-contained HTML page to print or attach to a ticket. Exit 2 when "
        "the report is missing or damaged.",
    )
    p.add_argument("--format", choices=["html", "json"], default="html", help="html (default) or the JSON itself")
    p.add_argument(
        "--input",
        type=Path,
        metavar="FILE",
        help="the JSON report to read (default: report.json in Offramp's state folder)",
    )
    p.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of printing")
    p.set_defaults(handler=_handler("walkthrough", "run_report"))

    fleet = commands.add_parser(
        "fleet",
        help="many hosts at once: osquery results logs or collected migration reports",
        description="Work with a whole fleet's results.",
    )
    fl = fleet.add_subparsers(dest="fleet_command", metavar="ACTION", required=True)
    p = fl.add_parser(
        "scan",
        help="classify every host of osquery or Fleet results logs",
        description="Read osquery or Fleet results logs (any size, plain or gzip) from the exported pack, "
        "classify every host as 'offramp scan --inventory' would, and print a summary and each host's "
        "findings. Exit 0: every host clean; 1: some host has banned software, leftovers or unreadable "
        "results; 2: the logs could not be used.",
    )
    p.add_argument("logs", nargs="+", type=Path, metavar="LOG", help="results logs, oldest first")
    fmt = p.add_mutually_exclusive_group()
    for name in ("json", "csv", "html"):
        fmt.add_argument(f"--{name}", dest="format", action="store_const", const=name, help=f"write {name.upper()}")
    p.set_defaults(format="text")
    p.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of printing")
    p.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: one per core)")
    p.add_argument(
        "--stale-days",
        type=int,
        default=7,
        metavar="DAYS",
        help="call a host stale when its newest result is this much older than the log's newest (default 7)",
    )
    p.set_defaults(handler=_handler("fleet", "run_scan"))
    p = fl.add_parser(
        "report",
        help="sum up the JSON reports that silent migrations wrote",
        description="Read the JSON reports 'offramp migrate --silent' wrote on each machine (files, or "
        "folders searched for *.json) and say which finished, need a restart or failed, and why. "
        "Exit 0: every migration finished; 1: some did not; 2: no report found.",
    )
    p.add_argument("reports", nargs="+", type=Path, metavar="REPORT", help="report files or folders")
    fmt = p.add_mutually_exclusive_group()
    for name in ("json", "csv"):
        fmt.add_argument(f"--{name}", dest="format", action="store_const", const=name, help=f"write {name.upper()}")
    p.set_defaults(format="text")
    p.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of printing")
    p.set_defaults(handler=_handler("fleet", "run_report"))

    export = commands.add_parser(
        "export",
        help="export the detection rules for fleet tools (osquery)",
        description="Export the catalogue's detection rules in a form fleet tools "
        "run, so their results can be fed back to 'offramp scan "
        "--inventory'.",
    )
    exp = export.add_subparsers(dest="export_command", metavar="FORMAT", required=True)
    p = exp.add_parser(
        "osquery-pack",
        help="print an osquery query pack that collects what a scan reads",
        description="Print an osquery pack (JSON) with one snapshot query per osquery table "
        "the catalogue uses. Deploy it under the pack name 'offramp' and give a "
        "host's results log to 'offramp scan --inventory FILE'. See "
        "docs/osquery.md.",
    )
    p.add_argument("--output", type=Path, metavar="FILE", help="write the pack to FILE instead of printing it")
    p.set_defaults(handler=_handler("export", "run_osquery_pack"))
    p = exp.add_parser(
        "fleet-policies",
        help="print Fleet policies (GitOps YAML) built from the catalogue",
        description="Print Fleet policies, three per platform: banned software not installed, no "
        "leftovers, protected again. Save as lib/offramp.policies.yml in a Fleet GitOps repository and "
        "name it under 'policies:' (see docs/fleet.md).",
    )
    p.add_argument("--output", type=Path, metavar="FILE", help="write the policies to FILE instead of printing them")
    p.set_defaults(handler=_handler("export", "run_fleet_policies"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    from app.core import eventlog

    log_file = eventlog.setup(args.log_file, verbose=args.verbose)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the last line of defence: words for the user, the traceback for the log
        # Looked up, not imported: the validator brings the YAML parser, which a normal scan never needs, and
        # an InvalidPlaybook can only come from a validator that is already loaded.
        validation = sys.modules.get("app.core.data.validation")
        if validation is not None and isinstance(exc, validation.InvalidPlaybook):
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            return EXIT_USAGE
        eventlog.get().exception("unexpected error", extra={"event": "internal.error", "console": False})
        print(
            f"offramp: internal error: {exc.__class__.__name__}: {exc}\nThe details are in the log: {log_file}",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
