"""The inventory: what is on a machine, as osquery table rows. Collectors make it; the classifier reads it.

The shape is {"platform": "windows"|"darwin"|"linux", "<osquery table>": [row, ...], ...}, where a row
maps osquery column names to values (osquery prints them all as text). It can also be read from
osquery's own output: a results log written by the pack `offramp export osquery-pack` generates.
"""

# No `from __future__ import annotations` here: NamedTuple turns each text annotation into a ForwardRef,
# compiling it, which made importing this module several times slower.
import json
from pathlib import Path
from typing import Any, NamedTuple

from app.core import inputs
from app.core.data.osquery_tables import TABLES, platforms_of

PLATFORMS = ("windows", "darwin", "linux")
PACK_NAME = "offramp"
MAX_INVENTORY_BYTES = 256 * 1024 * 1024

Inventory = dict[str, Any]


class InventoryError(Exception):
    """An inventory file that cannot be used; the message says what and where."""


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


def _from_results_log(lines: list[str], origin: str, platform: str | None) -> Inventory:
    """Builds an inventory from osqueryd's results log (JSON lines, snapshot or differential)."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        entry = _parse_json(line, f"{origin}:{number}")
        if not isinstance(entry, dict):
            raise InventoryError(f"{origin}:{number}: expected a JSON object per line, got {_kind(entry)}")
        name = entry.get("name", "")
        if not isinstance(name, str):
            raise InventoryError(f"{origin}:{number}: 'name' must be text, got {_kind(name)}")
        # osquery names pack queries "pack/<pack>/<query>" (older: "pack_<pack>_<query>"); Fleet uses its own
        # pack name ("pack/Global/<query>", "pack/team-3/<query>"), so any pack whose query is a known table counts.
        if name.startswith("pack/") and name.count("/") == 2:
            table = name.rsplit("/", 1)[1]
        elif name.startswith(f"pack_{PACK_NAME}_"):
            table = name[len(f"pack_{PACK_NAME}_") :]
        else:
            continue
        if table not in TABLES:
            continue
        if "snapshot" in entry:
            if not isinstance(entry["snapshot"], list):
                got = _kind(entry["snapshot"])
                raise InventoryError(f"{origin}:{number}: 'snapshot' must be a list of rows, got {got}")
            tables[table] = list(entry["snapshot"])
        elif entry.get("action") == "added":
            if not isinstance(entry.get("columns"), dict):
                got = _kind(entry.get("columns"))
                raise InventoryError(f"{origin}:{number}: 'columns' must be an object, got {got}")
            tables.setdefault(table, []).append(entry["columns"])
    if not tables:
        raise InventoryError(f"{origin}: no results of the '{PACK_NAME}' pack found")
    platform = platform or _guess_platform(tables)
    return check({"platform": platform, **tables}, origin)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(value), "a number"
    )


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


def _guess_platform(tables: dict[str, Any]) -> str | None:
    for table in tables:
        owners = platforms_of(table)
        if len(owners) == 1:
            return owners[0]
    return None


def _first_line_is_json(text: str) -> bool:
    first = text.split("\n", 1)[0]
    if inputs.json_depth_problem(first):
        return False
    try:
        return isinstance(json.loads(first), dict) and "\n" in text.strip()
    except (json.JSONDecodeError, RecursionError):
        return False


def load(path: Path, platform: str | None = None) -> Inventory:
    """Reads an inventory file: Offramp's JSON object, or osquery's results log from the exported pack."""
    origin = str(path)
    try:
        text = inputs.read_text(path, MAX_INVENTORY_BYTES)
    except inputs.InputError as exc:
        raise InventoryError(str(exc)) from None
    stripped = text.lstrip()
    if not stripped:
        raise InventoryError(f"{origin}: file is empty")
    if _first_line_is_json(stripped):  # a results log: one JSON object per line
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            return _from_results_log(text.splitlines(), origin, platform)
    else:
        data = _parse_json(text, origin)
    if isinstance(data, dict) and "platform" not in data and "name" in data:
        return _from_results_log([text], origin, platform)
    if isinstance(data, dict) and platform and "platform" not in data:
        data = {"platform": platform, **data}
    return check(data, origin)
