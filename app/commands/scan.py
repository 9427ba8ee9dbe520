"""`offramp scan` and `offramp inventory collect`: what is on this machine, in words or as JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.commands.output import emit_json, say
from app.core import exitcodes


def register(commands: argparse._SubParsersAction) -> None:
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
    p.add_argument("--catalogue", metavar="ID", help="only this banned-product catalogue (default: every shipped one)")
    p.set_defaults(handler=run)

    inventory = commands.add_parser(
        "inventory",
        help="print what a scan reads, as osquery-shaped JSON",
        description="Work with inventories: the osquery-shaped rows a scan reads.",
    )
    actions = inventory.add_subparsers(dest="inventory_command", metavar="ACTION", required=True)
    p = actions.add_parser(
        "collect",
        help="print this machine's inventory as JSON",
        description="Print the inventory of this machine (or of a mounted system) as JSON.",
    )
    p.add_argument("--root", type=Path, metavar="DIR", help="read a mounted Linux or macOS system at DIR")
    p.add_argument("--catalogue", metavar="ID", help="only this banned-product catalogue (default: every shipped one)")
    p.set_defaults(handler=run_collect)


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _certainty(value: str) -> str:
    return "certain" if value == "certain" else "probable (removed only once a person confirms it)"


def print_summary(result: object) -> None:
    from app.core.scan.run import ScanResult

    assert isinstance(result, ScanResult)
    f = result.findings
    vendor = " or ".join(c.vendor.name for c in result.scanned)
    say(f"Offramp scan of {result.source.detail} ({f.platform}), {f.scanned_at:%Y-%m-%d %H:%M} UTC")
    for each in result.to_dict()["catalogues"]:
        say(f"{each['headline']['text']} ({each['headline']['days_ago']} days ago)")
    say()
    if f.installed:
        say(f"Banned software installed ({len(f.installed)}):")
        for n, p in enumerate(f.installed, 1):
            label = p.edition if p.edition and p.edition != p.name else p.name
            say(f"  {n}. {label}" + (f" {p.version}" if p.version else "") + f"  [{p.product_id}]")
            say(f"     certainty: {_certainty(p.certainty)}")
            age = (
                f"{p.definitions_date[:10]} ({p.definitions_age_days} days old)"
                if p.definitions_date
                else "not readable"
            )
            say(f"     running: {_yes_no(p.running)}   protecting: {_yes_no(p.protecting)}   definitions: {age}")
            if p.removal_methods:
                say(f"     removal: {', '.join(p.removal_methods)}; restart: {p.reboot}")
        say()
    if f.leftovers:
        say(f"Leftovers of removed {vendor} software ({len(f.leftovers)}):")
        for item in f.leftovers:
            say(f"  - {item.kind} {item.name}  ({item.product_name}; {_certainty(item.certainty)})")
        say()
    if f.shared:
        say(f"Shared {vendor} parts, removed with the products above ({len(f.shared)}):")
        for item in f.shared:
            say(f"  - {item.kind} {item.name}  ({_certainty(item.certainty)})")
        say()
    if f.guest_installs:
        say("Installed inside a virtual machine, not on this system (remove it in the guest):")
        for note in f.guest_installs:
            say(f"  - {note.name}: {', '.join(str(e.row.get('path') or e.row.get('name')) for e in note.evidence)}")
        say()
    if f.notes:
        say(f"Seen but not {vendor}, left alone:")
        for note in f.notes:
            say(f"  - {note.name} ({note.maker}): {note.reason}")
        say()
    if f.other_security_products:
        say(
            "Other security products: "
            + ", ".join(p.name + (f" ({p.state})" if p.state else "") for p in f.other_security_products)
        )
        say()
    verdict = {
        "banned-installed": f"Result: banned {vendor} software is installed. "
        "See the steps with 'offramp plan --to REPLACEMENT' ('offramp playbooks list').",
        "leftovers": f"Result: no {vendor} product is installed, but it left parts behind.",
        "clean": f"Result: nothing from {vendor} was found.",
    }[f.verdict]
    say(verdict)


def run(args: argparse.Namespace) -> int:
    from app.core import eventlog
    from app.core.scan.inventory import InventoryError
    from app.core.scan.run import run_scan

    try:
        result = run_scan(root=args.root, inventory_file=args.inventory, catalogue_id=args.catalogue)
    except InventoryError as exc:
        say(f"offramp: bad inventory: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    except ValueError as exc:
        print(f"offramp: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    f = result.findings
    eventlog.event(
        "scan.done",
        f"scan: {f.verdict}",
        verdict=f.verdict,
        installed=[p.product_id for p in f.installed],
        leftovers=len(f.leftovers),
        source=result.source.detail,
    )
    if args.json:
        emit_json(result.to_dict())
    else:
        print_summary(result)
    return exitcodes.SUCCESS if f.clean else exitcodes.FOUND


def run_collect(args: argparse.Namespace) -> int:
    from app.core.data.catalogue import combine, load_catalogues
    from app.core.scan.run import collect

    try:
        inventory, _source = collect(combine(load_catalogues(args.catalogue)), root=args.root)
    except ValueError as exc:
        print(f"offramp: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    emit_json(inventory)
    return exitcodes.SUCCESS
