"""`offramp scan` and `offramp inventory collect`: what is on this machine, in words or as JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.commands.output import emit_json
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
    p.set_defaults(handler=run_collect)


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def print_summary(result: object) -> None:
    from app.core.scan.run import ScanResult

    assert isinstance(result, ScanResult)
    f = result.findings
    vendor = result.catalogue.vendor.name
    print(f"Offramp scan of {result.source.detail} ({f.platform}), {f.scanned_at:%Y-%m-%d %H:%M} UTC")
    stopped = result.to_dict()["updates_cutoff"]
    print(f"{vendor} updates stopped in the US on {stopped['date']} ({stopped['days_ago']} days ago).\n")
    if f.installed:
        print(f"Banned software installed ({len(f.installed)}):")
        for n, p in enumerate(f.installed, 1):
            label = p.edition if p.edition and p.edition != p.name else p.name
            print(f"  {n}. {label}" + (f" {p.version}" if p.version else "") + f"  [{p.product_id}]")
            age = (
                f"{p.definitions_date[:10]} ({p.definitions_age_days} days old)"
                if p.definitions_date
                else "not readable"
            )
            print(f"     running: {_yes_no(p.running)}   protecting: {_yes_no(p.protecting)}   definitions: {age}")
            if p.removal_methods:
                print(f"     removal: {', '.join(p.removal_methods)}; restart: {p.reboot}")
        print()
    if f.leftovers:
        print(f"Leftovers of removed {vendor} software ({len(f.leftovers)}):")
        for item in f.leftovers:
            print(f"  - {item.kind} {item.name}  ({item.product_name})")
        print()
    if f.notes:
        print(f"Seen but not {vendor}, left alone:")
        for note in f.notes:
            print(f"  - {note.name} ({note.maker}): {note.reason}")
        print()
    if f.other_security_products:
        print(
            "Other security products: "
            + ", ".join(p.name + (f" ({p.state})" if p.state else "") for p in f.other_security_products)
        )
        print()
    verdict = {
        "banned-installed": f"Result: banned {vendor} software is installed. "
        "See the steps with 'offramp plan --to REPLACEMENT' ('offramp playbooks list').",
        "leftovers": f"Result: no {vendor} product is installed, but it left parts behind.",
        "clean": f"Result: nothing from {vendor} was found.",
    }[f.verdict]
    print(verdict)


def run(args: argparse.Namespace) -> int:
    from app.core import eventlog
    from app.core.scan.inventory import InventoryError
    from app.core.scan.run import run_scan

    try:
        result = run_scan(root=args.root, inventory_file=args.inventory)
    except InventoryError as exc:
        print(f"offramp: bad inventory: {exc}", file=sys.stderr)
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
    from app.core.data.catalogue import load_catalogue
    from app.core.scan.run import collect

    try:
        inventory, _source = collect(load_catalogue(), root=args.root)
    except ValueError as exc:
        print(f"offramp: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    emit_json(inventory)
    return exitcodes.SUCCESS
