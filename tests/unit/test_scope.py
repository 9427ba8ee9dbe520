"""What the catalogue asks collectors to read: here, which systemd units a Linux scan lists."""

from __future__ import annotations

from offramp.core.data.catalogue import Catalogue, load_catalogue
from offramp.core.scan.collectors.scope import scope_from

CATALOGUE = load_catalogue(catalogue_id="kaspersky")


def _with_linux_rule(rule: dict) -> Catalogue:
    product = CATALOGUE.products[0]
    detect = {**product.detect, "linux": [*product.detect.get("linux", []), rule]}
    return CATALOGUE._replace(products=(product._replace(detect=detect), *CATALOGUE.products[1:]))


def test_units_named_by_the_catalogue_are_the_only_ones_listed() -> None:
    units = scope_from(CATALOGUE).units
    assert units is not None
    assert "kesl.service" in units and "klnagent64.service" in units


def test_a_unit_named_by_pattern_keeps_the_list_narrow() -> None:
    units = scope_from(
        _with_linux_rule({"table": "systemd_units", "where": {"id": {"pattern": "^kesl-[a-z]+[.]service$"}}})
    ).units
    assert units is not None and {"pattern": "^kesl-[a-z]+[.]service$"} in units


def test_a_unit_rule_that_does_not_name_its_unit_lists_every_unit() -> None:
    # A rule on the unit file's folder can match any unit name, so the collector must list them all.
    rule = {"table": "systemd_units", "where": {"fragment_path": {"under": "/opt/kaspersky"}}}
    assert scope_from(_with_linux_rule(rule)).units is None
