"""`offramp scan` and `offramp inventory collect`: what is on this machine, in words or as JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from offramp.commands.output import emit_json, say
from offramp.core import exitcodes


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
    from offramp.core.i18n import _

    return _("unknown") if value is None else (_("yes") if value else _("no"))


def _certainty(value: str) -> str:
    from offramp.core.i18n import _

    return _("certain") if value == "certain" else _("probable (removed only once a person confirms it)")


def _kind(kind: str) -> str:
    """A leftover's kind as a word of the reader's language (the JSON keeps the English one)."""
    from offramp.core.output.evidence import kind_word

    return kind_word(kind)


def _restart(level: str) -> str:
    from offramp.core.i18n import _

    return {"required": _("required"), "maybe": _("maybe"), "none": _("none")}.get(level, level)


EVIDENCE_SHOWN = 6  # rows of evidence printed under one finding; --json has them all


def _evidence(evidence: object, indent: str) -> None:
    """A finding's evidence in words, a few rows of it (app/core/output/evidence.py)."""
    from offramp.core.i18n import ngettext
    from offramp.core.output.evidence import rows

    assert isinstance(evidence, (list, tuple))
    shown = rows(evidence)
    for row in shown[:EVIDENCE_SHOWN]:
        say(f"{indent}{row}")
    if len(shown) > EVIDENCE_SHOWN:
        more = len(shown) - EVIDENCE_SHOWN
        say(indent + ngettext("… and {n} more (see --json)", "… and {n} more (see --json)", more))


def print_summary(result: object) -> None:
    from offramp.core import i18n
    from offramp.core.data import timeline
    from offramp.core.i18n import _, ngettext, shown
    from offramp.core.scan.run import ScanResult

    assert isinstance(result, ScanResult)
    f = result.findings
    vendor = i18n.join_or([c.vendor.name for c in result.scanned])
    say(
        _(
            "Offramp scan of {source} ({system}), {date} {time} UTC",
            source=result.source.detail,
            system=f.platform,
            date=i18n.format_date(f.scanned_at.date()),
            time=f.scanned_at.strftime("%H:%M"),
        )
    )
    for catalogue in result.scanned:
        ago = timeline.updates_stopped(catalogue, f.scanned_at.date()).phrase()
        say(f"{catalogue.headline_shown()} ({ago})")
    say()
    if f.installed:
        say(_("Banned software installed ({n}):", n=len(f.installed)))
        for n, p in enumerate(f.installed, 1):
            label = p.edition if p.edition and p.edition != p.name else p.name
            say(f"  {n}. {label}" + (f" {p.version}" if p.version else "") + f"  [{p.product_id}]")
            say("     " + _("certainty: {certainty}", certainty=_certainty(p.certainty)))
            age = (
                ngettext(
                    "{date} ({n} day old)",
                    "{date} ({n} days old)",
                    p.definitions_age_days or 0,
                    date=p.definitions_date[:10],
                )
                if p.definitions_date
                else _("not readable")
            )
            say(
                "     "
                + _(
                    "running: {running}   protecting: {protecting}   definitions: {definitions}",
                    running=_yes_no(p.running),
                    protecting=_yes_no(p.protecting),
                    definitions=age,
                )
            )
            if p.removal_methods:
                say(
                    "     "
                    + _(
                        "removal: {methods}; restart: {restart}",
                        methods=", ".join(p.removal_methods),
                        restart=_restart(p.reboot or "none"),
                    )
                )
            _evidence(p.evidence, "     ")
        say()
    if f.leftovers:
        say(_("Leftovers of removed {vendor} software ({n}):", vendor=vendor, n=len(f.leftovers)))
        for item in f.leftovers:
            say(f"  - {_kind(item.kind)} {item.name}  ({item.product_name}; {_certainty(item.certainty)})")
            _evidence(item.evidence, "      ")
        say()
    if f.shared:
        say(_("Shared {vendor} parts, removed with the products above ({n}):", vendor=vendor, n=len(f.shared)))
        for item in f.shared:
            say(f"  - {_kind(item.kind)} {item.name}  ({_certainty(item.certainty)})")
            _evidence(item.evidence, "      ")
        say()
    if f.guest_installs:
        say(_("Installed inside a virtual machine, not on this system (remove it in the guest):"))
        for note in f.guest_installs:
            say(f"  - {note.name}: {', '.join(str(e.row.get('path') or e.row.get('name')) for e in note.evidence)}")
        say()
    if f.notes:
        say(_("Seen but not {vendor}, left alone:", vendor=vendor))
        for note in f.notes:
            say(f"  - {note.name} ({note.maker}): {shown(note.reason)}")
        say()
    if f.other_security_products:
        products = ", ".join(p.name + (f" ({p.state})" if p.state else "") for p in f.other_security_products)
        say(_("Other security products: {products}", products=products))
        say()
    count = len(f.installed)
    verdict = {
        "banned-installed": ngettext(
            "Result: {n} banned {vendor} product is installed. "
            "See the steps with 'offramp plan --to REPLACEMENT' ('offramp playbooks list').",
            "Result: {n} banned {vendor} products are installed. "
            "See the steps with 'offramp plan --to REPLACEMENT' ('offramp playbooks list').",
            count,
            vendor=vendor,
        ),
        "leftovers": _("Result: no {vendor} product is installed, but it left parts behind.", vendor=vendor),
        "clean": _("Result: nothing from {vendor} was found.", vendor=vendor),
    }[f.verdict]
    say(verdict)


def run(args: argparse.Namespace) -> int:
    from offramp.core import eventlog
    from offramp.core.i18n import _
    from offramp.core.scan.inventory import InventoryError
    from offramp.core.scan.run import run_scan

    try:
        result = run_scan(root=args.root, inventory_file=args.inventory, catalogue_id=args.catalogue)
    except InventoryError as exc:
        say(_("offramp: bad inventory: {problem}", problem=exc), file=sys.stderr)
        return exitcodes.USAGE
    except ValueError as exc:
        print(_("offramp: {problem}", problem=exc), file=sys.stderr)
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
    from offramp.core.data.catalogue import combine, load_catalogues
    from offramp.core.i18n import _
    from offramp.core.scan.run import collect

    try:
        inventory, _source = collect(combine(load_catalogues(args.catalogue)), root=args.root)
    except ValueError as exc:
        print(_("offramp: {problem}", problem=exc), file=sys.stderr)
        return exitcodes.USAGE
    emit_json(inventory)
    return exitcodes.SUCCESS
