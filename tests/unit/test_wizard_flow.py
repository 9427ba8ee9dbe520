"""The wizard's decisions without Qt: page order, when a page lets the person go on, the default choice."""

from __future__ import annotations

import datetime as dt

import pytest

from offramp.core.data.catalogue import load_catalogue
from offramp.core.migrate.plan import Plan, Step
from offramp.core.migrate.statefile import MigrationState, StepRecord
from offramp.core.scan.classifier import classify
from offramp.core.scan.inventory import Source
from offramp.core.scan.run import ScanResult
from offramp.core.wizard_flow import NUMBERED, WizardModel

CATALOGUE = load_catalogue(catalogue_id="kaspersky")


def scanned(platform: str, **tables) -> ScanResult:
    inventory = {"platform": platform, **tables}
    findings = classify(CATALOGUE, inventory, dt.datetime(2026, 11, 29, tzinfo=dt.UTC))
    return ScanResult(findings, inventory, Source("file", "test"), CATALOGUE)


def test_pages_follow_in_order_and_a_clean_machine_skips_to_done() -> None:
    model = WizardModel(support_code="AAA-AAA", platform="windows")
    assert model.start_page() == "welcome"
    assert [model.next_page(p) for p in NUMBERED[:-1]] == list(NUMBERED[1:])
    model.scan = scanned("windows")
    assert model.next_page("found") == "done"


def test_an_unfinished_migration_reopens_on_the_migrating_page() -> None:
    saved = Plan(platform="linux", replacement_id=None, steps=[]).to_dict()
    model = WizardModel(support_code="AAA-AAA", resume_state=MigrationState("AAA-AAA", saved, {}))
    assert model.start_page() == "migrate"


def test_defender_is_the_default_on_windows_and_every_choice_fits_the_platform() -> None:
    model = WizardModel(support_code="AAA-AAA", platform="windows")
    model.scan = scanned("windows", programs=[{"name": "Kaspersky", "publisher": "Kaspersky"}])
    default = model.default_choice()
    assert default is not None and default.id == "microsoft-defender-antivirus"
    assert all("windows" in r.platforms for r in model.replacements())
    linux = WizardModel(support_code="AAA-AAA", platform="linux")
    assert {r.id for r in linux.replacements()} >= {"clamav"}
    assert all("linux" in r.platforms for r in linux.replacements())


def test_every_data_item_must_be_acknowledged_before_removal() -> None:
    model = WizardModel(support_code="AAA-AAA", platform="windows")
    model.scan = scanned(
        "windows",
        programs=[
            {"name": "Kaspersky Total Security", "publisher": "Kaspersky"},
            {"name": "Kaspersky Password Manager", "publisher": "Kaspersky"},
        ],
    )
    risks = [r.id for r in model.risks()]
    assert "kpm-vault" in risks
    assert not model.can_leave("rescue")
    model.acknowledged.update(risks[:-1])
    assert not model.can_leave("rescue")
    model.acknowledged.add(risks[-1])
    assert model.can_leave("rescue")


def test_a_password_manager_user_can_filter_for_one() -> None:
    model = WizardModel(support_code="AAA-AAA", platform="windows")
    model.scan = scanned("windows", programs=[{"name": "Kaspersky Password Manager", "publisher": "Kaspersky"}])
    assert "password_manager" in model.features_had()
    model.scan = scanned("windows", programs=[{"name": "Kaspersky Anti-Virus", "publisher": "Kaspersky"}])
    assert "password_manager" not in model.features_had()


def test_choice_and_finish_gate_their_pages() -> None:
    model = WizardModel(support_code="AAA-AAA", platform="linux")
    assert not model.can_leave("found") and not model.can_leave("choose") and not model.can_leave("migrate")
    model.choice = model.replacements()[0]
    assert model.can_leave("choose")
    assert model.options().replacement_ref == str(model.choice.path)


