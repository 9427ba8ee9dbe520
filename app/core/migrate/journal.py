"""The migration journal: append-only JSON Lines, fsynced after every event, each line chained to the one before.

It is the record a helpdesk reads and the report is built from. Each line carries `prev`, the
SHA-256 of the line before it (as written, without its newline), so the last line's hash (the
*head*, which the report keeps) vouches for every line before it: `offramp journal verify`
names the first line that was changed.

Crash safety: a crash can tear at most the line being written. The next append cuts the torn
bytes off (keeping them aside in `journal.jsonl.torn-<time>`) and chains to the last complete line,
so a tear never breaks the chain; the reader skips a torn last line and says so. A damaged line in
the middle is an error, because that would mean the file was edited or the disk is failing. A
journal that cannot be continued (a folder in its place, a damaged last line) is kept aside and a
new one begun with a `journal.set_aside` event naming it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offramp.core import atomicfile
from offramp.core.migrate.recorderrors import RecordDamaged, RecordsInaccessible

CHUNK = 65536  # how far back each read goes while looking for the last newline


class JournalError(RecordDamaged):
    """A journal that cannot be trusted (a damaged line before the end)."""


@dataclass
class JournalRead:
    events: list[dict[str, Any]]
    torn_tail: bool  # the last line was cut short by a crash and was skipped


def line_hash(line: bytes) -> str:
    """The hash the next line's `prev` holds: of the line exactly as written, without its newline."""
    return hashlib.sha256(line).hexdigest()


