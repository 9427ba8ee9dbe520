"""`offramp timeline`: the dated ban events with their sources, and how long ago each one was."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from app.commands.output import emit_json
from app.core import exitcodes

if TYPE_CHECKING:
    import datetime as dt


def _date(text: str) -> dt.date:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "timeline",
        help="the ban's dates, with sources, and how long ago each was",
        description="Show the ban timeline with sources and today's distance from each date.",
    )
    p.add_argument("--json", action="store_true", help="print JSON for tools")
    p.add_argument("--today", type=_date, metavar="YYYY-MM-DD", help="count days from this date instead of today")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from app.core.data import timeline
    from app.core.data.catalogue import load_catalogue

    catalogue = load_catalogue()
    today = args.today or timeline.today_local()
    stopped = timeline.updates_stopped(catalogue, today)
    sales = timeline.distance(catalogue.milestone("sales_cutoff"), today)
    vendor = timeline.distance(catalogue.milestone("vendor_updates_cutoff"), today)
    if args.json:
        emit_json(
            {
                "today": today.isoformat(),
                "updates_stopped_days_ago": stopped.days,
                "sales_stopped_days_ago": sales.days,
                "vendor_updates_stopped_days_ago": vendor.days,
                "may_keep_using": catalogue.legal_status.may_keep_using,
                "events": [
                    {
                        "id": e.id,
                        "date": e.date.isoformat(),
                        "time": e.time,
                        "utc_offset": e.utc_offset,
                        "approximate": e.approximate,
                        "marks": e.marks,
                        "title": e.title,
                        "meaning": e.meaning,
                        "sources": list(e.sources),
                        "days_ago": timeline.distance(e, today).days,
                    }
                    for e in catalogue.timeline
                ],
            }
        )
        return exitcodes.SUCCESS
    print(f"{catalogue.vendor.name} in the United States: the ban, step by step (today is {today.isoformat()})\n")
    for e in catalogue.timeline:
        when = e.date.isoformat() + (f" {e.time} (UTC{e.utc_offset})" if e.time else "")
        approx = " (approximate)" if e.approximate else ""
        print(f"{when}{approx} — {e.title} [{timeline.distance(e, today).phrase()}]")
        print(f"    {e.meaning}")
        for source in e.sources:
            print(f"    source: {source}")
        print()
    print(f"New sales stopped {sales.phrase()} ({sales.event.date.isoformat()}).")
    print(
        f"Updates stopped {stopped.phrase()} ({stopped.event.date.isoformat()}); "
        f"{catalogue.vendor.name}'s own help pages name {vendor.event.date.isoformat()} ({vendor.phrase()})."
    )
    print(catalogue.legal_status.summary)
    return exitcodes.SUCCESS
