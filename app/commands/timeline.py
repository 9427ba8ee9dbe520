"""`offramp timeline`: the dated ban events with their sources, and how long ago each one was."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING, Any

from app.commands.output import emit_json

if TYPE_CHECKING:
    from app.core.data.catalogue import Catalogue


def run(args: argparse.Namespace) -> int:
    import sys

    from app.core.data import timeline
    from app.core.data.catalogue import load_catalogues

    try:
        catalogues = load_catalogues(getattr(args, "catalogue", None))
    except ValueError as exc:
        print(f"offramp: {exc}", file=sys.stderr)
        return 2
    today = args.today or timeline.today_local()
    if args.json:
        each = [_data(c, today) for c in catalogues]
        # One catalogue keeps the flat document it always had; several are listed by id.
        emit_json(each[0] if len(each) == 1 else {"today": today.isoformat(), "catalogues": each})
        return 0
    for catalogue in catalogues:
        _print(catalogue, today)
    return 0


def _data(catalogue: Catalogue, today: dt.date) -> dict[str, Any]:
    from app.core.data import timeline

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
    from app.core.data import timeline

    print(f"{catalogue.vendor.name}: the ban, step by step (today is {today.isoformat()})\n")
    for e in catalogue.timeline:
        when = e.date.isoformat() + (f" {e.time} (UTC{e.utc_offset})" if e.time else "")
        approx = " (approximate)" if e.approximate else ""
        print(f"{when}{approx} — {e.title} [{timeline.distance(e, today).phrase()}]")
        print(f"    {e.meaning}")
        for source in e.sources:
            print(f"    source: {source}")
        print()
    headline = timeline.updates_stopped(catalogue, today)
    print(f"{catalogue.headline_text('{:%Y-%m-%d}')} ({headline.phrase()})")
    print(catalogue.legal_status.summary)
    print()


_MARKS = {
    "updates_cutoff": "updates_stopped_days_ago",
    "sales_cutoff": "sales_stopped_days_ago",
    "vendor_updates_cutoff": "vendor_updates_stopped_days_ago",
    "ban_effective": "ban_effective_days_ago",
}
