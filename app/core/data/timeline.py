"""Turns the catalogue's ban timeline into what a person needs today: how long ago updates stopped."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from app.core.data.catalogue import Catalogue, Event


class Distance(NamedTuple):
    event: Event
    days: int  # positive: the event is in the past

    def phrase(self) -> str:
        if self.days == 0:
            return "today"
        n = abs(self.days)
        unit = "day" if n == 1 else "days"
        return f"{n} {unit} ago" if self.days > 0 else f"in {n} {unit}"


def today_local() -> dt.date:
    return dt.date.today()


def distance(event: Event, today: dt.date) -> Distance:
    return Distance(event, (today - event.date).days)


def updates_stopped(catalogue: Catalogue, today: dt.date) -> Distance:
    return distance(catalogue.milestone("updates_cutoff"), today)
