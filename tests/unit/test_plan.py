"""The planner on its own: findings, a replacement and a policy in, ordered steps with stable ids out.

Findings come from the classifier run on inventories shaped like the collectors' (the shipped catalogue),
and replacements from the shipped playbooks, so the plans are the ones a real machine would get.
"""

from __future__ import annotations

import datetime as dt

import pytest

from offramp.core.data.catalogue import load_catalogue
from offramp.core.data.policy import Policy
from offramp.core.data.replacements import Replacement, find_replacement
from offramp.core.migrate.plan import Plan, PlanError, make_plan
from offramp.core.scan.classifier import classify
from offramp.core.scan.findings import Findings

CATALOGUE = load_catalogue(catalogue_id="kaspersky")
NOW = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
# The order of kinds in every plan; a plan may leave kinds out but never go back in this list.
ORDER = ["preflight", "rescue", "stage", "uninstall", "reboot", "cleanup", "install", "verify", "rescan", "report"]

LINUX_PACKAGES = [
    {"name": "klnagent64", "version": "15.1.0-20748"},
    {"name": "kesl-gui", "version": "12.1.0-1226"},
    {"name": "kesl", "version": "12.1.0-1226"},
]
WINDOWS_PROGRAMS = [
    {"name": "Kaspersky Security Center Network Agent", "publisher": "Kaspersky"},
    {"name": "Kaspersky Password Manager", "publisher": "Kaspersky"},
    {"name": "Kaspersky Total Security", "publisher": "Kaspersky"},
]


def linux(rows: list[dict[str, str]] = LINUX_PACKAGES) -> Findings:
    return classify(CATALOGUE, {"platform": "linux", "deb_packages": rows}, NOW)


def windows(rows: list[dict[str, str]] = WINDOWS_PROGRAMS) -> Findings:
    return classify(CATALOGUE, {"platform": "windows", "programs": rows}, NOW)


def plan(findings: Findings, replacement: Replacement | None, policy: Policy | None = None) -> Plan:
    return make_plan(findings, CATALOGUE, replacement, policy or Policy(), now=NOW)


def kinds(p: Plan) -> list[str]:
    return [s.kind for s in p.steps]


def ids(p: Plan) -> list[str]:
    return [s.id for s in p.steps]


def test_a_linux_migration_stages_removes_in_catalogue_order_then_installs_and_proves_it() -> None:
    p = plan(linux(), find_replacement("offramp-test-av"))
    assert ids(p) == [
        "preflight",
        "stage.offramp-test-av",
        "uninstall.kaspersky-endpoint-security-linux",
        "uninstall.kaspersky-network-agent",
        "cleanup",
        "install.offramp-test-av",
        "verify.offramp-test-av",
        "rescan",
        "report",
    ]
    assert p.platform == "linux" and p.replacement_id == "offramp-test-av" and p.warnings == []
    # The endpoint product's packages: the catalogue's order (GUI before its daemon), only those installed.
    assert p.step("uninstall.kaspersky-endpoint-security-linux").params["packages"] == ["kesl-gui", "kesl"]
    assert p.step("preflight").params["needs_download"] is True
    stage, install = p.step("stage.offramp-test-av"), p.step("install.offramp-test-av")
    assert stage.params["sha256"] == install.params["sha256"] and stage.params["url"] == install.params["url"]
    # Removals and the install change the machine half-way, so they are not stopped in the middle.
    assert not any(s.cancellable for s in p.steps if s.kind in ("uninstall", "cleanup", "install"))


def test_the_order_of_the_inventory_does_not_change_the_plan() -> None:
    replacement = find_replacement("clamav")
    assert ids(plan(linux(LINUX_PACKAGES[::-1]), replacement)) == ids(plan(linux(), replacement))
    assert ids(plan(windows(WINDOWS_PROGRAMS[::-1]), None)) == ids(plan(windows(), None))


def test_step_ids_are_unique_and_stable_across_runs_and_through_the_state_file() -> None:
    first = plan(windows(), find_replacement("microsoft-defender-antivirus"))
    later = make_plan(
        windows(), CATALOGUE, find_replacement("microsoft-defender-antivirus"), Policy(), now=NOW.replace(year=2027)
    )
    assert len(set(ids(first))) == len(first.steps)
    assert ids(later) == ids(first) and later.fingerprint == first.fingerprint
    assert later.created_at != first.created_at  # when it was made is not what it does
    back = Plan.from_dict(first.to_dict())
    assert back == first and back.fingerprint == first.fingerprint


def test_the_fingerprint_changes_when_what_the_plan_does_changes() -> None:
    assert plan(linux(), find_replacement("clamav")).fingerprint != plan(linux(), None).fingerprint
    assert plan(linux(), None).fingerprint != plan(linux(LINUX_PACKAGES[1:]), None).fingerprint


