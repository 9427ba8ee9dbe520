"""The inventory: what is on a machine, as osquery table rows. Collectors make it; the classifier reads it.

The shape is {"platform": "windows"|"darwin"|"linux", "<osquery table>": [row, ...], ...}, where a row
maps osquery column names to values (osquery prints them all as text). It can also be read from
osquery's own output: a results log written by the pack `offramp export osquery-pack` generates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from app.core.data import platforms
from app.core.data.osquery_tables import TABLES, platforms_of

PLATFORMS = platforms.ALL
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
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InventoryError(f"{origin}:{number}: not JSON ({exc.msg})") from None
        name = str(entry.get("name", ""))
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
            tables[table] = list(entry["snapshot"])
        elif entry.get("action") == "added" and isinstance(entry.get("columns"), dict):
            tables.setdefault(table, []).append(entry["columns"])
    if not tables:
        raise InventoryError(f"{origin}: no results of the '{PACK_NAME}' pack found")
    platform = platform or _guess_platform(tables)
    return check({"platform": platform, **tables}, origin)


def _guess_platform(tables: dict[str, Any]) -> str | None:
    for table in tables:
        owners = platforms_of(table)
        if len(owners) == 1:
            return owners[0]
    return None


def _first_line_is_json(text: str) -> bool:
    first = text.split("\n", 1)[0]
    try:
        return isinstance(json.loads(first), dict) and "\n" in text.strip()
    except json.JSONDecodeError:
        return False


def load(path: Path, platform: str | None = None) -> Inventory:
    """Reads an inventory file: Offramp's JSON object, or osquery's results log from the exported pack."""
    origin = str(path)
    try:
        if path.stat().st_size > MAX_INVENTORY_BYTES:
            raise InventoryError(f"{origin}: larger than {MAX_INVENTORY_BYTES // (1024 * 1024)} MB")
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InventoryError(f"{origin}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InventoryError(f"{origin}: not UTF-8 text") from None
    stripped = text.lstrip()
    if not stripped:
        raise InventoryError(f"{origin}: file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if _first_line_is_json(stripped):  # a results log: one JSON object per line
            return _from_results_log(text.splitlines(), origin, platform)
        raise InventoryError(f"{origin}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})") from None
    if isinstance(data, dict) and "platform" not in data and "name" in data:
        return _from_results_log([text], origin, platform)
    if isinstance(data, dict) and platform and "platform" not in data:
        data = {"platform": platform, **data}
    return check(data, origin)
