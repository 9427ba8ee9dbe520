"""Turns an inventory into findings, driven entirely by the catalogue: no product name lives in this code.

Rows claimed by a look-alike (another vendor's driver, a built-in tool with a similar name) are set
aside first, so they can never count as evidence against the banned vendor. A product is installed
when a signature marked `proves: installed` matches; otherwise what matched is a leftover. A row no
signature names still counts when it lies under one of a product's `roots` (a file in the vendor's
folder, a value under its registry key, a service or process whose image is there). Signatures
marked `proves: guest` show the product inside a virtual machine: reported, never removed here.
Every piece of evidence is certain or probable, with the rule that produced it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from offramp.core.data.catalogue import Catalogue, Product
from offramp.core.data.osquery_tables import COMMAND_COLUMNS, PATH_COLUMNS
from offramp.core.platform.packagestate import DpkgStatus
from offramp.core.scan.findings import Evidence, Findings, InstalledProduct, Leftover, Note, SecurityProduct
from offramp.core.scan.implied import implied
from offramp.core.scan.inventory import Inventory, rows
from offramp.core.scan.matching import (
    common_prefix,
    image_path,
    is_under,
    match_certainty,
    match_row,
    normalise_name,
    publisher_set,
)

RowKey = tuple[str, int]  # (table, index in that table)


class _Signature(NamedTuple):
    owner: str
    label: str
    table: str
    where: dict[str, Any]
    proves: str
    certainty: str = "certain"
    missing_ok: tuple[str, ...] = ()
    rule: str = ""


class _Index:
    """Finds which signatures may match a row without trying every signature on every row.

    Signatures with an exact (or one_of) column are looked up by that column's value; those whose
    pattern starts with fixed text are looked up by the first two letters of it; a vendor-only
    signature by the publisher. Only what is left (folders, patterns with no fixed start) is tried
    on every row of its table. With 10,000 programs this is the difference between a few
    milliseconds and a tenth of a second.
    """

    PREFIX = 2

    def __init__(self, signatures: Iterable[_Signature], publishers: frozenset[str] = frozenset()):
        self.exact: dict[str, dict[str, dict[str, list[_Signature]]]] = defaultdict(lambda: defaultdict(dict))
        self.prefixed: dict[str, dict[str, dict[str, list[_Signature]]]] = defaultdict(lambda: defaultdict(dict))
        self.scan: dict[str, list[_Signature]] = defaultdict(list)
        for sig in signatures:
            # A column that may be missing cannot be the lookup key: the row would never be tried.
            where = {c: m for c, m in sig.where.items() if c not in sig.missing_ok}
            column, values = self._key(where, publishers)
            if column is not None:
                for value in values:
                    self.exact[sig.table][column].setdefault(_key_text(value), []).append(sig)
                continue
            column, prefix = self._prefix(where)
            if column is not None:
                self.prefixed[sig.table][column].setdefault(prefix, []).append(sig)
            else:
                self.scan[sig.table].append(sig)

    @staticmethod
    def _key(where: dict[str, Any], publishers: frozenset[str]) -> tuple[str | None, list[str]]:
        for column, matcher in where.items():
            if isinstance(matcher, str):
                return column, [matcher]
            if isinstance(matcher, dict) and "one_of" in matcher:
                return column, list(matcher["one_of"])
        for column, matcher in where.items():
            if isinstance(matcher, dict) and matcher.get("vendor"):
                return column, sorted(publishers)
        return None, []

    @classmethod
    def _prefix(cls, where: dict[str, Any]) -> tuple[str | None, str]:
        for column, matcher in where.items():
            if isinstance(matcher, dict) and "pattern" in matcher:
                prefix = common_prefix(matcher["pattern"])
                if len(prefix) >= cls.PREFIX:
                    return column, prefix[: cls.PREFIX].casefold()
        return None, ""

    def candidates(self, table: str, row: dict[str, Any]) -> list[_Signature]:
        # Called once per inventory row (tens of thousands on a server): a list, not a generator, and no
        # signature list is copied unless the row's key finds one.
        found: list[_Signature] = []
        for column, by_value in self.exact.get(table, {}).items():
            value = row.get(column)
            if value is not None and (sigs := by_value.get(_key_text(str(value)))):
                found += sigs
        for column, by_prefix in self.prefixed.get(table, {}).items():
            value = row.get(column)
            if value is not None and (sigs := by_prefix.get(str(value)[: self.PREFIX].casefold())):
                found += sigs
        found += self.scan.get(table, ())
        return found

    def tables(self) -> set[str]:
        return set(self.exact) | set(self.prefixed) | set(self.scan)


def _key_text(value: str) -> str:
    """The index key of a value: what matching ignores (case, quotes, spaces, a folder's trailing separator)."""
    text = normalise_name(value)
    return text[:-1] if len(text) > 3 and text[-1] in "\\/" else text


def _signature(owner: str, label: str, s: dict[str, Any]) -> _Signature:
    return _Signature(
        owner=owner,
        label=label,
        table=s["table"],
        where=s["where"],
        proves=s.get("proves", "trace"),
        certainty=s.get("certainty", "certain"),
        missing_ok=tuple(s.get("missing_ok", ())),
        rule=label,
    )


def _signatures(owner: str, detect: dict[str, list[dict[str, Any]]], platform: str) -> list[_Signature]:
    listed = detect.get(platform, [])
    sigs = [_signature(owner, f"{owner}/{platform}/{i}", s) for i, s in enumerate(listed)]
    for i, s in implied(platform, listed):
        sig = _signature(owner, f"{owner}/{platform}/{i}/image", s)
        sigs.append(sig._replace(rule=f"{sig.label}: the image file of a driver {owner}/{platform}/{i} names"))
    return sigs


Hit = tuple[RowKey, _Signature, str]  # the row, the rule, and how certain the match is


def _matches(index: _Index, inventory: Inventory, publishers: frozenset[str]) -> dict[str, list[Hit]]:
    found: dict[str, list[Hit]] = defaultdict(list)
    for table in sorted(index.tables()):  # a stable order, so reports list things the same way each run
        for i, row in enumerate(rows(inventory, table)):
            for sig in index.candidates(table, row):
                certainty = match_certainty(row, sig.where, publishers, sig.missing_ok)
                if certainty is None:
                    continue
                if sig.certainty == "probable":
                    certainty = "probable"
                found[sig.owner].append(((table, i), sig, certainty))
    return found


def _root_hits(products: Iterable[Product], platform: str, inventory: Inventory, used: set[RowKey]) -> list[Hit]:
    """Rows no signature named that lie under a product's roots: the vendor's folders and keys."""
    roots = [(p.id, i, root) for p in products for i, root in enumerate(p.roots.get(platform, ()))]
    if not roots:
        return []
    hits: list[Hit] = []
    for table, columns in PATH_COLUMNS.items():
        for i, row in enumerate(rows(inventory, table)):
            if (table, i) in used:
                continue
            for column in columns:
                value = row.get(column)
                if not value:
                    continue
                path = image_path(str(value)) if (table, column) in COMMAND_COLUMNS else str(value)
                found = next(((owner, n, root) for owner, n, root in roots if is_under(path, root)), None)
                if found is None:
                    continue
                owner, n, root = found
                label = f"{owner}/{platform}/root/{n}"
                rule = f"{label}: lies under {root}"
                where = {column: {"under": root}}
                sig = _Signature(owner=owner, label=label, table=table, where=where, proves="trace", rule=rule)
                hits.append(((table, i), sig, "certain"))
                break
    return hits


_LEFTOVER_KIND = {
    "registry": "key",
    "processes": "process",
    "systemd_units": "unit",
    "launchd": "launchd",
    "kernel_extensions": "kext",
    "system_extensions": "extension",
    "package_receipts": "receipt",
    "apps": "app",
    "deb_packages": "package",
    "rpm_packages": "package",
    "programs": "program",
    "windows_security_products": "security-center-entry",
}
_NAME_COLUMNS = ("name", "path", "filename", "key", "id", "label", "identifier", "package_id", "bundle_identifier")


def _leftover(product: Product, table: str, row: dict[str, Any], evidence: Evidence) -> Leftover:
    if table == "services":
        kind = "driver" if "DRIVER" in str(row.get("service_type", "")).upper() else "service"
    elif table == "file":
        kind = "folder" if str(row.get("type", "")).lower() == "directory" else "file"
    else:
        kind = _LEFTOVER_KIND.get(table, table)
    name = next((str(row[c]) for c in _NAME_COLUMNS if row.get(c)), "?")
    if table == "registry" and row.get("path"):
        name = str(row["path"])
    return Leftover(product_id=product.id, product_name=product.name, kind=kind, name=name, evidence=[evidence])


_KSC_DATE = re.compile(r"^(\d{2})-(\d{2})-(\d{4}) (\d{2})-(\d{2})-(\d{2})$")
_KESL_DATE = re.compile(r"Last release date of databases:\s*(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})")


def parse_definitions_date(value: Any, fmt: str) -> dt.datetime | None:
    """Reads a definitions timestamp in one of the catalogue's formats; None when absent or 'never'."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        if fmt == "unix_seconds":
            seconds = int(text, 16) if text.lower().startswith("0x") else int(text)
            if seconds <= 0 or seconds >= 0xFFFFFFFF:  # 0xFFFFFFFF is the product's "never updated"
                return None
            return dt.datetime.fromtimestamp(seconds, dt.UTC)
        if fmt == "ksc_bases_date":
            m = _KSC_DATE.match(text)
            if not m:
                return None
            d, mo, y, h, mi, s = map(int, m.groups())
            return dt.datetime(y, mo, d, h, mi, s, tzinfo=dt.UTC)
        if fmt == "kesl_app_info":
            m = _KESL_DATE.search(text)
            if not m:
                return None
            return dt.datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}").replace(tzinfo=dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def _definitions(
    product: Product, platform: str, inventory: Inventory, publishers: frozenset[str]
) -> dt.datetime | None:
    latest = None
    for spec in product.definitions:
        if spec["platform"] != platform:
            continue
        column = spec.get("column", "data")
        for row in rows(inventory, spec["table"]):
            if match_row(row, spec["where"], publishers):
                when = parse_definitions_date(row.get(column), spec["format"])
                if when and (latest is None or when > latest):
                    latest = when
    return latest


def _row_installed(table: str, row: dict[str, Any]) -> bool:
    """dpkg's status decides, never its wish: `deinstall ok installed`, `install reinstreq half-installed`
    and every other state with files or scripts left are installed; only a package whose configuration
    alone is left (config-files) is a leftover."""
    if table == "deb_packages" and row.get("status"):
        return DpkgStatus.parse(str(row["status"])).present
    return True


def _first(evidence: list[Evidence], table: str, column: str) -> str | None:
    for item in evidence:
        if item.table == table and item.row.get(column):
            return str(item.row[column])
    return None


def _is_running(evidence: list[Evidence]) -> bool:
    for item in evidence:
        if item.table == "processes":
            return True
        if item.table == "services" and str(item.row.get("status", "")).upper() == "RUNNING":
            return True
        if item.table == "systemd_units" and item.row.get("active_state") == "active":
            return True
        if item.table == "launchd" and str(item.row.get("disabled", "0")) in ("0", "", "false"):
            continue
    return False


def _protecting(evidence: list[Evidence], platform: str) -> bool | None:
    states = [str(e.row.get("state", "")).lower() for e in evidence if e.table == "windows_security_products"]
    if states:
        return any(s in ("on", "1") for s in states)
    if platform == "linux":
        # A mounted system is not running: its units' state is "unknown", and so is whether it protects.
        units = [e.row.get("active_state") for e in evidence if e.table == "systemd_units"]
        known = [state for state in units if state and state != "unknown"]
        if known:
            return "active" in known
    return None


def _installed(
    product: Product,
    platform: str,
    evidence: list[Evidence],
    inventory: Inventory,
    publishers: frozenset[str],
    now: dt.datetime,
) -> InstalledProduct:
    removal = product.removal.get(platform)
    app_name = (
        _first(evidence, "apps", "display_name")
        or _first(evidence, "apps", "bundle_name")
        or (_first(evidence, "apps", "name") or "").removesuffix(".app")
        or None
    )
    edition = _first(evidence, "programs", "name") or app_name
    version = (
        _first(evidence, "programs", "version")
        or _first(evidence, "apps", "bundle_short_version")
        or _first(evidence, "deb_packages", "version")
        or _first(evidence, "rpm_packages", "version")
        or _first(evidence, "package_receipts", "version")
    )
    location = _first(evidence, "programs", "install_location") or _first(evidence, "apps", "path")
    definitions = _definitions(product, platform, inventory, publishers)
    codes = sorted(
        {
            str(e.row["identifying_number"])
            for e in evidence
            if e.table == "programs" and e.row.get("identifying_number")
        }
    )
    packages = [str(e.row["name"]) for e in evidence if e.table in ("deb_packages", "rpm_packages")]
    return InstalledProduct(
        product_id=product.id,
        name=product.name,
        family=product.family,
        edition=edition,
        version=version,
        install_location=location,
        removal_order=removal.order if removal else None,
        removal_methods=[m.kind for m in removal.methods] if removal else [],
        reboot=removal.reboot if removal else None,
        running=_is_running(evidence),
        protecting=_protecting(evidence, platform),
        definitions_date=definitions.isoformat(timespec="seconds") if definitions else None,
        definitions_age_days=(now - definitions).days if definitions else None,
        product_codes=codes,
        packages=list(dict.fromkeys(packages)),
        data_at_risk=list(product.data_at_risk),
        evidence=evidence,
        protects=product.protects,
    )


_INDEXES: dict[tuple[str, str], tuple[Catalogue, _Index, _Index]] = {}


def _indexes(catalogue: Catalogue, platform: str, publishers: frozenset[str]) -> tuple[_Index, _Index]:
    """The look-alike and product indexes of a platform, built once per catalogue: a fleet scan classifies
    thousands of hosts with one catalogue, and building them was most of a small host's classification."""
    cached = _INDEXES.get((catalogue.id, platform))  # several catalogues are classified in turn
    if cached is not None and cached[0] is catalogue:
        return cached[1], cached[2]
    lookalike_sigs = [s for item in catalogue.not_banned for s in _signatures(item.id, item.detect, platform)]
    product_sigs = [s for p in catalogue.products for s in _signatures(p.id, p.detect, platform)]
    built = _INDEXES[(catalogue.id, platform)] = (
        catalogue,
        _Index(lookalike_sigs, publishers),
        _Index(product_sigs, publishers),
    )
    return built[1], built[2]


def classify(
    catalogue: Catalogue,
    inventory: Inventory,
    now: dt.datetime | None = None,
    known_products: Iterable[tuple[str, str, dict[str, Any]]] = (),
) -> Findings:
    """Classifies an inventory. `known_products` are (id, name, signature) for other security products to report."""
    now = now or dt.datetime.now(dt.UTC)
    platform = inventory["platform"]
    publishers = publisher_set(catalogue.vendor.publisher_names)
    findings = Findings.empty(platform, now)

    lookalike_index, product_index = _indexes(catalogue, platform, publishers)
    # Look-alikes first: a row they claim is never evidence against the banned vendor.
    lookalike_hits = _matches(lookalike_index, inventory, publishers)
    claimed: set[RowKey] = set()
    for item in catalogue.not_banned:
        hits = lookalike_hits.get(item.id, [])
        if not hits:
            continue
        claimed |= {key for key, _, _ in hits}
        evidence = [_evidence(inventory, hit) for hit in hits]
        findings.notes.append(
            Note(id=item.id, name=item.name, maker=item.maker, kind=item.kind, reason=item.reason, evidence=evidence)
        )
        if item.security_product:
            wsc = next((e.row for e in evidence if e.table == "windows_security_products"), {})
            up_to_date = wsc.get("signatures_up_to_date")
            findings.other_security_products.append(
                SecurityProduct(
                    item.name,
                    "catalogue",
                    state=wsc.get("state"),
                    up_to_date=None if up_to_date in (None, "") else str(up_to_date) in ("1", "true", "True"),
                )
            )

    product_hits = _matches(product_index, inventory, publishers)
    named = claimed | {key for hits in product_hits.values() for key, _, _ in hits}
    for hit in _root_hits(catalogue.products, platform, inventory, named):
        product_hits[hit[1].owner].append(hit)
    banned_rows: set[RowKey] = set()
    installed_ids: set[str] = set()
    traces: list[tuple[Product, str, dict[str, Any], Evidence]] = []
    for product in catalogue.products:
        # One row matched by two signatures is one piece of evidence, not two; "installed" wins, then "certain".
        by_row: dict[RowKey, Hit] = {}
        for key, sig, certainty in product_hits.get(product.id, []):
            if sig.proves == "installed" and not _row_installed(key[0], rows(inventory, key[0])[key[1]]):
                sig = sig._replace(proves="trace")
            if key in claimed:
                continue
            if key not in by_row or _rank(sig, certainty) > _rank(by_row[key][1], by_row[key][2]):
                by_row[key] = (key, sig, certainty)
        hits = list(by_row.values())
        if not hits:
            continue
        guest = [hit for hit in hits if hit[1].proves == "guest"]
        if guest:
            findings.guest_installs.append(_guest(catalogue, product, [_evidence(inventory, hit) for hit in guest]))
        hits = [hit for hit in hits if hit[1].proves != "guest"]
        if not hits:
            continue
        banned_rows |= {key for key, _, _ in hits}
        evidence = [_evidence(inventory, hit) for hit in hits]
        proving = [e for e, (_, sig, _) in zip(evidence, hits, strict=True) if sig.proves == "installed"]
        if proving:
            installed_ids.add(product.id)
            decided = next((e for e in proving if e.certainty == "certain"), proving[0])
            found = _installed(product, platform, evidence, inventory, publishers, now)
            findings.installed.append(
                found._replace(certainty=decided.certainty, rule=decided.rule, catalogue=catalogue.id)
            )
        else:
            traces += [(product, e.table, e.row, e) for e in evidence]

    # A product whose catalogue entry can never prove an install (vendor-wide folders and keys) is
    # shared: its parts are leftovers only when no product of the vendor is installed at all.
    for product, table, row, part in traces:
        leftover = _leftover(product, table, row, part)._replace(
            certainty=part.certainty, rule=part.rule, catalogue=catalogue.id
        )
        shared = not any(s.get("proves") == "installed" for s in product.detect.get(platform, []))
        (findings.shared if shared and installed_ids else findings.leftovers).append(leftover)

    findings.installed.sort(key=lambda p: (p.removal_order if p.removal_order is not None else 1000, p.product_id))
    _other_security(findings, inventory, banned_rows | claimed, known_products, publishers)
    return findings


def _rank(sig: _Signature, certainty: str) -> tuple[bool, bool]:
    return sig.proves == "installed", certainty == "certain"


def _evidence(inventory: Inventory, hit: Hit) -> Evidence:
    (table, i), sig, certainty = hit
    row = rows(inventory, table)[i]
    rule = sig.rule or sig.label
    missing = [c for c in sig.missing_ok if not str(row.get(c) or "").strip()]
    if missing:
        rule = f"{rule} (matched without {', '.join(missing)})"
    return Evidence(table=table, row=row, signature=sig.label, certainty=certainty, rule=rule)


def _guest(catalogue: Catalogue, product: Product, evidence: list[Evidence]) -> Note:
    """A product this system only shows a shortcut of: it is installed in a virtual machine's guest."""
    return Note(
        id=product.id,
        name=product.name,
        maker=catalogue.vendor.name,
        kind="in-guest",
        reason=product.description,
        evidence=evidence,
    )


def _other_security(
    findings: Findings,
    inventory: Inventory,
    used: set[RowKey],
    known: Iterable[tuple[str, str, dict[str, Any]]],
    publishers: frozenset[str],
) -> None:
    seen = {p.name.casefold() for p in findings.other_security_products}
    for i, row in enumerate(rows(inventory, "windows_security_products")):
        if ("windows_security_products", i) in used or str(row.get("type", "Antivirus")).lower() != "antivirus":
            continue
        name = str(row.get("name", "?"))
        up_to_date = row.get("signatures_up_to_date")
        findings.other_security_products.append(
            SecurityProduct(
                name,
                "windows_security_products",
                state=row.get("state"),
                up_to_date=None if up_to_date in (None, "") else str(up_to_date) in ("1", "true", "True"),
            )
        )
        seen.add(name.casefold())
    for replacement_id, name, signature in known:
        if name.casefold() in seen:
            continue
        # A row a look-alike entry already reported (Defender's own) is not a second product.
        if any(
            match_row(row, signature["where"], publishers) and (signature["table"], i) not in used
            for i, row in enumerate(rows(inventory, signature["table"]))
        ):
            findings.other_security_products.append(
                SecurityProduct(name, "replacement-playbook", replacement_id=replacement_id)
            )
            seen.add(name.casefold())


# For readers that keep only the rows some signature can match before classifying (app/core/fleet/relevance.py):
# the same index the classifier uses, so "can match" means exactly what it means here.
Signature = _Signature
SignatureIndex = _Index
