"""What can go wrong with a migration's records, each with the exit code and the sentence a person acts on.

The command line and the wizard catch `RecordError` alone: every case says what happened, where,
and what to do next, so a full disk or a damaged file never ends in "internal error" (exit 70).
"""

from __future__ import annotations

import errno
from pathlib import Path

from offramp.core import exitcodes
from offramp.core.paths import UntrustedFolder


class RecordError(Exception):
    """A record (state file, journal, lock) that stops a migration; `str()` is the message for a person."""

    exit_code = exitcodes.RECORD_DAMAGED

    def __init__(self, message: str, path: str | None = None):
        super().__init__(message)
        self.path = path


class RecordDamaged(RecordError):
    """A record that is there but cannot be read as one (torn, NUL-filled, wrong shape, a folder)."""


class RecordUnusable(RecordError):
    """A record that is intact but not for this Offramp (a newer format): kept as it is, never set aside."""


class RecordsInaccessible(RecordError):
    """The state folder refuses to be read or written: full, read-only, or not ours."""

    exit_code = exitcodes.RECORDS_INACCESSIBLE

    @classmethod
    def from_os_error(cls, exc: OSError, path: Path, doing: str) -> RecordsInaccessible:
        folder = Path(path).parent
        if isinstance(exc, UntrustedFolder):
            return cls(f"cannot {doing} {path}: {exc}", str(path))  # the refusal names the folder and what to do
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            advice = f"the disk holding {folder} is full: free some space, then run Offramp again"
        elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            advice = f"{folder} cannot be written: make it writable (or run as administrator), then run Offramp again"
        else:
            advice = f"check the disk holding {folder}, then run Offramp again"
        return cls(f"cannot {doing} {path}: {exc.strerror or exc}; {advice}", str(path))


class MigrationLocked(RecordError):
    """Another Offramp process holds the migration lock."""

    exit_code = exitcodes.RETRY_LATER