def test_the_recommended_choice_comes_first() -> None:
    model = WizardModel(support_code="AAA-AAA", platform="windows")
    options = model.replacements()
    assert options[0].id == "microsoft-defender-antivirus"
    silent = [r.silent_on("windows") for r in options]
    assert silent == sorted(silent, reverse=True) or silent[0]  # guided installs come after silent ones


def test_the_first_page_headline_comes_from_the_catalogue() -> None:
    model = WizardModel(support_code="AAA-AAA")
    vendor, cutoff = model.headline()
    assert (vendor, cutoff) == (CATALOGUE.vendor.name, CATALOGUE.milestone("updates_cutoff").date)
    assert cutoff.isoformat() == "2024-09-29"


KTS = {"name": "Kaspersky Total Security", "version": "21.2.16.590", "publisher": "Kaspersky Lab"}


def test_consent_is_for_one_plan_and_a_new_choice_needs_it_again() -> None:
    model = WizardModel(support_code="AAA-AAA", platform="windows")
    model.scan = scanned("windows", programs=[KTS])
    chosen = model.default_choice()
    assert chosen is not None
    model.choose(chosen)
    assert model.next_page("rescue") == "confirm" and model.next_page("confirm") == "migrate"
    assert not model.may_start()  # reaching the page is not agreeing
    model.consent()
    assert model.may_start()
    vendor = CATALOGUE.vendor.name
    # Microsoft Defender is part of Windows: it is switched on, and the button says so.
    assert model.ready().builtin
    assert model.action() == f"Remove {vendor} and switch on {chosen.name}"
    first = model.plan()
    other = next(r for r in model.replacements() if r.id != chosen.id)
    model.choose(other)
    assert not model.may_start() and model.plan().replacement_id == other.id != first.replacement_id
    model.choose(None)  # remove only
    assert model.can_leave("choose") and model.options().remove_only
    assert model.action() == f"Remove {vendor}"
    assert not any(s.kind == "install" for s in model.plan().steps)
    ready = model.ready()
    assert ready.installed is None and ready.removed and ready.irreversible


def test_a_replacement_from_repositories_is_unavailable_on_a_mounted_root() -> None:
    here = WizardModel(support_code="AAA-AAA", platform="linux")
    mounted = WizardModel(support_code="AAA-AAA", platform="linux", root="/mnt/other")
    clamav = next(r for r in here.replacements() if r.id == "clamav")
    assert here.unavailable(clamav) is None
    assert "package repositories" in (mounted.unavailable(clamav) or "")
    default = mounted.default_choice()
    assert default is None or mounted.unavailable(default) is None


def test_a_relaunch_after_a_failed_step_starts_on_recover_and_an_interrupted_one_carries_on() -> None:
    steps = [Step("preflight", "preflight", "Check this machine is ready"), Step("stage.x", "stage", "T")]
    plan = Plan(platform="linux", replacement_id=None, steps=steps).to_dict()
    failed = MigrationState(
        "AAA-AAA",
        plan,
        {},
        steps={"preflight": StepRecord("done"), "stage.x": StepRecord("failed", message="m")},
    )
    model = WizardModel(support_code="AAA-AAA", resume_state=failed)
    assert model.start_page() == "recover"
    assert model.stopped_step() == (2, "T", "m")
    assert model.next_page("recover") == "migrate"
    model.continue_run = False
    assert model.next_page("recover") == "found"
    killed = MigrationState("AAA-AAA", plan, {}, steps={"preflight": StepRecord("running")})
    assert WizardModel(support_code="AAA-AAA", resume_state=killed).start_page() == "migrate"


def _linux_with_kesl() -> WizardModel:
    model = WizardModel(support_code="AAA-AAA", platform="linux")
    model.scan = scanned("linux", deb_packages=[{"name": "kesl", "version": "12.1.0"}])
    model.choice = next(r for r in model.replacements() if r.id == "clamav")
    return model


