"""Reading inventories: Offramp's JSON, osquery's and Fleet's results logs, and bad input named precisely."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from offramp.core.scan.inventory import InventoryError, load
from tests.conftest import run_cli

KES = {"name": "Kaspersky Endpoint Security for Windows", "publisher": "AO Kaspersky Lab"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inventory.json"
    path.write_text(text)
    return path


@pytest.mark.parametrize("query_name", ["pack/offramp/programs", "pack/Global/programs", "pack_offramp_programs"])
def test_results_logs_from_osquery_and_fleet(tmp_path: Path, query_name: str) -> None:
    lines = [
        json.dumps({"name": query_name, "hostIdentifier": "pc-17", "snapshot": [KES]}),
        json.dumps({"name": "pack/other/uptime", "snapshot": [{"days": "3"}]}),
    ]
    inventory = load(write(tmp_path, "\n".join(lines) + "\n"))
    assert inventory == {"platform": "windows", "programs": [KES]}


def test_differential_results_are_added_up(tmp_path: Path) -> None:
    lines = [
        json.dumps({"name": "pack/offramp/deb_packages", "action": "added", "columns": {"name": n}})
        for n in ("kesl", "kesl-gui")
    ]
    assert load(write(tmp_path, "\n".join(lines))) == {
        "platform": "linux",
        "deb_packages": [{"name": "kesl"}, {"name": "kesl-gui"}],
    }


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "file is empty"),
        ("[1, 2]", "expected a JSON object"),
        ('{"platform": "beos"}', "'platform' must be one of"),
        ('{"platform": "linux", "programs": []}', "table 'programs' does not exist on linux"),
        ('{"platform": "linux", "bananas": []}', "unknown table 'bananas'"),
        ('{"platform": "linux", "deb_packages": {"name": "x"}}', "must be a list of rows"),
        ('{"platform": "linux", "deb_packages": [{"name": ["x"]}]}', "must be a plain value"),
        ('{"platform": "linux",\n "deb_packages": [}', ":2:"),
    ],
)
def test_bad_inventories_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InventoryError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load(write(tmp_path, text))


def test_scan_of_a_bad_inventory_exits_2_without_a_traceback(tmp_path: Path) -> None:
    result = run_cli("scan", "--inventory", str(write(tmp_path, '{"platform": "linux", "bananas": []}')))
    assert result.returncode == 2
    assert "unknown table 'bananas'" in result.stderr and "Traceback" not in result.stderr


def test_scan_of_an_inventory_reports_and_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps({"platform": "windows", "programs": [KES]}))
    result = run_cli("scan", "--inventory", str(path), "--json")
    assert result.returncode == 1
    assert [p["product_id"] for p in json.loads(result.stdout)["installed"]] == ["kaspersky-endpoint-security-windows"]
