"""The inventory: what is on a machine, as osquery table rows. Collectors make it; the classifier reads it.

The shape is {"platform": "windows"|"darwin"|"linux", "<osquery table>": [row, ...], ...}, where a row
maps osquery column names to values (osquery prints them all as text). It can also be read from
osquery's own output: one host's results log written by the pack `offramp export osquery-pack` generates
(app/core/scan/results_log.py reads the lines; app/core/fleet/ reads a whole fleet's log).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from offramp.core import inputs
from offramp.core.data import platforms
from offramp.core.data.osquery_tables import TABLES, platforms_of
from offramp.core.scan import results_log
from offramp.core.scan.results_log import PACK_NAME

PLATFORMS = platforms.ALL
MAX_INVENTORY_BYTES = 256 * 1024 * 1024

Inventory = dict[str, Any]


class InventoryError(Exception):
    """An inventory file that cannot be used; the message says what and where."""


class MultiHostError(InventoryError):
    """A results log that holds several hosts, given where one host's inventory is expected."""


class Source(NamedTuple):
    """Where an inventory came from, for the report."""

    kind: str  # "live", "root", "file"
    detail: str


def rows(inventory: Inventory, table: str) -> list[dict[str, Any]]:
    return inventory.get(table) or []


def check(inventory: Any, origin: str = "inventory") -> Inventory:
    """Validates an inventory's shape; raises InventoryError naming the first problem."""
    if not isinstance(inventory, dict):
        raise InventoryError(f"{origin}: expected a JSON object, got {type(inventory).__name__}")
    platform = inventory.get("platform")
    if platform not in PLATFORMS:
        raise InventoryError(f"{origin}: 'platform' must be one of {', '.join(PLATFORMS)}; got {platform!r}")
    for key, value in inventory.items():
        if key == "platform" or key.startswith("offramp_"):
            continue
        if key not in TABLES:
            raise InventoryError(f"{origin}: unknown table {key!r}; known tables: {', '.join(sorted(TABLES))}")
        if platform not in platforms_of(key):
            raise InventoryError(f"{origin}: table {key!r} does not exist on {platform}")
        if not isinstance(value, list):
            raise InventoryError(f"{origin}: {key} must be a list of rows, got {type(value).__name__}")
        for i, row in enumerate(value):
            if not isinstance(row, dict):
                raise InventoryError(f"{origin}: {key}[{i}] must be an object of column: value")
            for column, cell in row.items():
                if isinstance(cell, (dict, list)):
                    raise InventoryError(f"{origin}: {key}[{i}].{column} must be a plain value")
    return inventory


def _from_results_log(path: Path, origin: str, platform: str | None) -> Inventory:
    """Builds one host's inventory from osqueryd's results log, refusing a log that holds several hosts."""
    tables: dict[str, results_log.TableState] = {}
    host: tuple[str, str] | None = None
    for number, raw in results_log.lines_of(path):
        if not raw.strip():
            continue
        try:
            line = results_log.parse(_loads_line(raw, f"{origin}:{number}"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
            raise InventoryError(f"{origin}:{number}: not JSON ({reason})") from None
        except results_log.LineError as exc:
            raise InventoryError(f"{origin}:{number}: {exc}") from None
        if line is None:
            continue
        if host is None:
            host = (line.host, line.label)
        elif line.host != host[0]:
            # Stop at the second host: any one host's rows picked out of a fleet's log would be a wrong answer.
            raise MultiHostError(
                f"{origin}: results of more than one host ({host[1]!r} and {line.label!r}, line {number}); "
                f"'scan --inventory' reads one host. Use 'offramp fleet scan {origin}' for a fleet's log."
            )
        state = tables.setdefault(line.table, results_log.TableState())
        if line.snapshot is not None:
            state.offer_snapshot(line.snapshot, line.time)
        else:
            state.apply_diff(line.added, line.removed, line.first_run)
    if not tables:
        raise InventoryError(f"{origin}: no results of the '{PACK_NAME}' pack found")
    return inventory_of({table: state.rows() for table, state in tables.items()}, origin, platform)


def inventory_of(tables: dict[str, list[dict[str, Any]]], origin: str, platform: str | None = None) -> Inventory:
    """One host's tables from a results log as a checked inventory, its platform guessed from the tables."""
    platform = platform or _guess_platform(tables)
    return check({"platform": platform, **tables}, origin)


def _guess_platform(tables: dict[str, Any]) -> str | None:
    for table in tables:
        owners = platforms_of(table)
        if len(owners) == 1:
            return owners[0]
    return None


def _parse_json(text: str, origin: str) -> Any:
    """json.loads, with nesting checked first so the parser's recursion limit is never what stops it."""
    problem = inputs.json_depth_problem(text)
    if problem:
        raise InventoryError(f"{origin}: {problem}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InventoryError(f"{origin}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})") from None
    except RecursionError:  # cannot happen below the depth limit; kept so it never becomes a traceback
        raise InventoryError(f"{origin}: nested too deeply") from None


def _loads_line(raw: bytes, origin: str) -> Any:
    problem = inputs.json_depth_problem(raw.decode("utf-8", "replace"))
    if problem:
        raise InventoryError(f"{origin}: {problem.split(': ', 1)[-1]}")
    return json.loads(raw)


def _is_results_log(path: Path) -> bool:
    """A results log is gzip, or its first line is a JSON object with a query name and no platform."""
    if results_log.is_gzip(path):
        return True
    for _number, raw in results_log.lines_of(path):
        if not raw.strip():
            continue
        try:
            first = json.loads(raw) if not inputs.json_depth_problem(raw.decode("utf-8", "replace")) else None
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            return False
        return isinstance(first, dict) and "name" in first and "platform" not in first
    return False


def load(path: Path, platform: str | None = None) -> Inventory:
    """Reads an inventory file: Offramp's JSON object, or osquery's results log from the exported pack."""
    origin = str(path)
    try:
        # A FIFO would hang the reads below and /dev/zero never ends: only a regular file goes further.
        inputs.check_regular(path)
        if _is_results_log(path):  # read line by line, whatever its size
            return _from_results_log(path, origin, platform)
        text = inputs.read_text(path, MAX_INVENTORY_BYTES)
    except inputs.InputError as exc:
        raise InventoryError(str(exc)) from None
    except OSError as exc:
        raise InventoryError(f"{origin}: cannot read: {exc.strerror or exc}") from None
    stripped = text.lstrip()
    if not stripped:
        raise InventoryError(f"{origin}: file is empty")
    data = _parse_json(text, origin)
    if isinstance(data, dict) and platform and "platform" not in data:
        data = {"platform": platform, **data}
    return check(data, origin)
