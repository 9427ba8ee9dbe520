"""What the wizard's first page says about the ban: the vendor's name, the headline date and sentence.

Read straight from the shipped catalogue's data, so the first page does not wait for the typed
catalogue (its module and the building of every product); that is built when the scan needs it.
When the data is not as expected, the typed catalogue is built after all, and its errors name the file.
"""

from __future__ import annotations

import datetime as dt

from app.core.data.shipped import raw_documents

CUTOFF_MARK = "updates_cutoff"  # the headline event of a catalogue that does not name one


def _document(catalogue_id: str | None) -> dict | None:
    documents = sorted(raw_documents("banned"), key=lambda d: str(d.get("id", "")) if isinstance(d, dict) else "")
    if catalogue_id is None:
        return documents[0] if documents else None
    return next((d for d in documents if isinstance(d, dict) and d.get("id") == catalogue_id), None)


def details(catalogue_id: str | None = None) -> tuple[str, dt.date, str] | None:
    """(vendor name, headline date, headline sentence) of a shipped catalogue (by default the first by id)."""
    data = _document(catalogue_id)
    if data is None:
        return None
    try:
        headline = data.get("headline") or {}
        mark = headline.get("mark", CUTOFF_MARK)
        event = next(e for e in data["timeline"] if e.get("marks") == mark)
        vendor, date = str(data["vendor"]["name"]), dt.date.fromisoformat(event["date"])
        day = f"{date:%B} {date.day}, {date.year}"
        text = (
            headline["text"].format(vendor=vendor, date=day) if headline.get("text") else f"{event['title']} ({day})."
        )
        return vendor, date, text
    except (KeyError, TypeError, ValueError, AttributeError, StopIteration, IndexError):
        return None


def from_shipped(catalogue_id: str | None = None) -> tuple[str, dt.date] | None:
    """(vendor name, headline date) from a shipped catalogue, or None if it cannot say."""
    found = details(catalogue_id)
    return None if found is None else found[:2]
