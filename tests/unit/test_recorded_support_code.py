"""The support code the helpdesk's walkthrough names is the one the wizard's header will show, read without
keeping one: an unfinished migration's code, else the kept code until a migration with it finishes (also one
root's worker ran, whose record this process cannot read); starting over keeps it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from offramp.core.migrate import mirror, records, session, statefile
from offramp.core.migrate.plan import Plan

PLAN = Plan(platform="linux", replacement_id=None, steps=[]).to_dict()  # a plan the state's reader accepts


def test_nothing_recorded_means_no_code_and_reading_keeps_none(private_home: Path) -> None:
    assert records.recorded_support_code() is None
    assert not records.support_code_path().exists()  # the wizard's first start still makes the code


def test_the_kept_code_until_a_migration_with_it_finishes(private_home: Path) -> None:
    kept = records.kept_support_code()
    assert records.recorded_support_code() == kept
    finished = statefile.MigrationState(support_code=kept, plan=PLAN, options={}, finished=True, exit_code=0)
    statefile.write(records.state_path(), finished)
    assert records.recorded_support_code() is None  # used up: the next start makes a new one


def test_an_unfinished_migrations_code_wins(private_home: Path) -> None:
    records.kept_support_code()
    running = statefile.MigrationState(support_code="RUN-4KQ", plan=PLAN, options={})
    statefile.write(records.state_path(), running)
    assert records.recorded_support_code() == "RUN-4KQ"


def test_a_damaged_code_file_is_no_code(private_home: Path) -> None:
    records.support_code_path().parent.mkdir(parents=True, exist_ok=True)
    records.support_code_path().write_text("not a code\n", encoding="ascii")
    assert records.recorded_support_code() is None


def test_a_run_set_aside_to_start_over_keeps_the_code(private_home: Path) -> None:
    kept = records.kept_support_code()
    stopped = statefile.MigrationState(support_code=kept, plan=PLAN, options={})
    statefile.write(records.state_path(), stopped)
    session.abandon()  # Start over: the case is still open
    assert records.in_progress() is None
    assert records.kept_support_code() == kept and records.recorded_support_code() == kept


def test_a_run_roots_worker_finished_uses_the_code_up(private_home: Path) -> None:
    # Without rights the worker keeps the record where this process cannot read it; the window hears of it.
    kept = records.kept_support_code()
    state = statefile.MigrationState(support_code=kept, plan=PLAN, options={})
    mirror.keep(state)  # stopped, not finished: the case is open
    assert records.kept_support_code() == kept
    other = statefile.MigrationState(support_code="ACD-EFG", plan=PLAN, options={}, finished=True)
    mirror.keep(other)  # another code's run says nothing about this one
    assert records.kept_support_code() == kept
    mirror.keep(dataclasses.replace(state, finished=True, exit_code=0))
    assert not records.state_path().exists()  # no record here says so: the worker's word does
    assert records.recorded_support_code() is None
    fresh = records.kept_support_code()
    assert fresh != kept and records.kept_support_code() == fresh
