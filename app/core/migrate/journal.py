"""The migration journal: an append-only JSON Lines file, flushed and fsynced after every event.

It is the record a helpdesk reads and the report is built from. A crash can tear at most the line
being written; the reader skips a torn last line (and says so), but a damaged line in the middle
is an error, because that would mean the file was edited or the disk is failing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class JournalError(Exception):
    """A journal that cannot be trusted (a damaged line before the end)."""


@dataclass
class JournalRead:
    events: list[dict[str, Any]]
    torn_tail: bool  # the last line was cut short by a crash and was skipped


class Journal:
    def __init__(self, path: Path):
        self.path = Path(path)

    def append(self, event: str, **fields: Any) -> dict[str, Any]:
        from app.core import paths

        paths.private_dir(self.path.parent)
        torn = self._drop_torn_tail()
        entry = {"ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), "event": event, **fields}
        if torn:
            entry["dropped_torn_line"] = torn
        line = json.dumps(entry, ensure_ascii=False, default=str, separators=(",", ":")) + "\n"
        # 0600 whatever the umask, and never through a symlink or into a FIFO planted at the name.
        with open(paths.open_private(self.path), "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        return entry

    def _drop_torn_tail(self) -> int:
        """Cuts off a line a crash left half-written (it never was an event). Returns the bytes dropped."""
        from app.core import paths

        if not os.path.lexists(self.path):
            return 0
        with open(paths.open_private(self.path, os.O_RDWR), "r+b") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return 0
            handle.seek(max(0, size - 65536))
            tail = handle.read()
            if tail.endswith(b"\n"):
                return 0
            cut = tail.rfind(b"\n")
            keep = size - len(tail) + cut + 1 if cut >= 0 else 0
            handle.truncate(keep)
            handle.flush()
            os.fsync(handle.fileno())
            return size - keep

    def read(self) -> JournalRead:
        return read(self.path)


def read(path: Path) -> JournalRead:
    if not Path(path).exists():
        return JournalRead([], False)
    raw = Path(path).read_bytes()
    lines = raw.split(b"\n")
    events: list[dict[str, Any]] = []
    torn = False
    last_index = len(lines) - 1
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            entry = json.loads(line.decode("utf-8"))
            if not isinstance(entry, dict):
                raise ValueError("not an object")
            events.append(entry)
        except (ValueError, UnicodeDecodeError):
            # Only the final line, the one being written at the crash, may be torn.
            if i == last_index:
                torn = True
                continue
            raise JournalError(f"{path}: line {i + 1} is damaged") from None
    return JournalRead(events, torn)
