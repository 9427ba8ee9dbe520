"""`offramp fleet report`: collected migration reports summed up, failures with the step that stopped them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from offramp.core import exitcodes
from tests.conftest import run_cli


def report(host: str | None, code: int | None, *, failed_step: str | None = None, dry_run: bool = False) -> dict:
    """A report as app/core/migrate/report.py writes it (only the fields a summary reads are varied)."""
    steps: list[dict[str, Any]] = [
        {"number": 1, "id": "preflight", "kind": "preflight", "title": "Check this machine is ready", "status": "done"},
        {
            "number": 2,
            "id": "uninstall.kesl",
            "kind": "uninstall",
            "title": "Remove Kaspersky Endpoint Security for Linux",
            "status": "failed" if failed_step else "done",
            "message": failed_step,
        },
    ]
    data = {
        "offramp_version": "0.1",
        "support_code": "K7M-4QX",
        "platform": "linux",
        "dry_run": dry_run,
        "finished": code is not None,
        "exit_code": code,
        "outcome": exitcodes.DESCRIPTIONS.get(code, "in progress") if code is not None else "in progress",
        "removed": [],
        "installed": [],
        "to_do_by_hand": [],
        "steps": steps,
    }
    if host:
        data["host"] = host
    return data


def test_reports_collected_by_ansible_are_summed_up_worst_first(tmp_path: Path) -> None:
    cases = {
        "pc-1": report("pc-1", 0),
        "pc-2": report("pc-2", 3010),
        "pc-3": report("pc-3", 24, failed_step="the uninstaller asks for a password"),
        "pc-4": report(None, 1618),  # an older report: named after the folder Ansible fetched it into
        "pc-5": report("pc-5", None),
    }
    for name, data in cases.items():
        target = tmp_path / "reports" / name / "var/lib/offramp/report.json"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(data))
    (tmp_path / "reports" / "pc-6").mkdir()
    (tmp_path / "reports" / "pc-6" / "report.json").write_text("{torn")

    done = run_cli("fleet", "report", "--json", str(tmp_path / "reports"))
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["summary"]["by_state"] == {
        "failed": 1,
        "unreadable": 1,
        "in progress": 1,
        "needs restart": 1,
        "retry later": 1,
        "finished": 1,
        "dry run": 0,
    }
    states = [(m["host"], m["state"]) for m in data["machines"]]
    assert states[:2] == [("pc-3", "failed"), ("pc-6", "unreadable")]
    failed = data["machines"][0]
    assert failed["exit_code"] == 24
    assert "step 2 'Remove Kaspersky Endpoint Security for Linux'" in failed["reason"]
    assert "asks for a password" in failed["reason"]
    assert ("pc-4", "retry later") in states

    text = run_cli("fleet", "report", str(tmp_path / "reports")).stdout
    assert "pc-3: failed (exit 24)" in text and "pc-1" not in text.split("Machines to look at:")[1]


def test_all_finished_exits_zero_and_nothing_found_exits_two(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(report("a", 0)))
    assert run_cli("fleet", "report", str(tmp_path / "a.json")).returncode == 0
    (tmp_path / "empty").mkdir()
    assert run_cli("fleet", "report", str(tmp_path / "empty")).returncode == 2


def test_text_a_machines_user_slipped_into_its_report_cannot_rewrite_the_admins_terminal_or_sheet(
    tmp_path: Path,
) -> None:
    # A migration's failure message can carry text of the machine's user (a file name in their offline bundle);
    # root writes it into the report, and the admin reads the collected reports in a terminal or a spreadsheet.
    hostile = "installers/x\x1b]0;owned\x07\x1b[2J\r\u202eexe.txt is missing or not a plain file"
    data = report("pc-7", 24, failed_step=f"The bundle is incomplete: {hostile}")
    data["support_code"] = '\t=HYPERLINK("https://example.invalid")'
    (tmp_path / "pc-7.json").write_text(json.dumps(data))
    text = run_cli("fleet", "report", str(tmp_path / "pc-7.json")).stdout
    assert "The bundle is incomplete: installers/x" in text
    assert not {"\x1b", "\x07", "\r", "\u202e"} & set(text), text
    sheet = run_cli("fleet", "report", "--csv", str(tmp_path / "pc-7.json")).stdout
    assert not {"\x1b", "\x07", "\r", "\t", "\u202e"} & set(sheet), sheet
    assert ",=" not in sheet and ',"=' not in sheet
