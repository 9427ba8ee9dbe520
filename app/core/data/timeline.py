"""Turns the catalogue's ban timeline into what a person needs today: how long ago updates stopped."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from offramp.core.data.catalogue import Catalogue, Event


class Distance(NamedTuple):
    event: Event
    days: int  # positive: the event is in the past

    def phrase(self) -> str:
        """'613 days ago', 'today', 'in 3 days', in the reader's language (the JSON keeps the number)."""
        from offramp.core.i18n import _, ngettext

        if self.days == 0:
            return _("today")
        if self.days > 0:
            return ngettext("{n} day ago", "{n} days ago", self.days)
        return ngettext("in {n} day", "in {n} days", -self.days)


def today_local() -> dt.date:
    return dt.date.today()


def distance(event: Event, today: dt.date) -> Distance:
    return Distance(event, (today - event.date).days)


def updates_stopped(catalogue: Catalogue, today: dt.date) -> Distance:
    """How long ago the catalogue's headline event was (for a vendor whose updates stopped, that day)."""
    return distance(catalogue.headline_event(), today)
