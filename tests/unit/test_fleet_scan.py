"""Fleet results logs: every host read and classified as a single-host scan of its own lines would be.

The logs are written in osquery's documented formats (tests/support/osquery_logs.py), with rows the
exported pack selects from real-shaped machines.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offramp.core.data.catalogue import load_catalogue
from offramp.core.fleet import render
from offramp.core.fleet.relevance import RowFilter, known_products_everywhere
from offramp.core.fleet.scan import FleetInputError, scan_fleet
from offramp.core.fleet.verdicts import from_findings
from offramp.core.output import fleet_html
from offramp.core.scan import inventory as inv
from offramp.core.scan.classifier import classify
from offramp.core.scan.run import known_security_products
from tests.conftest import run_cli
from tests.support.osquery_logs import HostSpec, noise_rows, profiles, write_host_log, write_log

NOW = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
PROFILES = sorted(profiles())


def single_host_verdict(log: Path, spec: HostSpec) -> object:
    """What `scan --inventory` says of this host's log, in the fleet's terms."""
    catalogue = load_catalogue(catalogue_id="kaspersky")
    inventory = inv.load(log)
    findings = classify(catalogue, inventory, NOW, known_security_products(inventory["platform"]))
    key = spec.uuid if spec.fleet else spec.name
    return from_findings(key, spec.name, None, False, findings)


def strip(verdict: object) -> dict:
    data = verdict.to_dict()  # type: ignore[attr-defined]
    for volatile in ("last_seen", "stale"):
        data.pop(volatile)
    return data


host_specs = st.builds(
    HostSpec,
    name=st.sampled_from([f"pc-{i}" for i in range(8)]),
    runs=st.lists(st.sampled_from(PROFILES), min_size=1, max_size=3),
    fmt=st.sampled_from(["snapshot", "event", "batch"]),
    delimiter=st.sampled_from(["/", "_"]),
    pack=st.sampled_from(["offramp", "Global", "team-3"]),
    fleet=st.booleans(),
    noise=st.integers(0, 3),
)


def _platform_consistent(spec: HostSpec) -> bool:
    return len({profiles()[p][0] for p in spec.runs}) == 1


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hosts=st.lists(host_specs.filter(_platform_consistent), min_size=1, max_size=6, unique_by=lambda h: h.name),
    chunk=st.sampled_from([256, 4096, 1 << 20]),
    compress=st.booleans(),
)
def test_each_hosts_verdict_is_what_a_scan_of_its_own_lines_says(
    hosts: list[HostSpec], chunk: int, compress: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log = write_log(Path(tmp) / "fleet.log", hosts, compress=compress)
        if not gzip.decompress(log.read_bytes()).strip() if compress else not log.read_text().strip():
            with pytest.raises(FleetInputError):  # only hosts whose differential logs stayed silent
                scan_fleet([log], jobs=1, now=NOW, chunk_bytes=chunk)
            return
        result = scan_fleet([log], jobs=1, now=NOW, chunk_bytes=chunk)
        fleet = {h.key: strip(h) for h in result.hosts}
        expected = {}
        for spec in hosts:
            own = write_host_log(Path(tmp) / f"{spec.name}.log", spec)
            if not own.read_text().strip():
                continue  # differential logging writes nothing for a host whose tables stayed empty
            try:
                verdict = single_host_verdict(own, spec)
            except inv.InventoryError:
                continue  # no table names the platform (file, processes only): both readers refuse it
            expected[verdict.key] = strip(verdict)  # type: ignore[attr-defined]
        for key in set(fleet) - set(expected):
            assert fleet[key]["verdict"] == "unreadable"
            del fleet[key]
        assert fleet == expected


@pytest.mark.parametrize("profile", PROFILES)
def test_the_rows_a_fleet_scan_drops_never_change_a_finding(profile: str) -> None:
    catalogue = load_catalogue(catalogue_id="kaspersky")
    platform, tables = profiles()[profile]
    noisy = {t: rows + noise_rows(t, 50) for t, rows in tables.items()}
    keep = RowFilter(catalogue, known_products_everywhere()).keep
    full = classify(catalogue, {"platform": platform, **noisy}, NOW, known_security_products(platform))
    kept = {t: keep(t, rows) for t, rows in noisy.items()}
    cut = classify(catalogue, {"platform": platform, **kept}, NOW, known_security_products(platform))
    assert cut.to_dict() == full.to_dict()
    assert sum(map(len, kept.values())) <= sum(map(len, tables.values()))  # the noise went


def test_a_multi_host_log_is_refused_by_the_single_host_scan_whichever_host_comes_first(tmp_path: Path) -> None:
    # The banned host first: keeping the last snapshot per table would say "clean".
    hosts = [HostSpec("pc-banned", ["windows-installed"]), HostSpec("pc-clean", ["windows-leftovers"])]
    log = write_log(tmp_path / "two.log", hosts)
    done = run_cli("scan", "--inventory", str(log))
    assert done.returncode == 2
    assert "offramp fleet scan" in done.stderr and "pc-banned" in done.stderr and "pc-clean" in done.stderr
    fleet = run_cli("fleet", "scan", "--json", str(log))
    assert fleet.returncode == 1, fleet.stderr
    verdicts = {h["label"]: h["verdict"] for h in json.loads(fleet.stdout)["hosts"]}
    assert verdicts == {"pc-banned": "banned-installed", "pc-clean": "leftovers"}


def test_a_removal_logged_as_a_differential_line_is_honoured(tmp_path: Path) -> None:
    for fmt in ("event", "batch", "snapshot"):
        log = write_log(
            tmp_path / f"{fmt}.log", [HostSpec("pc-1", ["windows-installed", "windows-leftovers"], fmt=fmt)]
        )
        assert inv.load(log).get("programs", []) == [], fmt
        (host,) = scan_fleet([log], jobs=1, now=NOW).hosts
        assert host.verdict == "leftovers", fmt


def test_the_newest_snapshot_counts_whatever_order_the_files_come_in(tmp_path: Path) -> None:
    old = write_log(tmp_path / "old.log", [HostSpec("pc-1", ["windows-installed"])])
    new = write_log(tmp_path / "new.log", [HostSpec("pc-1", ["windows-leftovers"], first_time=1_795_990_000)])
    for order in ([old, new], [new, old]):
        (host,) = scan_fleet(order, jobs=1, now=NOW).hosts
        assert host.verdict == "leftovers"


def test_worker_processes_give_the_same_answer_as_one_process(tmp_path: Path) -> None:
    hosts = [HostSpec(f"pc-{i}", [PROFILES[i % len(PROFILES)]], noise=i % 4) for i in range(40)]
    log = write_log(tmp_path / "fleet.log", hosts)
    one = scan_fleet([log], jobs=1, now=NOW, chunk_bytes=2048)
    many = scan_fleet([log], jobs=2, now=NOW, chunk_bytes=2048)
    assert [h.to_dict() for h in many.hosts] == [h.to_dict() for h in one.hosts]
    assert many.summary.to_dict() == one.summary.to_dict()


def test_hosts_are_told_apart_by_fleets_uuid_even_with_one_name(tmp_path: Path) -> None:
    twins = [
        HostSpec("kiosk", ["windows-installed"], fleet=True, uuid="A-1"),
        HostSpec("kiosk", ["windows-leftovers"], fleet=True, uuid="B-2"),
    ]
    result = scan_fleet([write_log(tmp_path / "fleet.log", twins)], jobs=1, now=NOW)
    assert sorted((h.key, h.label, h.verdict) for h in result.hosts) == [
        ("A-1", "kiosk", "banned-installed"),
        ("B-2", "kiosk", "leftovers"),
    ]


def test_stale_hosts_and_torn_lines_are_reported_not_hidden(tmp_path: Path) -> None:
    hosts = [
        HostSpec("pc-old", ["windows-installed"], first_time=1_795_000_000),
        HostSpec("pc-new", ["windows-leftovers"]),
    ]
    log = write_log(tmp_path / "fleet.log", hosts)
    with log.open("ab") as f:
        f.write(b'{"name": "pack/offramp/programs", "snapsh')  # a line cut off by a rotation
    result = scan_fleet([log], jobs=1, now=NOW)
    assert [(h.label, h.stale) for h in result.hosts] == [("pc-old", True), ("pc-new", False)]
    assert result.summary.stale == 1 and result.summary.unreadable_lines == 1
    assert "not JSON" in result.summary.problems[0]


def test_a_log_without_the_pack_is_an_input_error(tmp_path: Path) -> None:
    log = tmp_path / "other.log"
    log.write_text(json.dumps({"name": "pack/it/uptime", "hostIdentifier": "a", "snapshot": []}) + "\n")
    with pytest.raises(FleetInputError, match="no results of the 'offramp' pack"):
        scan_fleet([log], jobs=1)
    assert run_cli("fleet", "scan", str(log)).returncode == 2
    assert run_cli("fleet", "scan", str(tmp_path / "missing.log")).returncode == 2


def test_csv_json_and_html_list_the_worst_hosts_first(tmp_path: Path) -> None:
    hosts = [
        HostSpec("=cmd|evil", ["windows-clean"]),
        HostSpec("<b>pc-2</b>", ["windows-installed"]),
        HostSpec("pc-3", ["linux"], fmt="batch"),
        HostSpec("pc-4", ["windows-leftovers"]),
    ]
    log = write_log(tmp_path / "fleet.log.gz", hosts, compress=True)
    assert gzip.decompress(log.read_bytes())
    result = scan_fleet([log], jobs=1, now=NOW)
    rows = list(csv.DictReader(io.StringIO(render.to_csv(result))))
    assert [r["verdict"] for r in rows] == ["banned-installed", "banned-installed", "leftovers", "clean"]
    assert rows[-1]["host"] == "'=cmd|evil"  # never a formula in a spreadsheet
    data = render.to_json(result)
    assert data["summary"]["by_verdict"] == {"banned-installed": 2, "leftovers": 1, "unreadable": 0, "clean": 1}
    assert {"product": "Kaspersky Total Security", "version": "21.3.10.391", "hosts": 1} in data["summary"]["installed"]
    page = fleet_html.render(result, "Kaspersky")
    assert "<svg" in page and "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "&lt;b&gt;pc-2&lt;/b&gt;" in page and "<b>pc-2</b>" not in page
    assert page.index("pc-2") < page.index("pc-4")
