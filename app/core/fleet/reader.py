"""Reads a fleet's results logs in one pass, in chunks that worker processes parse, into per-host tables.

A plain file is cut into byte ranges that each worker opens and reads itself (a range owns the lines that
start inside it), so nothing but a path and two numbers crosses between processes. A gzip file cannot be
sought in, so this process decompresses it and hands out blocks that end at a line break; a bounded number
of blocks is in flight at once, which bounds memory whatever the file's size.

Each chunk comes back as a `Part`: per host and table, the newest snapshot in the chunk and the
differential lines in order, already cut down to the rows that can matter (relevance.py). Parts are merged
in file order into the same `TableState` the single-host reader uses, so a host's tables come out exactly
as `offramp scan --inventory` would build them from that host's lines alone.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offramp.core.fleet.relevance import RowFilter
from offramp.core.scan import results_log
from offramp.core.scan.results_log import Row, TableState

CHUNK_BYTES = 8 * 1024 * 1024
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Chunk:
    path: str
    start: int  # byte offset in the file (decompressed offset for gzip)
    end: int
    data: bytes | None = None  # the lines themselves, for a gzip file


@dataclass
class Problem:
    where: str  # file:line for a gzip file or the first chunk, file@byte otherwise
    message: str


Key = tuple[str, str]  # (host, table)
Diff = tuple[Key, list[Row], list[Row], tuple[int, int] | None]


@dataclass
class Part:
    """One chunk's results. In a collector's log every chunk holds a line of nearly every host, so there are
    nearly as many entries as lines: they are kept in plain dicts and tuples, cheap to pickle and to merge."""

    hosts: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> (label, newest unixTime)
    order: dict[Key, None] = field(default_factory=dict)  # tables in the order they first appear
    snapshots: dict[Key, tuple[int, list[Row]]] = field(default_factory=dict)  # the chunk's newest of each
    diffs: list[Diff] = field(default_factory=list)  # differential lines, in order
    lines: int = 0
    bad_lines: int = 0
    first_problems: list[Problem] = field(default_factory=list)


@dataclass
class HostState:
    label: str
    last_time: int = 0
    tables: dict[str, list[Row]] = field(default_factory=dict)  # filled by Fleet.finish()

    def inventory_tables(self) -> dict[str, list[Row]]:
        return self.tables


@dataclass
class Fleet:
    """Every host's tables after all logs were read, plus what could not be read."""

    hosts: dict[str, HostState] = field(default_factory=dict)
    lines: int = 0
    bad_lines: int = 0
    problems: list[Problem] = field(default_factory=list)
    _order: dict[Key, None] = field(default_factory=dict, repr=False)
    _snapshots: dict[Key, tuple[int, list[Row]]] = field(default_factory=dict, repr=False)
    _diffs: dict[Key, TableState] = field(default_factory=dict, repr=False)
    # One object per distinct row: thousands of hosts list the same product's rows.
    _rows: dict[tuple[Any, ...], Row] = field(default_factory=dict, repr=False)

    def merge(self, part: Part) -> None:
        self.lines += part.lines
        self.bad_lines += part.bad_lines
        self.problems += part.first_problems[: max(0, MAX_PROBLEMS - len(self.problems))]
        hosts = self.hosts
        for key, (label, last_time) in part.hosts.items():
            host = hosts.get(key)
            if host is None:
                hosts[key] = HostState(label, last_time)
                continue
            if label != key:
                host.label = label  # a name from a decoration beats the bare key
            if last_time > host.last_time:
                host.last_time = last_time
        self._order.update(part.order)  # a key already there keeps its place: first appearance wins
        snapshots = self._snapshots
        for table_key, (time, rows) in part.snapshots.items():
            held = snapshots.get(table_key)
            if held is None:
                snapshots[table_key] = (time, self._shared(rows))
            elif time >= held[0]:  # a tie goes to the later line, as TableState does
                # A host's table rarely changes between runs: the rows held (already shared) stay.
                snapshots[table_key] = (time, held[1] if rows == held[1] else self._shared(rows))
        for table_key, added, removed, first_run in part.diffs:
            state = self._diffs.get(table_key)
            if state is None:
                state = self._diffs[table_key] = TableState()
            state.apply_diff(added, removed, first_run)

    def _shared(self, rows: list[Any]) -> list[Any]:
        if not rows:
            return rows
        shared = self._rows
        out = []
        for row in rows:
            try:
                out.append(shared.setdefault(tuple(row.items()), row))
            except (TypeError, AttributeError):  # an unhashable value, or not a row: kept as it is
                out.append(row)
        if len(shared) > SHARED_ROWS_MAX:
            shared.clear()  # sharing saves memory; it is not needed for the answer
        return out

    def finish(self) -> Fleet:
        """Gives each host its tables: the newest snapshot where there is one, else the differential rows."""
        for key in self._order:
            host, table = key
            snapshot = self._snapshots.get(key)
            self.hosts[host].tables[table] = list(snapshot[1]) if snapshot else self._diffs[key].rows()
        self._order, self._snapshots, self._diffs = {}, {}, {}
        return self


MAX_PROBLEMS = 5
SHARED_ROWS_MAX = 1_000_000

# ----------------------------------------------------------------------------------------------------------
# Parsing one chunk (in a worker process)
# ----------------------------------------------------------------------------------------------------------

_FILTER: RowFilter | None = None


