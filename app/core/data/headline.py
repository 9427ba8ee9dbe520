"""What the wizard's first page says about the ban: the vendor's name and the day its updates stopped.

Read straight from the shipped catalogue's data, so the first page does not wait for the typed
catalogue (its module and the building of every product); that is built when the scan needs it.
When the data is not as expected, the typed catalogue is built after all, and its errors name the file.
"""

from __future__ import annotations

import datetime as dt

from app.core.data.shipped import raw_documents

CUTOFF_MARK = "updates_cutoff"  # the timeline event whose date the first page shows


def from_shipped() -> tuple[str, dt.date] | None:
    """(vendor name, date updates stopped) from the one shipped catalogue, or None if it cannot say."""
    documents = raw_documents("banned")
    if len(documents) != 1:
        return None
    data = documents[0]
    try:
        event = next(e for e in data["timeline"] if e.get("marks") == CUTOFF_MARK)
        return str(data["vendor"]["name"]), dt.date.fromisoformat(event["date"])
    except (KeyError, TypeError, ValueError, AttributeError, StopIteration):
        return None
