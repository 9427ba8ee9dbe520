"""Scores the shipped catalogues against the real-world corpus: every record is a one-row inventory.

A record that should be found (`expect` names a catalogue) counts as found when that catalogue
reports it: installed, a leftover, a part that goes with an installed product, or an install in a
virtual machine's guest. A record that must not be found (`expect: none`) is a false positive when
any catalogue reports it. Vendor and observed records must all be found; modelled ones are scored
and printed, not required. The figures appear in pytest's terminal summary.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from offramp.core.data.catalogue import Catalogue, load_catalogues
from offramp.core.scan.classifier import classify

from .conftest import SCORE

RECORDS = Path(__file__).parent / "records"
NOW = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
REQUIRED = ("vendor", "observed")


def load_records() -> list[dict[str, Any]]:
    records = []
    for path in sorted(RECORDS.glob("*.yaml")):
        for record in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            records.append({**record, "source_family": path.stem})
    return records


def reported_by(catalogues: tuple[Catalogue, ...], record: dict[str, Any]) -> dict[str, list[str]]:
    """Which catalogue reports the record, and how ('installed', 'leftover', 'shared', 'guest' with certainty)."""
    inventory = {"platform": record["platform"], record["table"]: [dict(record["row"])]}
    found: dict[str, list[str]] = {}
    for catalogue in catalogues:
        f = classify(catalogue, inventory, NOW)
        how = [f"installed:{p.certainty}" for p in f.installed]
        how += [f"leftover:{item.certainty}" for item in f.leftovers]
        how += [f"shared:{item.certainty}" for item in f.shared]
        how += ["guest" for _ in f.guest_installs]
        if how:
            found[catalogue.id] = how
    return found


def _ratio(hit: int, total: int) -> str:
    return f"{hit / total:.2f}" if total else "-"


def score(records: list[dict[str, Any]], catalogues: tuple[Catalogue, ...]) -> dict[str, Any]:
    misses, false_positives = [], []
    groups: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    certainty: Counter[str] = Counter()
    for record in records:
        found = reported_by(catalogues, record)
        expect = record["expect"]
        for key in (("source", record["source_family"]), ("confidence", record["confidence"])):
            counts = groups[key]
            counts["records"] += 1
            if expect == "none":
                counts["negatives"] += 1
                counts["false_positives"] += bool(found)
            else:
                counts["positives"] += 1
                counts["found"] += expect in found
        if expect == "none" and found:
            false_positives.append(f"{record['id']}: reported by {found}")
        elif expect != "none":
            if expect in found:
                certainty.update(how.split(":")[-1] for how in found[expect][:1])
            elif record["confidence"] in REQUIRED:
                misses.append(f"{record['id']} ({record['confidence']}, {record['table']} {record['row']})")
    return {"groups": groups, "misses": misses, "false_positives": false_positives, "certainty": certainty}


def summary(records: list[dict[str, Any]], result: dict[str, Any]) -> list[str]:
    lines = [f"{'group':<40} {'records':>7} {'pos':>5} {'found':>5} {'recall':>6} {'neg':>5} {'FP':>4}"]
    for kind in ("source", "confidence"):
        for (group_kind, name), c in sorted(result["groups"].items()):
            if group_kind != kind:
                continue
            lines.append(
                f"{kind + ': ' + name:<40} {c['records']:>7} {c['positives']:>5} {c['found']:>5} "
                f"{_ratio(c['found'], c['positives']):>6} {c['negatives']:>5} {c['false_positives']:>4}"
            )
    required = [r for r in records if r["expect"] != "none" and r["confidence"] in REQUIRED]
    negatives = [r for r in records if r["expect"] == "none"]
    lines.append(
        f"vendor+observed recall: {len(required) - len(result['misses'])}/{len(required)}; "
        f"false positives: {len(result['false_positives'])}/{len(negatives)}; "
        f"certainty of found positives: {dict(result['certainty'])}"
    )
    return lines


def test_corpus_has_records_and_unique_ids() -> None:
    records = load_records()
    ids = Counter(r["id"] for r in records)
    assert len(records) >= 300
    assert [i for i, n in ids.items() if n > 1] == []
    assert {r["expect"] for r in records} <= {"none"} | {c.id for c in load_catalogues()}


def test_shipped_catalogues_find_every_vendor_and_observed_record(request: pytest.FixtureRequest) -> None:
    records = load_records()
    result = score(records, load_catalogues())
    lines = summary(records, result)
    request.config.stash[SCORE] = lines
    report = "\n".join(lines)
    assert result["misses"] == [], "missed:\n" + "\n".join(result["misses"]) + "\n" + report
    assert result["false_positives"] == [], "false positives:\n" + "\n".join(result["false_positives"]) + "\n" + report
