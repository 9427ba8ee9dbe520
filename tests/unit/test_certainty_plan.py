"""Only certain findings are removed without a person confirming them; a policy may widen that.

A probable install (an uninstall entry without a publisher) and a probable leftover (a driver file
known only by its name) are planned for removal only when confirmed, or when the policy says
`remove: {probable: true}`. The plan, the JSON report and the HTML report list both kinds.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from offramp.core.data.catalogue import load_catalogue
from offramp.core.data.policy import Policy, load_policy
from offramp.core.migrate.plan import make_plan
from offramp.core.migrate.report import Report
from offramp.core.output.report_html import render_report
from offramp.core.scan.classifier import classify

CATALOGUE = load_catalogue(catalogue_id="kaspersky")
NOW = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
INVENTORY = {
    "platform": "windows",
    "programs": [
        {"name": "Kaspersky Total Security", "version": "21.3"},  # no publisher: probable
        {"name": "Kaspersky Endpoint Security for Windows", "publisher": "АО Лаборатория Касперского"},
    ],
}
LEFTOVER = {"platform": "windows", "file": [{"filename": "klif.sys"}]}


def steps(plan) -> list[str]:
    return [s.id for s in plan.steps]


def test_a_probable_install_waits_for_a_person() -> None:
    findings = classify(CATALOGUE, INVENTORY, NOW)
    plan = make_plan(findings, CATALOGUE, None, Policy())
    assert "uninstall.kaspersky-endpoint-security-windows" in steps(plan)
    assert "uninstall.kaspersky-consumer-windows" not in steps(plan)
    assert any("probably installed" in w and "confirms" in w for w in plan.warnings)
    found = {f["id"]: f for f in plan.found}
    assert found["kaspersky-consumer-windows"]["certainty"] == "probable"
    assert found["kaspersky-consumer-windows"]["removed"] is False
    assert found["kaspersky-endpoint-security-windows"]["removed"] is True

    confirmed = make_plan(findings, CATALOGUE, None, Policy(), confirmed=frozenset({"kaspersky-consumer-windows"}))
    assert "uninstall.kaspersky-consumer-windows" in steps(confirmed)


def test_a_policy_can_let_probable_findings_go(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("kind: policy\nschema_version: 1\nremove:\n  probable: true\n", encoding="utf-8")
    policy = load_policy(path)
    assert policy.remove_probable is True
    plan = make_plan(classify(CATALOGUE, INVENTORY, NOW), CATALOGUE, None, policy)
    assert "uninstall.kaspersky-consumer-windows" in steps(plan)


def test_a_probable_leftover_is_kept_out_of_the_cleanup_unless_confirmed() -> None:
    findings = classify(CATALOGUE, LEFTOVER, NOW)
    [leftover] = findings.leftovers
    assert leftover.certainty == "probable"
    plan = make_plan(findings, CATALOGUE, None, Policy())
    assert plan.step("cleanup").params["leftovers"] == []
    agreed = make_plan(findings, CATALOGUE, None, Policy(), confirmed=frozenset({"file klif.sys"}))
    assert agreed.step("cleanup").params["leftovers"] == ["file klif.sys"]


def test_the_report_shows_certain_and_probable_findings() -> None:
    plan = make_plan(classify(CATALOGUE, INVENTORY, NOW), CATALOGUE, None, Policy())
    html = render_report(Report(support_code="K7F-M4Q", platform="windows", found=plan.found))
    assert "What the scan found" in html
    assert "probable" in html and "certain" in html
    assert "kept until a person confirms it" in html and "planned for removal" in html