@pytest.mark.parametrize(
    "findings, replacement",
    [
        (linux(), "offramp-test-av"),
        (linux(), "clamav"),
        (windows(), "microsoft-defender-antivirus"),
        (windows(), "offramp-test-av"),
        (windows(), "eset-nod32-antivirus"),
        (windows(), "norton-360-deluxe"),
        (windows(), None),
    ],
    ids=lambda value: value if isinstance(value, str) or value is None else value.platform,
)
def test_kinds_never_go_back_and_the_replacement_is_staged_before_anything_is_removed(
    findings: Findings, replacement: str | None
) -> None:
    p = plan(findings, find_replacement(replacement) if replacement else None)
    order = kinds(p)
    assert order == sorted(order, key=ORDER.index)
    assert order[0] == "preflight" and order[-2:] == ["rescan", "report"]
    assert "uninstall" in order
    staged = [i for i, s in enumerate(p.steps) if s.kind == "stage"]
    first_removal = order.index("uninstall")
    assert all(i < first_removal for i in staged)


def test_a_replacement_with_no_stageable_method_is_installed_by_a_person_after_the_removal() -> None:
    p = plan(windows(), find_replacement("norton-360-deluxe"))
    assert "stage" not in kinds(p)
    install = p.step("install.norton-360-deluxe")
    assert install.needs_person and install.params["method"] == "vendor-page"
    assert p.step("preflight").params["needs_download"] is False


def test_remove_only_plans_no_stage_install_or_verify_and_says_so() -> None:
    p = plan(linux(), None)
    assert kinds(p) == ["preflight", "uninstall", "uninstall", "cleanup", "rescan", "report"]
    assert p.replacement_id is None
    assert p.warnings == ["No replacement was chosen: after removal this machine relies on what the system provides"]


def test_data_at_risk_is_rescued_once_each_before_any_removal() -> None:
    p = plan(windows(), None)
    rescues = [s.params["risk_id"] for s in p.steps if s.kind == "rescue"]
    assert rescues == ["quarantine-backup", "subscription-licence", "settings-export", "kpm-vault"]
    assert max(i for i, k in enumerate(kinds(p)) if k == "rescue") < kinds(p).index("uninstall")
    vault = p.step("rescue.kpm-vault")
    assert vault.title == CATALOGUE.risk("kpm-vault").title and vault.params["warning"]


def test_a_removal_that_needs_a_restart_gets_one_step_before_the_clean_up() -> None:
    p = plan(windows(), None)
    assert p.step("uninstall.kaspersky-consumer-windows").params["reboot"] == "required"
    assert p.step("reboot").params == {"when": "required"}
    assert kinds(p).index("reboot") == kinds(p).index("cleanup") - 1
    assert "reboot" not in kinds(plan(linux(), None))


def test_a_policy_can_ask_for_a_restart_after_the_removals_where_no_uninstaller_needs_one() -> None:
    asked = Policy(reboot_after_removal=True)
    p = plan(linux(), None, asked)
    assert p.step("reboot").params == {"when": "required"} and "policy" in p.step("reboot").detail
    assert kinds(p).index("reboot") == kinds(p).index("cleanup") - 1
    # Where a removal already needs one, it stays that removal's restart; with nothing removed there is none.
    assert "policy" not in plan(windows(), None, asked).step("reboot").detail
    assert "reboot" not in kinds(plan(linux([]), None, asked))


def test_the_policy_keeps_what_it_is_told_to_keep_and_says_so() -> None:
    keep = Policy(keep_products=("kaspersky-network-agent",))
    p = plan(linux(), None, keep)
    assert "uninstall.kaspersky-network-agent" not in ids(p)
    assert "uninstall.kaspersky-endpoint-security-linux" in ids(p)
    assert any(w.startswith("Kaspersky Security Center Network Agent is kept") for w in p.warnings)

    no_companions = Policy(remove_families=("consumer", "business", "server", "legacy", "tool"))
    p = plan(windows(), None, no_companions)
    assert "uninstall.kaspersky-password-manager" not in ids(p)
    assert "rescue.kpm-vault" not in ids(p)  # only what is removed puts data at risk
    assert any("does not remove companion products" in w for w in p.warnings)


def test_nothing_removed_and_nothing_left_behind_means_no_clean_up() -> None:
    p = plan(linux(), None, Policy(remove_families=()))
    assert kinds(p) == ["preflight", "rescan", "report"]
    assert len(p.warnings) == 3  # two products kept, no replacement


def test_a_replacement_for_another_platform_is_refused_in_words() -> None:
    with pytest.raises(PlanError, match="not available for linux.*--platform linux"):
        plan(linux(), find_replacement("microsoft-defender-antivirus"))


def test_a_product_without_a_removal_method_for_the_platform_is_left_to_a_person() -> None:
    findings = linux()
    product = findings.installed[0]
    entry = CATALOGUE.product(product.product_id)
    catalogue = CATALOGUE._replace(
        products=tuple(p._replace(removal={}) if p.id == entry.id else p for p in CATALOGUE.products)
    )
    p = make_plan(findings, catalogue, None, Policy(), now=NOW)
    step = p.step(f"uninstall.{product.product_id}")
    assert step.needs_person and step.params["method"] == "manual"
