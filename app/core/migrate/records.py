"""Where a migration keeps its record, whether one is unfinished, and the support code: cheap to import.

The wizard asks "is a migration waiting to be resumed?" before it shows its first page; answering
must not load the whole migration engine.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from app.core import paths
from app.core.migrate import statefile

SUPPORT_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B: easy to read aloud


def state_path() -> Path:
    return paths.state_dir() / "migration.json"


def journal_path() -> Path:
    return paths.state_dir() / "journal.jsonl"


def new_support_code() -> str:
    """Six characters a person can read aloud. The operating system's randomness keeps two machines from
    sharing a code; it is a label, not a secret (which is why `secrets`, and its OpenSSL import, is not used)."""
    chars = "".join(random.SystemRandom().choice(SUPPORT_ALPHABET) for _ in range(6))
    return f"{chars[:3]}-{chars[3:]}"


def in_progress() -> dict[str, Any] | None:
    """The saved state of an unfinished migration, if there is one."""
    state = statefile.read(state_path())
    return state if state and not state.get("finished") else None


def abandon() -> Path | None:
    """Sets an unfinished migration's record aside, kept beside the new one, so a new run can start.

    Used when the person chooses to start over after a run stopped; the old state and report stay on
    disk for the helpdesk, under a name that says when they were set aside."""
    import datetime as dt

    path = state_path()
    if not path.exists():
        return None
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"migration.set-aside-{stamp}.json")
    path.replace(target)
    return target
