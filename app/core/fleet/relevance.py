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

from app.core.data.catalogue import Catalogue
from app.core.scan.classifier import Signature, SignatureIndex
from app.core.scan.matching import match_row, publisher_set

ALWAYS_KEPT = frozenset({"windows_security_products"})  # the classifier lists every antivirus it reports
PLATFORMS = ("windows", "darwin", "linux")
SEEN_MAX = 200_000  # rows remembered; a few tens of MB at most


def _wheres(catalogue: Catalogue, known: list[tuple[str, str, dict[str, Any]]]) -> Iterator[tuple[str, dict]]:
    for product in catalogue.products:
        for signatures in product.detect.values():
            yield from ((s["table"], s["where"]) for s in signatures)
        yield from ((spec["table"], spec["where"]) for spec in product.definitions)
    for item in catalogue.not_banned:
        for signatures in item.detect.values():
            yield from ((s["table"], s["where"]) for s in signatures)
    yield from ((s["table"], s["where"]) for _id, _name, s in known)


class RowFilter:
    """Says whether a row of a table can matter to any host's findings."""

    def __init__(self, catalogue: Catalogue, known: list[tuple[str, str, dict[str, Any]]]):
        self.publishers = publisher_set(catalogue.vendor.publisher_names)
        signatures = [
            Signature("", f"relevance/{i}", table, where, "trace")
            for i, (table, where) in enumerate(_wheres(catalogue, known))
        ]
        self.index = SignatureIndex(signatures, self.publishers)
        self.tables = self.index.tables()
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
            known = any(match_row(row, sig.where, self.publishers) for sig in self.index.candidates(table, row))
            if key is not None:
                if len(self._seen) >= SEEN_MAX:
                    self._seen.clear()
                self._seen[key] = known
        return known


def known_products_everywhere() -> list[tuple[str, str, dict[str, Any]]]:
    """Replacement presence signatures of every platform (a row's table says which platform it can be on)."""
    from app.core.scan.run import known_security_products

    return [sig for platform in PLATFORMS for sig in known_security_products(platform)]
