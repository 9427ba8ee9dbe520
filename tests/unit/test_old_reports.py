"""Reports written by Offramp 0.1.0, before the report was a typed record, still render, sum up and say plainly
what they lack; a report of the wrong shape is refused in one sentence, exit 2.

tests/fixtures/reports/v0.1.0 holds two reports that version wrote: a finished silent migration on Linux
(its end-to-end test against a dpkg test bed) and a Windows removal blocked by a password (its uninstaller
fault test). Only the test bed's folder names were replaced by ordinary ones. They have no `protection`,
`journal`, `texts`, `found` or `host`, and name what was removed by the step titles ("Remove X").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from offramp.core import exitcodes
from offramp.core.migrate.report import from_json, load, to_json
from offramp.core.output.report_html import render_report
from offramp.core.output.verdict import verdict
from tests.conftest import run_cli

OLD = Path(__file__).resolve().parents[1] / "fixtures" / "reports" / "v0.1.0"
FINISHED = OLD / "finished.json"
BLOCKED = OLD / "blocked.json"


def test_the_old_reports_lack_the_fields_added_since() -> None:
    for path in (FINISHED, BLOCKED):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["offramp_version"] == "0.1.0"
        assert not {"protection", "journal", "texts", "found", "host", "installed_unverified"} & set(data)


def test_a_finished_old_report_claims_no_more_than_its_verification_proved() -> None:
    report = load(FINISHED)
    assert report.protection is None and report.journal is None
    said = verdict(report)  # protection read from the verification, which could not tell: amber, not green
    assert said.tone == "warn"
    assert said.headline == (
        "Offramp Test Antivirus is installed, but Offramp could not confirm that it is protecting this computer"
    )
    page = render_report(report)
    assert "<li>Kaspersky Endpoint Security for Linux</li>" in page  # the old titles' verb is not repeated
    assert "<li>Offramp Test Antivirus</li>" in page
    assert "Final scan" in page and "clean" in page


def test_a_blocked_old_report_says_where_it_stopped() -> None:
    result = run_cli("report", "--input", str(BLOCKED))
    assert result.returncode == 0, result.stderr
    assert "Stopped at step 4 of 9: Remove Kaspersky Endpoint Security for Windows, exit 24" in result.stdout
    assert "Final scan" not in result.stdout  # its rescan is {}: the rescan never ran


def test_the_json_of_an_old_report_is_passed_on_as_it_was_written() -> None:
    result = run_cli("report", "--input", str(FINISHED), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(FINISHED.read_text(encoding="utf-8"))


def test_an_old_report_read_and_written_again_reads_the_same() -> None:
    for path in (FINISHED, BLOCKED):
        report = load(path)
        assert from_json(json.loads(json.dumps(to_json(report)))) == report


def test_fleet_report_sums_up_old_reports(tmp_path: Path) -> None:
    result = run_cli("fleet", "report", "--json", str(FINISHED), str(BLOCKED))
    assert result.returncode == exitcodes.NOT_ALL_FINISHED, result.stderr
    machines = {m["support_code"]: m for m in json.loads(result.stdout)["machines"]}
    assert machines["R7G-NYE"]["state"] == "finished"
    assert machines["TST-123"]["state"] == "failed"
    assert "step 4 'Remove Kaspersky Endpoint Security for Windows'" in machines["TST-123"]["reason"]


def test_journal_verify_says_an_old_report_names_no_journal_head(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    journal.write_text("")
    result = run_cli("journal", "verify", "--journal", str(journal), "--report", str(FINISHED))
    assert result.returncode == exitcodes.USAGE
    assert result.stderr == f"offramp: {FINISHED} names no journal head (written by an older Offramp?)\n"


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"steps": {"preflight": "done"}}, "it has no list of steps"),
        ({"support_code": None}, "it has no support code"),
        ({"journal": "abc"}, "'journal' is not a journal head"),
    ],
)
def test_a_report_of_the_wrong_shape_is_refused_in_one_sentence(
    tmp_path: Path, change: dict[str, object], problem: str
) -> None:
    damaged = tmp_path / "report.json"
    damaged.write_text(json.dumps({**json.loads(FINISHED.read_text(encoding="utf-8")), **change}))
    shown = run_cli("report", "--input", str(damaged))
    assert (shown.returncode, shown.stdout) == (exitcodes.USAGE, "")
    assert shown.stderr == f"offramp: {damaged} is not an Offramp migration report: {problem}\n"
    journal = tmp_path / "journal.jsonl"
    journal.write_text("")
    verified = run_cli("journal", "verify", "--journal", str(journal), "--report", str(damaged))
    assert verified.returncode == exitcodes.USAGE
    assert verified.stderr == (
        f"offramp: cannot read the report {damaged}: not an Offramp migration report: {problem}\n"
    )
