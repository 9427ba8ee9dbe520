"""`offramp scan` and `offramp inventory collect`: what is on this machine, in words or as JSON."""

from __future__ import annotations

import argparse
import sys

from app.commands.output import emit_json, say

EXIT_CLEAN = 0
EXIT_FOUND = 1
EXIT_INPUT = 2


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def print_summary(result: object) -> None:
    from app.core.scan.run import ScanResult

    assert isinstance(result, ScanResult)
    f = result.findings
    vendor = result.catalogue.vendor.name
    say(f"Offramp scan of {result.source.detail} ({f.platform}), {f.scanned_at:%Y-%m-%d %H:%M} UTC")
    stopped = result.to_dict()["updates_cutoff"]
    say(f"{vendor} updates stopped in the US on {stopped['date']} ({stopped['days_ago']} days ago).\n")
    if f.installed:
        say(f"Banned software installed ({len(f.installed)}):")
        for n, p in enumerate(f.installed, 1):
            label = p.edition if p.edition and p.edition != p.name else p.name
            say(f"  {n}. {label}" + (f" {p.version}" if p.version else "") + f"  [{p.product_id}]")
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
            say(f"  - {item.kind} {item.name}  ({item.product_name})")
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
        result = run_scan(root=args.root, inventory_file=args.inventory)
    except InventoryError as exc:
        say(f"offramp: bad inventory: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except ValueError as exc:
        print(f"offramp: {exc}", file=sys.stderr)
        return EXIT_INPUT
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
    return EXIT_CLEAN if f.clean else EXIT_FOUND


def run_collect(args: argparse.Namespace) -> int:
    from app.core.data.catalogue import load_catalogue
    from app.core.scan.run import collect

    try:
        inventory, _source = collect(load_catalogue(), root=args.root)
    except ValueError as exc:
        print(f"offramp: {exc}", file=sys.stderr)
        return EXIT_INPUT
    emit_json(inventory)
    return 0
