"""dpkg's status word, not its wish, decides: every state with files or scripts left is an installed product;
config-files alone is a leftover; an unreadable status is treated as installed (the safe side)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from offramp.core.data.catalogue import load_catalogue
from offramp.core.platform.packagestate import FLAGS, STATUSES, WANTS, DpkgStatus
from offramp.core.scan.classifier import classify

CATALOGUE = load_catalogue(catalogue_id="kaspersky")
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
EVERY_STATE = [f"{w} {f} {s}" for w, f, s in itertools.product(WANTS, FLAGS, STATUSES) if s != "not-installed"]


def _findings(status: str):
    row = {"name": "kesl", "version": "12.1.0-1226", "arch": "all", "status": status}
    return classify(CATALOGUE, {"platform": "linux", "deb_packages": [row]}, now=NOW)


@pytest.mark.parametrize("status", EVERY_STATE)
def test_every_dpkg_state_is_read_for_what_it_is(status: str) -> None:
    findings = _findings(status)
    if status.endswith("config-files"):
        assert findings.installed == [] and [item.kind for item in findings.leftovers] == ["package"]
    else:
        assert [p.product_id for p in findings.installed] == ["kaspersky-endpoint-security-linux"], status


@pytest.mark.parametrize("text", ["", "installed", "install ok", "install ok exploded", "ii "])
def test_a_status_dpkg_would_not_write_counts_as_present(text: str) -> None:
    assert DpkgStatus.parse(text).present
    assert DpkgStatus.parse(text).needs_reinstreq_force


def test_reinstreq_is_what_asks_for_the_force() -> None:
    assert DpkgStatus.parse("deinstall reinstreq half-installed").needs_reinstreq_force
    assert not DpkgStatus.parse("deinstall ok half-configured").needs_reinstreq_force
