"""`offramp fleet scan` from start to end: read the logs, classify every host, sum the verdicts up.

Both stages use every core: the logs are parsed chunk by chunk and the hosts classified batch by batch in
one pool of worker processes, which load the catalogue once each.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from offramp.core.fleet import reader, verdicts
from offramp.core.fleet.reader import Fleet
from offramp.core.fleet.summary import Summary, summarise
from offramp.core.fleet.verdicts import HostInput, HostVerdict

STALE_DAYS = 7
DAY = 86_400


class FleetInputError(Exception):
    """Logs that cannot be read as a fleet's results; the message says which and why."""


@dataclass
class FleetResult:
    hosts: list[HostVerdict]  # worst first
    summary: Summary
    fleet: Fleet


@contextmanager
def _pool(jobs: int) -> Iterator[ProcessPoolExecutor | None]:
    if jobs <= 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init) as pool:
        yield pool


def _init() -> None:
    gc.disable()  # see _no_cycle_collector; a worker lives only as long as the scan
    reader.init_worker()
    verdicts.init_worker()


@contextmanager
def _no_cycle_collector() -> Iterator[None]:
    """The reader keeps millions of small dicts and tuples, none of which can form a cycle, and Python's
    cycle collector walked them all again and again: it tripled the time of a 10,000-host log. Memory is
    still freed by reference counting; the collector is on again once the scan is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _inputs(fleet: Fleet, stale_days: int) -> Iterator[HostInput]:
    newest = max((h.last_time for h in fleet.hosts.values()), default=0)
    for key, host in fleet.hosts.items():
        stale = newest > 0 and host.last_time < newest - stale_days * DAY
        yield HostInput(key, host.label, host.last_time, stale, host.inventory_tables())


def scan_fleet(
    paths: list[Path],
    *,
    jobs: int | None = None,
    now: dt.datetime | None = None,
    stale_days: int = STALE_DAYS,
    chunk_bytes: int = reader.CHUNK_BYTES,
) -> FleetResult:
    now = now or dt.datetime.now(dt.UTC)
    for path in paths:
        if not path.is_file():
            raise FleetInputError(f"{path}: no such file")
    jobs = jobs or reader.default_jobs()
    total = sum(path.stat().st_size for path in paths)
    if total <= chunk_bytes:
        jobs = 1  # starting workers costs more than one chunk does
    try:
        with _no_cycle_collector(), _pool(jobs) as pool:
            fleet = reader.read_fleet(paths, jobs=jobs, chunk_bytes=chunk_bytes, pool=pool)
            if not fleet.hosts:
                names = ", ".join(map(str, paths))
                raise FleetInputError(f"{names}: no results of the 'offramp' pack found ({fleet.lines} lines read)")
            if pool is None:
                verdicts.init_worker()
            hosts = verdicts.classify_all(_inputs(fleet, stale_days), now, pool)
    except EOFError:
        raise FleetInputError(f"{', '.join(map(str, paths))}: a gzip file ends early (cut off while copied?)") from None
    except OSError as exc:
        raise FleetInputError(f"{exc.filename or paths[0]}: cannot read: {exc.strerror or exc}") from None
    hosts.sort(key=HostVerdict.rank)
    return FleetResult(hosts, summarise(hosts, fleet, now, stale_days), fleet)
