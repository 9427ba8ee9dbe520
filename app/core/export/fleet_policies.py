"""Exports the catalogue as Fleet policies (GitOps YAML): banned software installed, its leftovers, protected again.

Fleet counts a host as passing a policy when the policy's query returns a row, so each query is written
as "nothing of the kind is there": `SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM <table> WHERE <terms>) AND
...`. The terms are the osquery pack's (osquery_sql.signature_terms), so the policies and the pack read
the same rows, anchors for `file` and `registry` included. The format is Fleet's documented policy list
(a `lib/*.policies.yml` file: name, description, resolution, query, platform, critical).

A policy runs the catalogue's rules where the data is, but it cannot do what the classifier does after
matching: set look-alikes aside or tell an installed product from a kept configuration. So "installed"
leaves out package rows whose status says removed, and a policy that fails on a host is a reason to look
(`offramp scan`, or `offramp fleet scan` over the pack's results), not yet a verdict.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from offramp.core.data import platforms
from offramp.core.data.catalogue import Catalogue
from offramp.core.export.osquery_sql import signature_terms

# dpkg keeps a removed package's row with its configuration ("deinstall ok config-files"): not installed.
INSTALLED_ONLY = {"deb_packages": "status LIKE '% installed' AND status NOT LIKE 'deinstall %'"}


def _none_of(by_table: dict[str, list[str]], extra: dict[str, str] | None = None) -> str:
    parts = []
    for table in sorted(by_table):
        where = " OR ".join(f"({t})" for t in by_table[table])
        if extra and table in extra:
            where = f"({where}) AND {extra[table]}"
        parts.append(f"NOT EXISTS (SELECT 1 FROM {table} WHERE {where})")
    return "SELECT 1 WHERE " + " AND ".join(parts) + ";"


def _terms(catalogue: Catalogue, platform: str, proves: str | None) -> dict[str, list[str]]:
    publishers = list(catalogue.vendor.publisher_names)
    by_table: dict[str, list[str]] = defaultdict(list)
    for product in catalogue.products:
        for i, sig in enumerate(product.detect.get(platform, [])):
            if proves and sig.get("proves", "trace") != proves:
                continue
            label = f"{product.id}/{platform}/{i}"
            for term in signature_terms(sig["table"], sig["where"], publishers, label):
                if term not in by_table[sig["table"]]:
                    by_table[sig["table"]].append(term)
    return by_table


def _protected_query(platform: str, vendor: str, replacements: list[tuple[str, str, dict[str, Any]]]) -> str | None:
    if platform == "windows":
        # Security Center lists the antivirus that protects the machine; any that is on and not the vendor's.
        return (
            "SELECT 1 FROM windows_security_products WHERE type = 'Antivirus' AND state = 'On' "
            f"AND name NOT LIKE '%{vendor.replace(chr(39), chr(39) * 2)}%';"
        )
    by_table: dict[str, list[str]] = defaultdict(list)
    for _id, _name, sig in replacements:
        by_table[sig["table"]] += signature_terms(sig["table"], sig["where"], [], "replacement")
    if not by_table:
        return None
    branches = [
        f"SELECT 1 FROM {t} WHERE " + " OR ".join(f"({x})" for x in terms) for t, terms in sorted(by_table.items())
    ]
    return " UNION ".join(branches) + ";"


def build_policies(
    catalogue: Catalogue, replacements: dict[str, list[tuple[str, str, dict[str, Any]]]]
) -> list[dict[str, Any]]:
    """Fleet policies, three per platform; `replacements` are presence signatures per platform."""
    vendor = catalogue.vendor.name
    policies = []
    for platform, words in ((p, platforms.display_name(p)) for p in platforms.ALL):
        installed = _terms(catalogue, platform, "installed")
        every_part = _terms(catalogue, platform, None)
        if installed:
            policies.append(
                {
                    "name": f"Offramp - {vendor} not installed ({words})",
                    "description": f"Fails when a {vendor} product is installed, by the rules of Offramp's "
                    f"'{catalogue.id}' catalogue (the same rows the osquery pack collects).",
                    "resolution": "Remove it with Offramp: 'offramp migrate --silent --to PLAYBOOK', or the "
                    "offramp.migrate Ansible role. 'offramp scan' on the host says what it found.",
                    "query": _none_of(installed, INSTALLED_ONLY),
                    "platform": platform,
                    "critical": True,
                }
            )
        if every_part:
            policies.append(
                {
                    "name": f"Offramp - no {vendor} leftovers ({words})",
                    "description": f"Fails when any part of a {vendor} product is still there: programs, "
                    "services, drivers, folders, keys or packages, installed or left behind.",
                    "resolution": "Run 'offramp scan' on the host: it lists the leftovers, and 'offramp migrate' "
                    "removes those the catalogue names.",
                    "query": _none_of(every_part),
                    "platform": platform,
                    "critical": False,
                }
            )
        protected = _protected_query(platform, vendor, replacements.get(platform, []))
        if protected:
            policies.append(
                {
                    "name": f"Offramp - protected again ({words})",
                    "description": "Passes when an antivirus other than the banned vendor's protects the host "
                    "(Windows Security Center; elsewhere a replacement Offramp knows is installed).",
                    "resolution": "Install a replacement: 'offramp playbooks list' shows them.",
                    "query": protected,
                    "platform": platform,
                    "critical": False,
                }
            )
    return policies


def to_yaml(policies: list[dict[str, Any]]) -> str:
    import yaml

    return str(yaml.safe_dump(policies, sort_keys=False, allow_unicode=True, width=1_000_000))