class Journal:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._torn: tuple[int, str] | None = None  # the last repair's dropped bytes and where they were kept

    def append(self, event: str, **fields: Any) -> dict[str, Any]:
        """Writes one event durably; RecordsInaccessible (with what to do) when the folder refuses it."""
        try:
            return self._append(event, fields)
        except OSError as exc:
            raise RecordsInaccessible.from_os_error(exc, self.path, "write") from None

    def _append(self, event: str, fields: dict[str, Any]) -> dict[str, Any]:
        from offramp.core import paths

        paths.private_dir(self.path.parent)  # 0700 whatever the umask, and ours
        notes: dict[str, Any] = {}
        try:
            last = self._repair()
        except _CannotContinue as why:
            from offramp.core.migrate.records import set_aside

            kept = set_aside(self.path)
            self._write(self._entry("journal.set_aside", None, {"kept_as": kept.name, "reason": str(why)}))
            last = self._repair()
        else:
            if self._torn is not None:
                notes = {"dropped_torn_line": self._torn[0], "torn_kept_as": self._torn[1]}
        entry = self._entry(event, last, {**fields, **notes})
        self._write(entry)
        return entry

    def _entry(self, event: str, last: bytes | None, fields: dict[str, Any]) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        return {"ts": now, "event": event, "prev": line_hash(last) if last is not None else None, **fields}

    def _write(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False, default=str, separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(line.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())

    def _repair(self) -> bytes | None:
        """Cuts off a torn tail (kept aside) and returns the last complete line, or None for an empty journal."""
        self._torn = None
        try:
            mode = os.lstat(self.path).st_mode
        except FileNotFoundError:
            return None
        if stat.S_ISDIR(mode):
            raise _CannotContinue("a folder stood where the journal should be")
        if not stat.S_ISREG(mode):
            # A FIFO would hang the append, a device or a link would send it elsewhere.
            raise _CannotContinue("something other than a file stood where the journal should be")
        with open(self.path, "r+b") as handle:
            size = handle.seek(0, os.SEEK_END)
            keep = _last_newline(handle, size)
            if keep < size:
                handle.seek(keep)
                torn = handle.read()
                self._torn = (size - keep, self._keep_torn(torn))
                handle.truncate(keep)
                handle.flush()
                os.fsync(handle.fileno())
            if keep == 0:
                return None
            start = _last_newline(handle, keep - 1)
            handle.seek(start)
            last = handle.read(keep - 1 - start)
        try:
            if not isinstance(json.loads(last.decode("utf-8")), dict):
                raise ValueError("not an object")
        except (ValueError, UnicodeDecodeError):
            raise _CannotContinue("its last complete line is damaged") from None
        return last

    def _keep_torn(self, torn: bytes) -> str:
        """Keeps a torn line's bytes beside the journal: evidence, never an event."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        aside = self.path.with_name(f"{self.path.name}.torn-{stamp}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(torn)
            handle.flush()
            os.fsync(handle.fileno())
        return aside.name

    def read(self) -> JournalRead:
        return read(self.path)


class _CannotContinue(Exception):
    """The journal's end cannot be chained to: it is kept aside and a new one begun."""


def _last_newline(handle: Any, end: int) -> int:
    """The offset just past the last newline before `end` (0 when there is none), reading backwards in chunks.

    Reading back in chunks, rather than a fixed 64 KB, keeps a long torn tail from hiding every
    complete line before it (which would cut the whole journal, `run.start` included).
    """
    position = end
    while position > 0:
        start = max(0, position - CHUNK)
        handle.seek(start)
        chunk = handle.read(position - start)
        cut = chunk.rfind(b"\n")
        if cut >= 0:
            return start + cut + 1
        position = start
    return 0


def read_lines(path: Path) -> tuple[list[bytes], bool]:
    """The journal's complete lines as written (without newlines) and whether a torn last line was left off."""
    try:
        raw = atomicfile.read_regular(Path(path))
    except FileNotFoundError:
        return [], False
    except OSError as exc:
        raise RecordsInaccessible.from_os_error(exc, Path(path), "read") from None
    if raw is None:
        raise JournalError(f"{path} is damaged: something other than a file stands where it should be", str(path))
    lines = raw.split(b"\n")
    torn = lines[-1] != b""
    return lines[:-1], torn


def read(path: Path) -> JournalRead:
    lines, torn = read_lines(path)
    events: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        entry = _parse(line)
        if entry is None:
            raise JournalError(f"{path}: line {number} is damaged", str(path))
        events.append(entry)
    return JournalRead(events, torn)


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        entry = json.loads(line.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return entry if isinstance(entry, dict) else None


def head(path: Path) -> tuple[str | None, int]:
    """The hash of the journal's last complete line and how many complete lines there are (for the report)."""
    lines, _torn = read_lines(path)
    return (line_hash(lines[-1]) if lines else None), len(lines)


@dataclass
class Verdict:
    ok: bool
    message: str
    line: int | None = None  # the first line that does not match (1-based), when one does not


def verify(path: Path, expected_head: str | None = None, expected_lines: int | None = None) -> Verdict:
    """Checks each line's `prev` against the line before it and, given a report's head, the line it names.

    A torn last line is left off, as the reader does. Lines an older Offramp wrote carry no `prev`
    and are accepted up to the first chained line; after it, every line must be chained.
    """
    lines, torn = read_lines(path)
    entries = []
    for number, line in enumerate(lines, 1):
        entry = _parse(line)
        if entry is None:
            return Verdict(False, f"line {number} is not a journal event (it was changed or damaged)", number)
        entries.append(entry)

    def vouched(index: int) -> bool | None:
        """Whether the line after `index` (or the report) holds this line's hash; None when nothing does."""
        if index + 1 < len(lines):
            return entries[index + 1].get("prev") == line_hash(lines[index])
        if expected_lines == index + 1:
            return expected_head == line_hash(lines[index])
        return None

    chained = False
    for index, entry in enumerate(entries):
        if "prev" not in entry and not chained:
            continue  # written by an Offramp before the chain
        chained = True
        if entry.get("prev") != (line_hash(lines[index - 1]) if index else None):
            # Either the line before was changed, or this line (its `prev` included) was: the line after
            # this one, or the report, says which, since it vouches for this line as written.
            changed = index + 1 if vouched(index) is False else max(index, 1)
            return Verdict(False, f"line {changed} was changed: the hashes around it do not match", changed)
    if expected_lines is not None:
        if len(lines) < expected_lines:
            return Verdict(
                False,
                f"the report vouches for {expected_lines} lines but the journal has {len(lines)} complete ones",
                len(lines) + 1,
            )
        if expected_lines and line_hash(lines[expected_lines - 1]) != expected_head:
            return Verdict(False, f"line {expected_lines} does not match the report's head", expected_lines)
    tail = " (a torn last line was left off)" if torn else ""
    return Verdict(True, f"{len(lines)} lines, chain intact{tail}")
