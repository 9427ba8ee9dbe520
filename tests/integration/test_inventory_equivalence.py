"""A fleet's osquery results give the same findings as Offramp's own live collector on the same machine state.

The machine is a real private dpkg root. Its live inventory (what `offramp inventory collect` prints)
is loaded into tables shaped like osquery's; the exported pack's queries run on them; their rows
become osquery's results log; and `offramp scan --inventory` on that log must agree with
`offramp scan --root` on the machine itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from offramp.core.data.catalogue import load_catalogue
from offramp.core.export.osquery_pack import build_pack
from tests.conftest import run_cli
from tests.support import linux_fixtures as fx
from tests.support.pkgbed import DpkgRoot
from tests.unit.test_osquery_pack import load, osquery_db, results_log, run_pack

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages


def findings_of(scan_json: str) -> dict:
    data = json.loads(scan_json)
    return {
        "verdict": data["verdict"],
        "installed": sorted((p["product_id"], p["version"]) for p in data["installed"]),
        "leftovers": sorted((x["product_id"], x["kind"], x["name"]) for x in data["leftovers"]),
        "notes": sorted(n["id"] for n in data["notes"]),
    }


def test_osquery_results_and_the_live_collector_agree(
    dpkg_root: DpkgRoot, built_packages: BuiltPackages, tmp_path: Path
) -> None:
    dpkg_root.install(*(built_packages.deb(s) for s in (fx.KESL, fx.KESL_GUI, fx.KLNAGENT64, fx.KLEOPATRA)))
    dpkg_root.remove("klnagent64")  # a removed package leaves its folders: leftovers as well as installs

    collected = run_cli("inventory", "collect", "--root", str(dpkg_root.path))
    assert collected.returncode == 0, collected.stderr
    inventory = json.loads(collected.stdout)
    db = osquery_db()
    load(db, inventory)
    pack = build_pack(load_catalogue(catalogue_id="kaspersky"))
    log = results_log(run_pack(pack, db, "linux"), tmp_path / "osqueryd.results.log")

    live = run_cli("scan", "--root", str(dpkg_root.path), "--json")
    fleet = run_cli("scan", "--inventory", str(log), "--json")
    assert (live.returncode, fleet.returncode) == (1, 1), live.stderr + fleet.stderr
    assert findings_of(fleet.stdout) == findings_of(live.stdout)
    assert findings_of(live.stdout)["installed"] == [("kaspersky-endpoint-security-linux", fx.KESL.full_version)]
    assert "kde-kleopatra" in findings_of(live.stdout)["notes"]
