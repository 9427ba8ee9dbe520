"""Where a migration keeps its record, whether one is unfinished, and the support code: cheap to import.

The wizard asks "is a migration waiting to be resumed?" before it shows its first page; answering
must not load the whole migration engine, and when there is no state file (most starts) not even
the typed state records (their dataclasses cost about 7 ms before the first page).

The support code a person reads to their helpdesk stays the same from the first start of the wizard
until a migration with it finishes: it is kept beside the state file (`support-code`), and the
finished state, which records its own code, says when it has been used up. When root's worker ran the
migration, its state is in folders this process cannot read: the worker's word that the run finished
uses the code up instead (`used_up`).
"""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path
from typing import TYPE_CHECKING

from offramp.core import paths
from offramp.core.migrate.recorderrors import RecordError

if TYPE_CHECKING:
    from offramp.core.migrate.statefile import MigrationState

__all__ = [
    "RecordError",
    "in_progress",
    "journal_path",
    "kept_support_code",
    "lock_path",
    "new_support_code",
    "recorded_support_code",
    "set_aside",
    "state_path",
    "support_code_path",
    "used_up",
]

SUPPORT_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B: easy to read aloud


def state_path() -> Path:
    return paths.state_dir() / "migration.json"


def journal_path() -> Path:
    return paths.state_dir() / "journal.jsonl"


def lock_path() -> Path:
    return paths.state_dir() / "migration.lock"


def support_code_path() -> Path:
    return paths.state_dir() / "support-code"


def set_aside(path: Path, why: str = "damaged") -> Path:
    """Renames a record Offramp cannot use out of the way, keeping it for a person to look at; returns its new name.

    The suffix carries the time, so a second damaged record never replaces the first.
    """
    from offramp.core.migrate.recorderrors import RecordsInaccessible

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    target = path.with_name(f"{path.name}.{why}-{stamp}")
    try:
        os.replace(path, target)  # a folder moves as well as a file
    except OSError as exc:
        raise RecordsInaccessible.from_os_error(exc, path, "set aside") from None
    return target


def new_support_code() -> str:
    """Six characters a person can read aloud. The operating system's randomness keeps two machines from
    sharing a code; it is a label, not a secret (which is why `secrets`, and its OpenSSL import, is not used)."""
    chars = "".join(random.SystemRandom().choice(SUPPORT_ALPHABET) for _ in range(6))
    return f"{chars[:3]}-{chars[3:]}"


def kept_support_code() -> str:
    """The support code of this machine's next (or current) migration: the one an earlier start kept, unless a
    migration with it has finished since; otherwise a new one, kept for the starts that follow.

    A code that cannot be kept (a read-only state folder) is still a code: this start shows it, and the
    migration, when it starts, says what is wrong with the folder."""
    path = support_code_path()
    try:
        kept = path.read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        kept = ""
    if _looks_like_a_code(kept) and not _finished_with(kept):
        return kept
    code = new_support_code()
    from offramp.core import atomicfile

    try:
        paths.private_dir(path.parent)
        atomicfile.write_text(path, code + "\n")
    except OSError:  # an UntrustedFolder too
        pass
    return code


def used_up(code: str) -> None:
    """A migration with `code` finished where this process keeps no record of it (root's worker ran it): the
    kept code is let go, so the next start makes a new one, as a finished state here would have said."""
    path = support_code_path()
    try:
        kept = path.read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return
    if kept == code:
        try:
            path.unlink()
        except OSError:
            pass  # a folder that cannot be changed keeps the code, as it could not keep a new one either


def recorded_support_code() -> str | None:
    """The support code the wizard's header shows on this machine, as far as the records say it already: an
    unfinished migration's, else the kept one unless a migration with it has finished; None when the wizard
    would make a new one. Reads only: nothing is kept, so the helpdesk's page cannot change the wizard's code."""
    try:
        state = in_progress()
    except RecordError:
        state = None  # the wizard passes a damaged record by in the same way
    if state is not None:
        return state.support_code
    try:
        kept = support_code_path().read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return None
    return kept if _looks_like_a_code(kept) and not _finished_with(kept) else None


def _looks_like_a_code(text: str) -> bool:
    return len(text) == 7 and text[3] == "-" and all(c in SUPPORT_ALPHABET for c in text[:3] + text[4:])


def _finished_with(code: str) -> bool:
    """True when the last migration recorded here used `code` and has finished: the code is used up."""
    if not os.path.lexists(state_path()):
        return False
    from offramp.core.migrate import statefile

    try:
        state = statefile.read(state_path())
    except RecordError:
        return False  # a damaged record is set aside when the migration starts; the code stays
    return state is not None and state.finished and state.support_code == code


def in_progress() -> MigrationState | None:
    """The saved state of an unfinished migration, if there is one; a RecordError when it cannot be read."""
    path = state_path()
    if not os.path.lexists(path):
        return None
    from offramp.core.migrate import statefile

    state = statefile.read(path)
    return state if state and not state.finished else None
