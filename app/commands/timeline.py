"""`offramp timeline`: the dated ban events with their sources, and how long ago each one was."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from offramp.commands.output import emit_json
from offramp.core import exitcodes

if TYPE_CHECKING:
    import datetime as dt

    from offramp.core.data.catalogue import Catalogue


def _date(text: str) -> dt.date:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        from offramp.core.i18n import _

        raise argparse.ArgumentTypeError(_("expected a date as YYYY-MM-DD, got {text}", text=repr(text))) from None


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "timeline",
        help="the ban's dates, with sources, and how long ago each was",
        description="Show the ban timeline with sources and today's distance from each date.",
    )
    p.add_argument("--json", action="store_true", help="print JSON for tools")
    p.add_argument("--today", type=_date, metavar="YYYY-MM-DD", help="count days from this date instead of today")
    p.add_argument("--catalogue", metavar="ID", help="only this banned-product catalogue (default: every shipped one)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from offramp.core.data import timeline
    from offramp.core.data.catalogue import load_catalogues
    from offramp.core.i18n import _

    try:
        catalogues = load_catalogues(getattr(args, "catalogue", None))
    except ValueError as exc:
        print(_("offramp: {problem}", problem=exc), file=sys.stderr)
        return exitcodes.USAGE
    today = args.today or timeline.today_local()
    if args.json:
        each = [_data(c, today) for c in catalogues]
        # One catalogue keeps the flat document it always had; several are listed by id.
        emit_json(each[0] if len(each) == 1 else {"today": today.isoformat(), "catalogues": each})
        return exitcodes.SUCCESS
    for catalogue in catalogues:
        _print(catalogue, today)
    return exitcodes.SUCCESS


def _data(catalogue: Catalogue, today: dt.date) -> dict[str, Any]:
    from offramp.core.data import timeline

    data: dict[str, Any] = {"today": today.isoformat(), "catalogue": catalogue.id}
    for mark, key in _MARKS.items():
        event = next((e for e in catalogue.timeline if e.marks == mark), None)
        if event is not None:
            data[key] = timeline.distance(event, today).days
    data["may_keep_using"] = catalogue.legal_status.may_keep_using
    data["events"] = [
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
    ]
    return data


def _print(catalogue: Catalogue, today: dt.date) -> None:
    from offramp.core.data import timeline
    from offramp.core.i18n import _, format_date, shown

    print(_("{vendor}: the ban, step by step (today is {date})", vendor=catalogue.vendor.name, date=format_date(today)))
    print()
    for e in catalogue.timeline:
        when = format_date(e.date) + (f" {e.time} (UTC{e.utc_offset})" if e.time else "")
        approx = " " + _("(approximate)") if e.approximate else ""
        print(f"{when}{approx} — {shown(e.title)} [{timeline.distance(e, today).phrase()}]")
        print(f"    {shown(e.meaning)}")
        for source in e.sources:
            print("    " + _("source: {address}", address=source))
        print()
    headline = timeline.updates_stopped(catalogue, today)
    print(f"{catalogue.headline_shown()} ({headline.phrase()})")
    print(shown(catalogue.legal_status.summary))
    print()


_MARKS = {
    "updates_cutoff": "updates_stopped_days_ago",
    "sales_cutoff": "sales_stopped_days_ago",
    "vendor_updates_cutoff": "vendor_updates_stopped_days_ago",
    "ban_effective": "ban_effective_days_ago",
}