def init_worker() -> None:
    """Loads the catalogue once per worker process (and in this process when it works alone)."""
    global _FILTER
    if _FILTER is None:
        from offramp.core.data.catalogue import combine, load_catalogues
        from offramp.core.fleet.relevance import known_products_everywhere

        _FILTER = RowFilter(combine(load_catalogues()), known_products_everywhere())


def read_bytes(chunk: Chunk) -> bytes:
    """The chunk's lines: those starting at or after `start` and before `end`."""
    if chunk.data is not None:
        return chunk.data
    with open(chunk.path, "rb") as f:
        if chunk.start:
            f.seek(chunk.start - 1)
            f.readline()  # the line that holds byte start-1 belongs to the chunk before
        position = f.tell()
        if position >= chunk.end:
            return b""
        data = f.read(chunk.end - position)
        if data and not data.endswith(b"\n"):
            data += f.readline()  # the last line starts in this chunk, so it is read whole here
    return data


def parse_chunk(chunk: Chunk) -> Part:
    assert _FILTER is not None, "init_worker() first"
    keep = _FILTER.keep
    part = Part()
    hosts, order, snapshots, diffs = part.hosts, part.order, part.snapshots, part.diffs
    data = read_bytes(chunk)
    if chunk.start == 0 and data.startswith(BOM):
        data = data[len(BOM) :]
    loads, parse = json.loads, results_log.parse
    for number, raw in enumerate(_lines(data), 1):
        if not raw or raw.isspace():
            continue
        part.lines += 1
        try:
            line = parse(loads(raw))
        except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError and LineError are ValueErrors
            part.bad_lines += 1
            if len(part.first_problems) < MAX_PROBLEMS:
                where = (
                    f"{chunk.path}:{number}"
                    if chunk.start == 0
                    else f"{chunk.path}, byte {chunk.start} + line {number}"
                )
                reason = str(exc) if isinstance(exc, results_log.LineError) else "not JSON"
                part.first_problems.append(Problem(where, reason))
            continue
        if line is None:
            continue
        host = hosts.get(line.host)
        if host is None:
            hosts[line.host] = (line.label, line.time)
        elif line.time > host[1] or (line.label != line.host and line.label != host[0]):
            hosts[line.host] = (line.label if line.label != line.host else host[0], max(line.time, host[1]))
        key = (line.host, line.table)
        order[key] = None
        # Rows are cut down as they are read, so a chunk holds only rows that can matter.
        if line.snapshot is not None:
            held = snapshots.get(key)
            if held is None or line.time >= held[0]:
                snapshots[key] = (line.time, keep(line.table, line.snapshot))
        else:
            added, removed = keep(line.table, line.added), keep(line.table, line.removed)
            # A first run with no row left still matters: it empties what earlier runs had listed.
            if added or removed or line.first_run is not None:
                diffs.append((key, added, removed, line.first_run))
    return part


def _lines(data: bytes) -> list[Any]:
    """The chunk's lines, decoded once rather than line by line; bytes when some line is not UTF-8."""
    try:
        return data.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return data.split(b"\n")


# ----------------------------------------------------------------------------------------------------------
# Cutting files into chunks and running them
# ----------------------------------------------------------------------------------------------------------


def chunks(paths: Iterable[Path], size: int = CHUNK_BYTES) -> Iterator[Chunk]:
    for path in paths:
        if results_log.is_gzip(path):
            yield from _gzip_chunks(path, size)
            continue
        total = path.stat().st_size
        for start in range(0, max(total, 1), size):
            yield Chunk(str(path), start, min(start + size, total))


def _gzip_chunks(path: Path, size: int) -> Iterator[Chunk]:
    offset, pending = 0, b""
    with results_log.open_log(path) as f:
        while True:
            block = f.read(size)
            if not block:
                break
            block = pending + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:  # one line longer than a block: keep reading until it ends
                pending = block
                continue
            yield Chunk(str(path), offset, offset + cut, block[:cut])
            offset, pending = offset + cut, block[cut:]
    if pending:
        yield Chunk(str(path), offset, offset + len(pending), pending)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # Windows and macOS
        return max(1, os.cpu_count() or 1)


def read_fleet(
    paths: list[Path],
    *,
    jobs: int | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    pool: ProcessPoolExecutor | None = None,
    progress: Callable[[int], None] | None = None,
) -> Fleet:
    """Reads every log into one Fleet. With one job (or one small file) it all runs in this process."""
    fleet = Fleet()
    work = chunks(paths, chunk_bytes)
    jobs = jobs or default_jobs()
    if pool is None or jobs == 1:
        init_worker()
        for chunk in work:
            fleet.merge(parse_chunk(chunk))
            if progress:
                progress(chunk.end - chunk.start)
        return fleet.finish()
    window: deque[tuple[Chunk, Future[Part]]] = deque()
    for chunk in work:
        window.append((chunk, pool.submit(parse_chunk, chunk)))
        if len(window) > jobs:  # bounded: one chunk per worker in flight, and one more waiting
            _collect(window, fleet, progress)
    while window:
        _collect(window, fleet, progress)
    return fleet.finish()


def _collect(window: deque[tuple[Chunk, Future[Part]]], fleet: Fleet, progress: Callable[[int], None] | None) -> None:
    chunk, future = window.popleft()
    fleet.merge(future.result())
    if progress:
        progress(chunk.end - chunk.start)
