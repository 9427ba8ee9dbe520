"""A small JSON state file replaced atomically: write a temporary file, fsync it, rename it over the old one.

After a crash the file is either the old state or the new one, never half of each. On Windows the
rename can fail for a moment while an antivirus scanner holds the file open, so it is retried.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

RETRIES = 10
RETRY_DELAY = 0.1
MAX_STATE_BYTES = 64 * 1024 * 1024  # a plan and its step records: kilobytes; far above that is not ours


class StateError(Exception):
    """A state file that exists but cannot be read."""


def write(path: Path, data: dict[str, Any]) -> None:
    from app.core import paths

    path = Path(path)
    paths.make_dirs(path.parent)  # the state folder itself is made private by the journal, before any record
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    import tempfile  # here, not at the top: reading the state is on the wizard's path to its first page

    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        for attempt in range(RETRIES):
            try:
                os.replace(tmp, path)
                break
            except PermissionError:
                if attempt == RETRIES - 1:
                    raise
                time.sleep(RETRY_DELAY * (attempt + 1))
        _fsync_dir(path.parent)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return  # Windows cannot open a directory for fsync; NTFS journals the rename itself
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read(path: Path) -> dict[str, Any] | None:
    """The state, or None when there is none."""
    from app.core import inputs

    if not os.path.lexists(path):
        return None
    try:
        # Opened without waiting and checked to be a regular file: a FIFO planted at the name cannot hang us.
        text = inputs.read_text(path, MAX_STATE_BYTES)
    except inputs.InputError as exc:
        raise StateError(f"{exc.path} is damaged: {exc.reason}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise StateError(f"{path} is damaged: {exc}") from None
    if not isinstance(data, dict):
        raise StateError(f"{path} is damaged: not an object")
    return data
