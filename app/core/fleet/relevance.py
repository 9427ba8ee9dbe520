"""Which rows of a host can change its findings: the only rows a fleet scan keeps in memory.

A row can matter only if some catalogue signature (a banned product, a look-alike, a definitions
source) or a replacement's presence signature matches it, whatever the host's platform; the classifier
reads every `windows_security_products` row, so those are all kept. Everything else is dropped as it is
read. Keeping a row the classifier then ignores costs a little memory; dropping one it would have used
would change a verdict, so the test suite checks that a host's findings are the same with and without
this filter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from offramp.core.data.catalogue import Catalogue
from offramp.core.data.osquery_tables import COMMAND_COLUMNS, PATH_COLUMNS
from offramp.core.scan.classifier import Signature, SignatureIndex
from offramp.core.scan.implied import implied
from offramp.core.scan.matching import image_path, is_under, match_certainty, publisher_set

ALWAYS_KEPT = frozenset({"windows_security_products"})  # the classifier lists every antivirus it reports
PLATFORMS = ("windows", "darwin", "linux")
SEEN_MAX = 200_000  # rows remembered; a few tens of MB at most


def _wheres(catalogue: Catalogue, known: list[tuple[str, str, dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    """Every signature the classifier can use, with the driver image files the catalogue implies."""
    for detect in [*(p.detect for p in catalogue.products), *(n.detect for n in catalogue.not_banned)]:
        for platform, signatures in detect.items():
            yield from signatures
            yield from (sig for _i, sig in implied(platform, signatures))
    for product in catalogue.products:
        yield from product.definitions
    yield from (s for _id, _name, s in known)


class RowFilter:
    """Says whether a row of a table can matter to any host's findings."""

    def __init__(self, catalogue: Catalogue, known: list[tuple[str, str, dict[str, Any]]]):
        self.publishers = publisher_set(catalogue.vendor.publisher_names)
        signatures = [
            Signature("", f"relevance/{i}", s["table"], s["where"], "trace", missing_ok=tuple(s.get("missing_ok", ())))
            for i, s in enumerate(_wheres(catalogue, known))
        ]
        # Rows no signature names count when they lie under a product's roots (a file deep in its folder).
        self.roots = tuple(root for p in catalogue.products for roots in p.roots.values() for root in roots)
        self.index = SignatureIndex(signatures, self.publishers)
        self.tables = self.index.tables() | (set(PATH_COLUMNS) if self.roots else set())
        # A fleet's machines list the same rows over and over (one program on thousands of hosts, every hourly
        # run): a row's answer is remembered, which costs a hash instead of matching every candidate again.
        self._seen: dict[tuple[Any, ...], bool] = {}

    def keep(self, table: str, rows: list[Any]) -> list[Any]:
        if table in ALWAYS_KEPT or not rows:
            return rows
        if table not in self.tables:
            return []
        return [row for row in rows if self._matters(table, row)]

    def _matters(self, table: str, row: Any) -> bool:
        if not isinstance(row, dict):
            return True  # kept, so the host's inventory check refuses it as a single scan would
        key: tuple[Any, ...] | None = (table, *row.items())
        try:
            known = self._seen.get(key)  # type: ignore[arg-type]
        except TypeError:  # a value that cannot be hashed (a list): decide without remembering
            key, known = None, None
        if known is None:
            known = any(
                match_certainty(row, sig.where, self.publishers, sig.missing_ok) is not None
                for sig in self.index.candidates(table, row)
            ) or self._under_root(table, row)
            if key is not None:
                if len(self._seen) >= SEEN_MAX:
                    self._seen.clear()
                self._seen[key] = known
        return known

    def _under_root(self, table: str, row: dict[str, Any]) -> bool:
        return any(
            is_under(_path(table, column, row[column]), root)
            for column in PATH_COLUMNS.get(table, ())
            if row.get(column)
            for root in self.roots
        )


def _path(table: str, column: str, value: Any) -> str:
    return image_path(str(value)) if (table, column) in COMMAND_COLUMNS else str(value)


def known_products_everywhere() -> list[tuple[str, str, dict[str, Any]]]:
    """Replacement presence signatures of every platform (a row's table says which platform it can be on)."""
    from offramp.core.scan.run import known_security_products

    return [sig for platform in PLATFORMS for sig in known_security_products(platform)]
