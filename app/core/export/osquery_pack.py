r"""Exports the catalogue's detection signatures as an osquery pack, so a fleet can collect what a scan reads.

The pack has one snapshot query per osquery table, named exactly after the table, so osqueryd logs its
results as "pack/offramp/<table>" and `offramp scan --inventory` reads them back (app/core/scan/inventory.py).
A table used on several platforms (file, processes) gets one query with the union of their conditions and
a comma-separated platform list, which osquery's pack loader accepts.

Each query selects the columns app/core/data/osquery_tables.py lists, for the rows that at least one signature
could match: banned products, look-alikes (so their notes survive the round trip) and the rows product
definitions dates are read from. The SQL is deliberately a superset of the catalogue's matchers: the
classifier matches every returned row again, so a row too many costs nothing, while a row too few would be
a missed product. Each signature's SQL comes from app/core/export/osquery_sql.py.

osquery cannot read HKEY_CURRENT_USER (it logs a warning and returns nothing); signatures name
HKEY_USERS\<SID> instead. Only the catalogue is exported: the "other security products" a local scan
lists from Windows Security Center are not collected.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from offramp.core.data import platforms
from offramp.core.data.catalogue import Catalogue
from offramp.core.data.osquery_tables import PATH_COLUMNS, TABLES, platforms_of
from offramp.core.export.osquery_sql import ExportError, root_terms, signature_terms
from offramp.core.scan.implied import implied
from offramp.core.scan.inventory import PACK_NAME

__all__ = ["DEFAULT_INTERVAL", "ExportError", "build_pack"]

PLATFORM_ORDER = platforms.ALL
DEFAULT_INTERVAL = 3600  # hourly, like osquery's own example packs; a product comes and goes rarely


@dataclass
class _TableQuery:
    platforms: set[str]
    terms: list[str]
    signatures: int = 0


def _signatures(catalogue: Catalogue) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(label, platform, table, signature) for every detection signature and definitions source."""
    for product in catalogue.products:
        for platform, signatures in product.detect.items():
            for i, sig in enumerate(signatures):
                yield f"{product.id}/{platform}/{i}", platform, sig["table"], sig
            for i, sig in implied(platform, signatures):
                yield f"{product.id}/{platform}/{i}/image", platform, sig["table"], sig
        for i, spec in enumerate(product.definitions):
            column = spec.get("column", "data")
            # A date that only a program's output holds ("run") cannot come from osquery: the row is still
            # collected (it shows the tool is there), the date stays unknown in a fleet's report.
            if column not in TABLES[spec["table"]] and not spec.get("run"):
                raise ExportError(
                    f"{product.id}/definitions/{i}: column {column!r} is not collected from {spec['table']!r}"
                )
            yield f"{product.id}/definitions/{i}", spec["platform"], spec["table"], spec
    for item in catalogue.not_banned:
        for platform, signatures in item.detect.items():
            for i, sig in enumerate(signatures):
                yield f"{item.id}/{platform}/{i}", platform, sig["table"], sig
            for i, sig in implied(platform, signatures):
                yield f"{item.id}/{platform}/{i}/image", platform, sig["table"], sig


def _root_signatures(catalogue: Catalogue) -> Iterator[tuple[str, str, str, str, str]]:
    """(label, platform, table, column, root) for every product root and every path column on its platform."""
    for product in catalogue.products:
        for platform, roots in product.roots.items():
            for i, root in enumerate(roots):
                for table, columns in PATH_COLUMNS.items():
                    if platform in platforms_of(table):
                        for column in columns:
                            yield f"{product.id}/{platform}/root/{i}", platform, table, column, root


def build_pack(catalogue: Catalogue, interval: int = DEFAULT_INTERVAL) -> dict[str, Any]:
    """The osquery pack (as JSON-ready data) that collects every row the catalogue's signatures can match."""
    tables: dict[str, _TableQuery] = {}
    publishers = list(catalogue.vendor.publisher_names)
    for label, platform, table, sig in _signatures(catalogue):
        if platform not in platforms_of(table):
            raise ExportError(f"{label}: osquery table {table!r} does not exist on {platform}")
        query = tables.setdefault(table, _TableQuery(set(), []))
        query.platforms.add(platform)
        query.signatures += 1
        for term in signature_terms(table, sig["where"], publishers, label, sig.get("missing_ok", ())):
            if term not in query.terms:
                query.terms.append(term)
    for label, platform, table, column, root in _root_signatures(catalogue):
        query = tables.setdefault(table, _TableQuery(set(), []))
        query.platforms.add(platform)
        for term in root_terms(table, column, root, label):
            if term not in query.terms:
                query.terms.append(term)
    queries = {}
    for table in sorted(tables):
        query = tables[table]
        columns = ", ".join(TABLES[table])
        condition = " OR ".join(f"({t})" for t in query.terms)
        queries[table] = {
            "query": f"SELECT {columns} FROM {table} WHERE {condition};",
            "interval": interval,
            "platform": ",".join(p for p in PLATFORM_ORDER if p in query.platforms),
            "snapshot": True,
            "description": f"Offramp: {table} rows that {query.signatures} signatures of the "
            f"'{catalogue.id}' catalogue ({catalogue.vendor.name} products, look-alikes, "
            f"definitions dates) can match. Deploy as pack '{PACK_NAME}'; read the results "
            "with 'offramp scan --inventory'.",
        }
    return {"queries": queries}
