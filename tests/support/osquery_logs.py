"""Results logs of many hosts, written the way osqueryd writes them, for the fleet tests and the fleet benchmark.

The line shapes follow osquery's logging documentation (docs/wiki/deployment/logging.md in the osquery
repository): snapshot lines (`"action": "snapshot"`, `"snapshot": [rows]`), the default event format for
differential results (one `"action": "added"|"removed"` line per row, with `"columns"`), and the batch
format (`--logger_event_type=false`: `"diffResults": {"added": [...], "removed": [...]}`), each with
`name`, `hostIdentifier`, `calendarTime`, `unixTime`, `epoch`, `counter` and `numerics`; Fleet's hosts add
`decorations` (`host_uuid`, `hostname`). Query names use stock osquery's `--pack_delimiter` ('_') or
Fleet's ('/'). The rows are real pack output: each profile's machine is loaded into SQLite and the
exported pack's queries run over it (tests/unit/test_osquery_pack.py stands in for osquery's engine).
"""

from __future__ import annotations

import functools
import gzip
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offramp.core.data.catalogue import load_catalogue
from offramp.core.export.osquery_pack import build_pack

Row = dict[str, Any]
START = 1_795_910_400  # 2026-11-29 00:00 UTC
HOUR = 3600


@functools.cache
def profiles() -> dict[str, tuple[str, dict[str, list[Row]]]]:
    """name -> (platform, the pack's rows per table) for a few kinds of machine."""
    from tests.unit import test_osquery_pack as op

    machines = {name: make() for name, make in op.REAL_INVENTORIES.items()}
    machines["windows-clean"] = {
        "platform": "windows",
        "programs": [op.program(n, "Vendor") for n in op.UNRELATED["programs"]],
        "services": [op.service(n) for n in op.UNRELATED["services"]],
        "windows_security_products": [
            {"type": "Antivirus", "name": "Microsoft Defender Antivirus", "state": "On", "signatures_up_to_date": "1"}
        ],
    }
    machines["linux-clean"] = {
        "platform": "linux",
        "deb_packages": [{"name": n, "version": "1.0", "status": "install ok installed"} for n in ("bash", "zsh")],
    }
    pack = build_pack(load_catalogue(catalogue_id="kaspersky"))
    out = {}
    for name, machine in machines.items():
        db = op.osquery_db()
        op.load(db, op.shaped(machine))
        out[name] = (machine["platform"], op.run_pack(pack, db, machine["platform"]))
    return out


def noise_rows(table: str, n: int, salt: int = 0) -> list[Row]:
    """Rows no signature matches, as an admin's own 'every program' query in the same log would return."""
    if table == "programs":
        return [
            {"name": f"Contoso Tool {salt}-{i}", "version": f"{i}.0", "publisher": "Contoso", "install_location": ""}
            for i in range(n)
        ]
    if table in ("processes",):
        return [
            {"pid": str(1000 + i), "name": f"worker{i}.exe", "path": "", "cmdline": "", "parent": "4", "uid": ""}
            for i in range(n)
        ]
    if table == "deb_packages":
        return [{"name": f"libcontoso{i}", "version": "1.0", "status": "install ok installed"} for i in range(n)]
    return []


@dataclass
class HostSpec:
    name: str
    runs: list[str]  # the profile of each run, oldest first: a change between runs is an install or a removal
    fmt: str = "snapshot"  # snapshot, event, batch
    delimiter: str = "/"
    pack: str = "offramp"
    fleet: bool = False  # Fleet decorations (host_uuid, hostname), hostIdentifier = the uuid
    noise: int = 0
    first_time: int = START
    uuid: str = field(default="")

    def __post_init__(self) -> None:
        if not self.uuid:
            self.uuid = str(uuid.uuid5(uuid.NAMESPACE_DNS, self.name)).upper()


@functools.cache
def _calendar(t: int) -> str:
    return time.strftime("%a %b %e %H:%M:%S %Y UTC", time.gmtime(t))


def _tables(profile: str, noise: int) -> dict[str, list[Row]]:
    _platform, tables = profiles()[profile]
    return {table: rows + noise_rows(table, noise) for table, rows in tables.items()}


def host_lines(spec: HostSpec) -> Iterator[tuple[int, str]]:
    """(unixTime, line) of every line this host writes, in the order osqueryd writes them."""
    ident = spec.uuid if spec.fleet else spec.name
    tail = f',"hostIdentifier":{json.dumps(ident)},"epoch":0,"numerics":false'
    if spec.fleet:
        tail += ',"decorations":' + json.dumps({"host_uuid": spec.uuid, "hostname": spec.name})
    previous: dict[str, list[Row]] = {}
    for run, profile in enumerate(spec.runs):
        t = spec.first_time + run * HOUR
        stamp = f',"calendarTime":"{_calendar(t)}","unixTime":{t},"counter":{run}' + tail
        current = _tables(profile, spec.noise)
        for table in sorted(set(current) | set(previous)):
            name = json.dumps(f"pack{spec.delimiter}{spec.pack}{spec.delimiter}{table}")
            rows = current.get(table, [])
            if spec.fmt == "snapshot":
                yield t, f'{{"snapshot":{json.dumps(rows)},"action":"snapshot","name":{name}{stamp}}}'
                continue
            before = previous.get(table, [])
            added = [r for r in rows if r not in before]
            removed = [r for r in before if r not in rows]
            if spec.fmt == "batch":
                if added or removed:
                    diff = json.dumps({"added": added, "removed": removed})
                    yield t, f'{{"diffResults":{diff},"name":{name}{stamp}}}'
            else:
                for action, items in (("removed", removed), ("added", added)):
                    for row in items:
                        yield t, f'{{"action":"{action}","columns":{json.dumps(row)},"name":{name}{stamp}}}'
        previous = current


def write_log(path: Path, hosts: list[HostSpec], compress: bool = False) -> Path:
    """One log for all hosts, their lines interleaved by time as one collector would receive them."""
    lines = sorted(
        ((t, i, n, line) for i, spec in enumerate(hosts) for n, (t, line) in enumerate(host_lines(spec))),
        key=lambda item: (item[0], item[1], item[2]),
    )
    text = "".join(line + "\n" for _t, _i, _n, line in lines).encode("utf-8")
    path.write_bytes(gzip.compress(text) if compress else text)
    return path


def write_host_log(path: Path, spec: HostSpec) -> Path:
    path.write_text("".join(line + "\n" for _t, line in host_lines(spec)), encoding="utf-8")
    return path
