"""The window's copy of an unfinished migration that an elevated worker holds.

On Linux and macOS the window stays unprivileged and root's worker keeps the migration's state in the
system's folders, which the window cannot read. So a window whose run stopped unfinished (a failure, a
cancel, a power cut reported on the next start) would forget it: a relaunch would not offer to carry on,
and "start over" would meet root's record of the old run. The window therefore keeps the last state the
worker sent it here, in its user's own folder, and forgets it once the worker reports the run finished or
set aside; a finished run also uses up the support code the window kept for it.

The copy only decides what the window offers (carry on, or start over). It is never trusted for what to
do: carrying on asks the worker to resume root's own record, and starting over asks the worker to set
root's record aside first (remote mode "start-over"), each after the system's password prompt.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from offramp.core import paths
from offramp.core.migrate import records, statefile
from offramp.core.migrate.recorderrors import RecordError
from offramp.core.migrate.statefile import MigrationState

NAME = "worker-migration.json"


def path() -> Path:
    """Where the window keeps its copy: its user's own state folder."""
    return paths.state_dir() / NAME


def keep(state: MigrationState) -> None:
    """Remembers an unfinished run of the worker's; a finished one is forgotten instead, and its support code,
    used up, is let go (records.used_up): the next start makes a new one."""
    if state.finished:
        forget()
        records.used_up(state.support_code)
        return
    with contextlib.suppress(RecordError, OSError):  # a copy the window could not keep costs only the offer
        paths.private_dir(path().parent)
        statefile.write(path(), state)


def read() -> MigrationState | None:
    """The worker's unfinished migration as the window last heard of it; None when there is none (or the
    copy cannot be read: it only decides what the window offers, so a damaged one is as good as none)."""
    try:
        state = statefile.read(path())
    except (RecordError, OSError):
        return None
    return state if state is not None and not state.finished else None


def forget() -> None:
    with contextlib.suppress(FileNotFoundError):
        path().unlink()
