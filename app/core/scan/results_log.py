"""Reads osquery's results logs: which host, which of the pack's tables, and what each line says about it.

One results log holds every host and every run, so each line is keyed by host before anything else:
Fleet's `host_uuid` decoration when present (Fleet adds it by default), otherwise osquery's
`hostIdentifier` (the host name unless osqueryd runs with --host_identifier=uuid), otherwise the
`hostname` field very old osquery versions wrote. The formats osquery documents are all read:

- snapshot lines (`"snapshot": [rows]`): for each host and table, the run with the greatest `unixTime`
  counts (a tie goes to the later line), whatever order the files were given in;
- differential lines, one row per line (`"action": "added"|"removed"`, `"columns": {...}`) or batched
  (`"diffResults": {"added": [...], "removed": [...]}`): applied in the order read; a run whose
  `counter` is 0 is a first run, which lists every row again, so it starts the table afresh.

Query names carry the pack's name and the query's, joined by osquery's --pack_delimiter: stock osquery
writes `pack_offramp_programs`, Fleet (which sets the delimiter to '/') writes `pack/Global/programs` or
`pack/team-3/programs`. Files may be gzip-compressed; they are recognised by their first bytes.

Both the single-host reader (app/core/scan/inventory.py) and the fleet reader (app/core/fleet/) go through
`Line` and `TableState`, so a host reads the same whichever command reads it.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offramp.core.data.osquery_tables import TABLES

PACK_NAME = "offramp"
# Fleet names a query's pack after where it is scheduled: the global schedule or one team's.
FLEET_PACKS = ("Global",)
FLEET_TEAM_PREFIX = "team-"
GZIP_MAGIC = b"\x1f\x8b"

Row = dict[str, Any]


def _pack_ok(pack: str) -> bool:
    if pack in (PACK_NAME, *FLEET_PACKS):
        return True
    return pack.startswith(FLEET_TEAM_PREFIX) and pack[len(FLEET_TEAM_PREFIX) :].isdigit()


def _table_of(name: str) -> str | None:
    if name.startswith("pack/"):
        parts = name.split("/")
        if len(parts) == 3 and parts[2] in TABLES:
            # Any pack whose query is named after a table: Fleet users may schedule the queries in their own pack.
            return parts[2]
        return None
    if name.startswith("pack_"):
        # '_' is also inside table names (deb_packages), so the table is found as a suffix and the pack is
        # what remains; only Offramp's own pack and Fleet's are accepted, as a stranger's pack may be anything.
        rest = name[len("pack_") :]
        for table in _TABLES_LONGEST_FIRST:
            if rest.endswith("_" + table) and _pack_ok(rest[: -len(table) - 1]):
                return table
    return None


_TABLES_LONGEST_FIRST = sorted(TABLES, key=len, reverse=True)
_TABLE_CACHE: dict[str, str | None] = {}


def table_of(name: Any) -> str | None:
    """The osquery table a results line's query name stands for, or None when the line is not the pack's."""
    if not isinstance(name, str):
        return None
    try:
        return _TABLE_CACHE[name]
    except KeyError:
        table = _table_of(name)
        if len(_TABLE_CACHE) < 10_000:  # a log has few query names; a hostile one cannot grow the cache for ever
            _TABLE_CACHE[name] = table
        return table


def host_of(entry: dict[str, Any]) -> tuple[str, str]:
    """(key, label): the key tells hosts apart, the label is what a person reads (a host name when there is one)."""
    decorations = entry.get("decorations")
    ident = entry.get("hostIdentifier")
    if ident is None:
        ident = entry.get("hostname")
    ident = "" if ident is None else str(ident)
    if isinstance(decorations, dict):
        uuid = decorations.get("host_uuid")
        name = decorations.get("hostname") or decorations.get("computer_name") or ident
        if uuid:
            return str(uuid), str(name or uuid)
        return ident, str(name or ident)
    return ident, ident


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@dataclass(slots=True)
class Line:
    """What one results line says: for which host and table, at what time, and which rows."""

    host: str
    label: str
    table: str
    time: int
    snapshot: list[Row] | None = None
    added: list[Row] = field(default_factory=list)
    removed: list[Row] = field(default_factory=list)
    first_run: tuple[int, int] | None = None  # (epoch, unixTime) of a counter-0 run: every row again


class LineError(ValueError):
    """A results line of the pack whose shape osquery never writes; the message says what is wrong."""


def _rows(value: Any, what: str) -> list[Row]:
    # Each row's shape is checked with the inventory (inventory.check), once, for the rows that are kept.
    if not isinstance(value, list):
        raise LineError(f"{what} must be a list of rows")
    return value


def parse(entry: Any) -> Line | None:
    """The pack's line as a Line, None for any other query's line; LineError for a line that is not an object."""
    if not isinstance(entry, dict):
        # osquery writes one object per line; an array or a bare value is a damaged or foreign file.
        raise LineError(f"is {type(entry).__name__ if entry is not None else 'null'}, not a JSON object")
    table = table_of(entry.get("name"))
    if table is None:
        return None
    host, label = host_of(entry)
    time = _int(entry.get("unixTime"))
    line = Line(host, label, table, time)
    if "snapshot" in entry:
        line.snapshot = _rows(entry["snapshot"], "snapshot")
        return line
    diff = entry.get("diffResults")
    if isinstance(diff, dict):
        line.added = _rows(diff.get("added") or [], "diffResults.added")
        line.removed = _rows(diff.get("removed") or [], "diffResults.removed")
    elif isinstance(entry.get("columns"), dict):
        action = entry.get("action")
        if action == "added":
            line.added = [entry["columns"]]
        elif action == "removed":
            line.removed = [entry["columns"]]
        else:
            raise LineError(f"action {action!r} is neither 'added' nor 'removed'")
    else:
        raise LineError("has neither 'snapshot', 'diffResults' nor 'columns'")
    if line.added and str(entry.get("counter", "")) == "0":
        line.first_run = (_int(entry.get("epoch")), time)
    return line


class TableState:
    """One host's rows of one table, built from its lines; `rows()` is what the classifier gets."""

    __slots__ = ("snapshot", "snapshot_time", "diff", "run")

    def __init__(self) -> None:
        self.snapshot: list[Row] | None = None
        self.snapshot_time = -1
        self.diff: list[Row] = []
        self.run: tuple[int, int] | None = None

    def offer_snapshot(self, rows: list[Row], time: int) -> bool:
        """Keeps `rows` when they are at least as recent as the snapshot held; says whether they were kept."""
        if time < self.snapshot_time:
            return False
        self.snapshot, self.snapshot_time = rows, time
        return True

    def apply_diff(self, added: Iterable[Row], removed: Iterable[Row], first_run: tuple[int, int] | None) -> None:
        if first_run is not None and first_run != self.run:
            self.diff, self.run = [], first_run
        for row in removed:
            try:
                self.diff.remove(row)
            except ValueError:
                pass  # removed before the part of the log we were given
        self.diff.extend(added)

    def rows(self) -> list[Row]:
        # A snapshot is the whole table at a point in time; differential lines only make sense without one.
        return list(self.snapshot) if self.snapshot is not None else list(self.diff)


def open_log(path: Path) -> io.BufferedIOBase:
    """The log's bytes, decompressed when it is gzip (rotated logs often are)."""
    return gzip.open(path, "rb") if is_gzip(path) else path.open("rb")


def is_gzip(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(2) == GZIP_MAGIC


def lines_of(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of every line of a plain or gzip log, a UTF-8 byte-order mark dropped."""
    with open_log(path) as f:
        for number, line in enumerate(f, 1):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            yield number, line
