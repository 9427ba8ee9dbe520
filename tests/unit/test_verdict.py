"""What a report may claim: green only for proven protection, amber with what to check, a stop in words."""

from __future__ import annotations

from typing import Any

from offramp.core.migrate.report import Report, from_json
from offramp.core.output.report_html import outcome_line
from offramp.core.output.verdict import machine_state, verdict


def report(**kw: Any) -> Report:
    """A report as its JSON would read, through the one reader."""
    base = {"exit_code": 0, "replacement": "ClamAV", "support_code": "AAA-AAA", "steps": []}
    return from_json(base | kw)


def test_only_proven_protection_is_green() -> None:
    assert verdict(report(protection="protected")).tone == "ok"
    unconfirmed = verdict(report(protection="unconfirmed"))
    assert unconfirmed.tone == "warn" and "could not confirm" in unconfirmed.headline
    assert unconfirmed.detail and "Open ClamAV" in unconfirmed.detail
    assert verdict(report(protection="none", replacement=None)).tone == "warn"
    assert verdict(report(protection="not-proven")).tone == "warn"
    # Reports written before the field existed are read from their verification.
    assert verdict(report(verification={"protecting": None, "checks": []})).tone == "warn"
    assert verdict(report(verification={"protecting": True})).tone == "ok"
    assert outcome_line(report(protection="unconfirmed"))[0] == "outcome-warn"


def test_a_stop_says_what_is_still_installed() -> None:
    stopped = report(
        exit_code=23,
        removed=[],
        steps=[
            {"kind": "stage", "title": "Download and check ClamAV first", "status": "failed"},
            {"kind": "uninstall", "title": "Remove Kaspersky Total Security", "status": "pending"},
        ],
    )
    found = verdict(stopped)
    assert found.tone == "bad"
    assert "Still installed: Kaspersky Total Security" in (found.detail or "")
    assert "ClamAV is not set up yet" in (found.detail or "")


def test_a_clean_machine_has_a_report_of_its_own() -> None:
    found = verdict(Report(support_code="AAA-AAA", nothing_found=True, vendor="Kaspersky", exit_code=0))
    assert found.tone == "ok" and found.headline == "Nothing from Kaspersky was found on this computer"


def test_what_to_check_is_the_playbooks_own_words_when_the_verify_step_kept_them() -> None:
    """Defender has no app of its own name: its playbook says to open Windows Security, and the verify step keeps
    that in the report for the Done page and the HTML report."""
    from offramp.core.data.replacements import load_replacements

    defender = next(r for r in load_replacements() if r.id == "microsoft-defender-antivirus")
    hint = defender.verify["windows"]["how_to_check"]
    assert "Windows Security" in hint
    said = verdict(
        report(
            replacement=defender.name,
            protection="unconfirmed",
            verification={"protecting": None, "checks": [], "how_to_check": hint},
        )
    )
    assert said.tone == "warn" and said.detail == hint
    assert f"Open {defender.name}" not in (said.detail or "")


def test_a_stopped_run_is_told_from_what_it_removed_and_what_it_set_up() -> None:
    """The wizard's pages describe a stopped run from the steps they watched, as a typed report."""
    typed = Report(support_code="", removed=["Kaspersky Total Security"], replacement="ClamAV")
    assert machine_state(typed) == "Removed: Kaspersky Total Security. ClamAV is not set up yet."