def test_the_wizard_plans_what_the_command_line_plans_from_the_same_findings() -> None:
    from offramp.core.migrate import session
    from offramp.core.migrate.context import Options

    model = _linux_with_kesl()
    assert model.scan is not None
    shown = model.plan()
    assert [s.kind for s in shown.steps][:1] == ["preflight"]
    assert any(s.kind == "uninstall" for s in shown.steps)
    cli_options = Options(replacement_ref="clamav")
    cli_plan, replacement = session.plan_from_scan(model.scan, cli_options, session.policy_for(cli_options))
    assert replacement is not None and replacement.id == "clamav"
    assert shown.to_dict() == cli_plan.to_dict()


def test_the_session_runs_the_plan_the_wizard_showed(private_home) -> None:
    import dataclasses

    from offramp.core.migrate import session

    model = _linux_with_kesl()
    options = dataclasses.replace(model.options(), dry_run=True)
    runner, scan = session.start(options, scan=model.scan, support_code=model.support_code)
    assert scan is model.scan
    assert runner is not None
    assert runner.ctx.plan.to_dict() == model.plan().to_dict()
    assert runner.ctx.state.support_code == "AAA-AAA"


def test_a_clean_scan_gives_the_session_nothing_to_run(private_home) -> None:
    from offramp.core.migrate import session

    model = WizardModel(support_code="AAA-AAA", platform="linux")
    model.scan = scanned("linux")
    runner, scan = session.start(model.options(), scan=model.scan)
    assert runner is None and scan is model.scan


def test_a_reopened_migration_shows_its_saved_plan_and_statuses() -> None:
    saved = _linux_with_kesl().plan()
    first = saved.steps[0].id
    model = WizardModel(
        support_code="AAA-AAA",
        resume_state=MigrationState("AAA-AAA", saved.to_dict(), {}, steps={first: StepRecord("done")}),
    )
    assert model.plan().to_dict() == saved.to_dict()
    assert model.resumed_statuses() == {first: "done"}
    assert WizardModel(support_code="AAA-AAA").resumed_statuses() == {}


def test_planning_before_a_scan_is_refused() -> None:
    with pytest.raises(ValueError, match="scan"):
        WizardModel(support_code="AAA-AAA", platform="linux").plan()


def test_a_tick_changed_after_the_plan_was_shown_makes_a_new_plan_and_needs_consent_again() -> None:
    model = WizardModel(support_code="AAA-AAA", platform="windows")
    model.scan = scanned("windows", programs=[{"name": "Kaspersky Total Security", "version": "21.3"}])  # probable
    model.choose(None)
    before = [s.id for s in model.plan().steps]
    assert "uninstall.kaspersky-consumer-windows" not in before
    model.consent()
    model.confirmed.add("kaspersky-consumer-windows")  # back on Found, the person ticks it
    assert "uninstall.kaspersky-consumer-windows" in [s.id for s in model.plan().steps]
    assert not model.may_start()  # agreed to the plan without it: "Ready to remove" asks again
    model.consent()
    assert model.may_start()
    model.confirmed.clear()
    assert [s.id for s in model.plan().steps] == before and not model.may_start()


def test_the_helpdesk_places_are_the_pages_and_the_plans_steps_in_order() -> None:
    model = WizardModel(support_code="AAA-AAA", platform="windows")
    model.scan = scanned("windows", programs=[{"name": "Kaspersky Total Security", "publisher": "Kaspersky"}])
    model.choose(None)
    places = model.helpdesk_places()
    steps = model.plan().steps
    assert [p.page for p in places] == [*NUMBERED[:6], *["migrate"] * len(steps), "done"]
    assert [(p.number, p.pages) for p in places if p.page != "migrate"] == [(n, 8) for n in (1, 2, 3, 4, 5, 6, 8)]
    migrating = [p for p in places if p.page == "migrate"]
    assert [(p.step_id, p.step, p.steps) for p in migrating] == [(s.id, n, len(steps)) for n, s in enumerate(steps, 1)]
    assert {p.number for p in migrating} == {7}
    model.scan = scanned("windows")
    assert [p.page for p in model.helpdesk_places()] == ["welcome", "found", "done"]
