"""`offramp export fleet-policies`: Fleet's documented policy format, and queries that pass and fail where they should.

The queries run in the SQLite stand-in for osquery's engine (tests/unit/test_osquery_pack.py) over the
same real-shaped machines the pack's round trip uses.
"""

from __future__ import annotations

import yaml

from offramp.core.data.catalogue import load_catalogue
from offramp.core.export.fleet_policies import build_policies
from offramp.core.scan.run import known_security_products
from tests.conftest import run_cli
from tests.unit import test_osquery_pack as op

# The keys of Fleet's "Add policy" parameters that a GitOps policies file uses (docs/Configuration/yaml-files.md).
FLEET_KEYS = {"name", "description", "resolution", "query", "platform", "critical"}


def policies() -> dict[tuple[str, str], str]:
    replacements = {p: known_security_products(p) for p in ("windows", "darwin", "linux")}
    out = {}
    for policy in build_policies(load_catalogue(catalogue_id="kaspersky"), replacements):
        kind = policy["name"].split(" - ", 1)[1].split(" (", 1)[0]
        out[(policy["platform"], kind)] = policy["query"]
    return out


def passes(query: str, machine: dict) -> bool:
    db = op.osquery_db()
    op.load(db, op.shaped(machine))
    return db.execute(query).fetchone() is not None


def test_the_yaml_is_a_list_of_fleet_policies() -> None:
    done = run_cli("export", "fleet-policies")
    assert done.returncode == 0, done.stderr
    items = yaml.safe_load(done.stdout)
    assert isinstance(items, list) and len(items) == 9
    for item in items:
        assert set(item) == FLEET_KEYS
        assert item["platform"] in ("windows", "darwin", "linux")
        assert item["query"].rstrip().endswith(";") and isinstance(item["critical"], bool)
    assert len({item["name"] for item in items}) == len(items)


def test_installed_and_leftover_policies_fail_exactly_where_the_scan_finds_something() -> None:
    q = policies()
    installed, leftovers = op.windows_installed(), op.windows_leftovers()
    clean = {"platform": "windows", "programs": [op.program("7-Zip 23.01 (x64)", "Igor Pavlov")]}
    assert not passes(q[("windows", "Kaspersky not installed")], installed)
    assert passes(q[("windows", "Kaspersky not installed")], leftovers)
    assert not passes(q[("windows", "no Kaspersky leftovers")], leftovers)
    assert passes(q[("windows", "Kaspersky not installed")], clean)
    assert passes(q[("windows", "no Kaspersky leftovers")], clean)
    assert not passes(q[("linux", "Kaspersky not installed")], op.linux_installed())
    assert not passes(q[("darwin", "Kaspersky not installed")], op.darwin_installed())
    assert passes(q[("linux", "Kaspersky not installed")], {"platform": "linux", "deb_packages": []})


def test_a_package_removed_with_its_configuration_kept_is_not_installed() -> None:
    q = policies()[("linux", "Kaspersky not installed")]
    row = {"name": "kesl", "version": "12.1.0-1226", "status": "deinstall ok config-files"}
    assert passes(q, {"platform": "linux", "deb_packages": [row]})
    assert not passes(q, {"platform": "linux", "deb_packages": [{**row, "status": "install ok installed"}]})


def test_protected_again_needs_another_vendors_antivirus_on() -> None:
    q = policies()[("windows", "protected again")]
    defender = {"type": "Antivirus", "name": "Microsoft Defender Antivirus", "state": "On"}
    kaspersky = {"type": "Antivirus", "name": "Kaspersky Total Security", "state": "On"}
    assert passes(q, {"platform": "windows", "windows_security_products": [defender]})
    assert not passes(q, {"platform": "windows", "windows_security_products": [kaspersky]})
    assert not passes(q, {"platform": "windows", "windows_security_products": [{**defender, "state": "Off"}]})
