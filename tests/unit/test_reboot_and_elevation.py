"""Silent mode's restart and rights outcomes: 3010 with the resume registered, 1641 when the policy allows
a restart, the resume after the restart, and 20 when Offramp lacks administrator rights."""

from __future__ import annotations

from pathlib import Path

from offramp.core import exitcodes
from offramp.core.data.policy import Policy
from offramp.core.migrate.runner import Runner
from tests.unit.test_uninstall_faults import FakeMsiexec, make_context


class Tools(FakeMsiexec):
    """msiexec plus the reg.exe and shutdown.exe calls a restart makes, recorded instead of run."""

    def __init__(self, folder: Path):
        super().__init__(folder)
        self.other: list[list[str]] = []

    def run(self, argv, **kwargs):
        from offramp.core.platform.commands import CommandResult

        if argv[0] in ("reg.exe", "shutdown.exe"):
            self.other.append(list(argv))
            return CommandResult(tuple(argv), 0, "", "", 0.0)
        return super().run(argv, **kwargs)


def test_restart_required_registers_the_resume_and_exits_3010_then_finishes(tmp_path: Path) -> None:
    tools = Tools(tmp_path)
    tools.code = 3010
    ctx = make_context(tmp_path, tools)
    ctx.backend.boot_id = lambda: "boot-1"  # type: ignore[method-assign]
    first = Runner(ctx, tmp_path / "state.json").run()
    assert first.exit_code == exitcodes.REBOOT_REQUIRED
    assert ctx.state.status("reboot") == "waiting"
    runonce = [a for a in tools.other if a[:2] == ["reg.exe", "add"]]
    assert runonce and "RunOnce" in runonce[0][2] and runonce[0][-2].endswith("resume --silent")

    # Windows restarts: a new boot id, and the registered resume runs Offramp again.
    tools.code = 0
    ctx.backend.boot_id = lambda: "boot-2"  # type: ignore[method-assign]
    second = Runner(ctx, tmp_path / "state.json").run()
    assert second.exit_code == exitcodes.SUCCESS, second.message
    assert ctx.state.status("reboot") == "done"
    assert [a for a in tools.other if a[:2] == ["reg.exe", "delete"]], "the resume entry must be removed when done"
    assert len([c for c in tools.calls()]) == 2  # each product removed once: no step ran twice


def test_policy_allowing_restarts_exits_1641(tmp_path: Path) -> None:
    tools = Tools(tmp_path)
    tools.code = 3010
    ctx = make_context(tmp_path, tools)
    ctx.policy = Policy(data_rescue="assume-done", password_source="env", reboot_allowed=True)
    result = Runner(ctx, tmp_path / "state.json").run()
    assert result.exit_code == exitcodes.REBOOT_STARTED
    assert any(a[0] == "shutdown.exe" and "/r" in a for a in tools.other)


def test_without_administrator_rights_nothing_is_touched(tmp_path: Path) -> None:
    tools = Tools(tmp_path)
    ctx = make_context(tmp_path, tools)
    ctx.backend.is_elevated = lambda: False  # type: ignore[method-assign]
    result = Runner(ctx, tmp_path / "state.json").run()
    assert result.exit_code == exitcodes.NOT_ELEVATED
    assert tools.calls() == []
    assert "administrator" in result.message


def test_a_restart_no_removal_asked_for_is_skipped_not_ticked(tmp_path: Path) -> None:
    tools = Tools(tmp_path)
    tools.code = 0  # the uninstallers finished without asking for a restart
    ctx = make_context(tmp_path, tools)
    ctx.plan.step("reboot").params["when"] = "maybe"
    result = Runner(ctx, tmp_path / "state.json").run()
    assert result.exit_code == exitcodes.SUCCESS, result.message
    entry = ctx.state.steps["reboot"]
    assert entry.status == "skipped" and (entry.message or "").startswith("not needed")
    assert not [a for a in tools.other if a[0] == "shutdown.exe"]


def test_a_built_in_replacement_is_not_ticked_as_checked_before_the_removal(tmp_path: Path) -> None:
    from offramp.core.migrate.plan import Step
    from offramp.core.migrate.steps import ALREADY

    ctx = make_context(tmp_path, Tools(tmp_path))
    builtin = Step("stage.defender", "stage", "Check Defender is on this computer", params={"method": "builtin"})
    assert ALREADY["stage"](ctx, builtin).status == "skipped"
    downloaded = Step("stage.x", "stage", "Download and check X first", params={"method": "download"})
    assert ALREADY["stage"](ctx, downloaded).status == "done"
