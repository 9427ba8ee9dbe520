"""Uninstaller faults and passwords: each Windows Installer result mapped to what it means, a hung uninstaller
killed at its timeout, and uninstall passwords never written anywhere.

A real program stands in for msiexec (Windows Installer itself runs in the Wine tests): it records its
arguments, exits with the code under test, or hangs, so the real command runner, timeout and
redaction are what is tested.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from offramp.core import eventlog, exitcodes
from offramp.core.data.catalogue import load_catalogue
from offramp.core.data.policy import Policy
from offramp.core.migrate.context import Context, Options
from offramp.core.migrate.journal import Journal
from offramp.core.migrate.plan import make_plan
from offramp.core.migrate.runner import Runner
from offramp.core.migrate.statefile import MigrationState
from offramp.core.migrate.steps import act_uninstall
from offramp.core.platform import commands, msi
from offramp.core.platform.registry import MemoryRegistry
from offramp.core.platform.windows import WindowsBackend
from offramp.core.scan.classifier import classify

CATALOGUE = load_catalogue(catalogue_id="kaspersky")
UNINSTALL = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
KES_CODE = "{C9EF800D-54AA-4F60-AB96-5A3966550F53}"
AGENT_CODE = "{0F05E4E5-5A89-482C-9A62-47CC58643788}"
PASSWORD = "S3cret-Pa55word!"
AGENT_PASSWORD = "agent-Pa55"

FAKE_MSIEXEC = """\
import json, os, sys, time
with open(os.environ["FAKE_MSI_LOG"], "a") as log:
    log.write(json.dumps({"argv": sys.argv[1:], "pid": os.getpid()}) + "\\n")
time.sleep(float(os.environ.get("FAKE_MSI_SLEEP", "0")))
sys.exit(int(os.environ.get("FAKE_MSI_CODE", "0")))
"""


class FakeMsiexec:
    def __init__(self, folder: Path):
        self.script = folder / "msiexec.py"
        self.script.write_text(FAKE_MSIEXEC)
        self.log = folder / "msiexec.log"
        self.code = 0
        self.sleep = 0.0

    def run(self, argv: list[str], **kwargs: Any) -> commands.CommandResult:
        if argv[0] != "msiexec.exe":
            return commands.run(argv, **kwargs)
        argv = [sys.executable, str(self.script), *argv[1:]]
        kwargs["env"] = {
            **os.environ,
            "FAKE_MSI_LOG": str(self.log),
            "FAKE_MSI_CODE": str(self.code),
            "FAKE_MSI_SLEEP": str(self.sleep),
        }
        result = commands.run(argv, **kwargs)
        # Windows exit codes are 32-bit; a POSIX process can only return the low 8 bits (1605 -> 69).
        if result.returncode is not None and result.returncode == self.code % 256:
            result = result._replace(returncode=self.code)
        return result

    def calls(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text().splitlines()] if self.log.exists() else []


class ElevatedWindows(WindowsBackend):
    def is_elevated(self) -> bool:
        return True


def machine() -> MemoryRegistry:
    return MemoryRegistry(
        {
            f"{UNINSTALL}\\{KES_CODE}": {
                "DisplayName": ("REG_SZ", "Kaspersky Endpoint Security for Windows"),
                "Publisher": ("REG_SZ", "AO Kaspersky Lab"),
            },
            f"{UNINSTALL}\\{AGENT_CODE}": {
                "DisplayName": ("REG_SZ", "Kaspersky Security Center Network Agent"),
                "Publisher": ("REG_SZ", "Kaspersky Lab"),
            },
        }
    )


def make_context(
    tmp_path: Path, fake: FakeMsiexec, secrets: dict[str, str] | None = None, timeout: float = 60
) -> Context:
    from offramp.core.scan.collectors import windows
    from offramp.core.scan.collectors.scope import scope_from

    registry = machine()
    findings = classify(CATALOGUE, windows.collect(registry, scope_from(CATALOGUE)))
    policy = Policy(data_rescue="assume-done", password_source="env")
    plan = make_plan(findings, CATALOGUE, None, policy)
    state = MigrationState("TST-123", plan.to_dict(), {})
    clean = dt.datetime.now(dt.UTC)
    return Context(
        plan=plan,
        catalogue=CATALOGUE,
        replacement=None,
        policy=policy,
        backend=ElevatedWindows(registry, run=fake.run),
        journal=Journal(tmp_path / "journal.jsonl"),
        state=state,
        options=Options(silent=True, remove_only=True, report_file=str(tmp_path / "report.json"), step_timeout=timeout),
        downloads_dir=tmp_path / "downloads",
        secrets=secrets or {},
        rescan=lambda: classify(CATALOGUE, {"platform": "windows"}, clean),
    )


def kes_step(ctx: Context):
    return ctx.plan.step("uninstall.kaspersky-endpoint-security-windows")


@pytest.mark.parametrize(
    "code, status, exit_code, reboot",
    [
        (0, "done", exitcodes.SUCCESS, False),
        (1605, "done", exitcodes.SUCCESS, False),  # not installed: nothing to remove
        (3010, "done", exitcodes.SUCCESS, True),  # removed; a restart finishes it
        (1641, "done", exitcodes.SUCCESS, True),  # removed; the installer started a restart
        (1618, "failed", exitcodes.RETRY_LATER, False),
        (1602, "cancelled", exitcodes.CANCELLED, False),
        (1603, "failed", exitcodes.UNINSTALL_BLOCKED, False),  # password-protected product: the likely cause
        (1625, "failed", exitcodes.UNINSTALL_FAILED, False),
    ],
)
def test_windows_installer_results_mean_what_they_are_documented_to(
    tmp_path: Path, code: int, status: str, exit_code: int, reboot: bool
) -> None:
    fake = FakeMsiexec(tmp_path)
    fake.code = code
    ctx = make_context(tmp_path, fake)
    outcome = act_uninstall(ctx, kes_step(ctx))
    assert (outcome.status, outcome.exit_code) == (status, exit_code)
    assert ctx.state.reboot.pending is reboot
    assert fake.calls()[0]["argv"][:4] == ["/x", KES_CODE, "/qn", "/norestart"]


def test_password_blocked_removal_names_the_way_out(tmp_path: Path) -> None:
    fake = FakeMsiexec(tmp_path)
    fake.code = 1603
    ctx = make_context(tmp_path, fake, secrets={"kes_password": "wrong"})
    outcome = act_uninstall(ctx, kes_step(ctx))
    assert outcome.exit_code == exitcodes.UNINSTALL_BLOCKED
    assert "Safe Mode" in outcome.message and "kavremover" in outcome.message
    assert "Traceback" not in outcome.message


def test_a_hung_uninstaller_is_killed_at_its_timeout(tmp_path: Path) -> None:
    fake = FakeMsiexec(tmp_path)
    fake.sleep = 60
    ctx = make_context(tmp_path, fake, timeout=1)
    outcome = act_uninstall(ctx, kes_step(ctx))
    assert outcome.exit_code == exitcodes.UNINSTALL_FAILED
    assert "hung" in outcome.message
    pid = fake.calls()[0]["pid"]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_passwords_reach_the_uninstaller_and_nothing_else(tmp_path: Path) -> None:
    log_file = eventlog.setup(tmp_path / "offramp.jsonl", console=False)
    fake = FakeMsiexec(tmp_path)
    ctx = make_context(
        tmp_path,
        fake,
        secrets={"kes_login": "KLAdmin", "kes_password": PASSWORD, "network_agent_password": AGENT_PASSWORD},
    )
    result = Runner(ctx, tmp_path / "state.json").run()
    assert result.exit_code == exitcodes.SUCCESS, result.message
    argv = [call["argv"] for call in fake.calls()]
    assert [a for a in argv if KES_CODE in a][0][-2:] == ["KLLOGIN=KLAdmin", f"KLPASSWD={PASSWORD}"]
    assert [a for a in argv if AGENT_CODE in a][0][-1] == f"KLUNINSTPASSWD={msi.utf16le_hex(AGENT_PASSWORD)}"
    # KES before Network Agent, as the vendor documents.
    assert argv.index([a for a in argv if KES_CODE in a][0]) < argv.index([a for a in argv if AGENT_CODE in a][0])
    hex_password = msi.utf16le_hex(AGENT_PASSWORD)
    for written in (log_file, tmp_path / "journal.jsonl", tmp_path / "state.json", tmp_path / "report.json"):
        text = written.read_text()
        assert PASSWORD not in text and AGENT_PASSWORD not in text and hex_password not in text, written
    assert "KLPASSWD=********" in log_file.read_text()


def test_utf16le_hex_matches_the_documented_encoding() -> None:
    assert msi.utf16le_hex("Ab1") == "410062003100"


def interactive(ctx: Context, prompt) -> None:
    """An interactive run: passwords are asked through `prompt` once a removal is refused."""
    ctx.options = Options(remove_only=True, report_file=ctx.options.report_file, step_timeout=60)
    ctx.prompt_secret = prompt


def test_a_password_is_asked_only_after_the_removal_was_refused(tmp_path: Path) -> None:
    from offramp.core.migrate.steps import act_uninstall

    fake = FakeMsiexec(tmp_path)
    asked: list[str] = []
    ctx = make_context(tmp_path, fake)
    interactive(ctx, lambda label, secret: asked.append(label))
    assert act_uninstall(ctx, kes_step(ctx)).status == "done"
    assert asked == []  # removed without one: nobody is asked for a password that may not exist

    fake.code = 1603  # refused: the product is protected

    def prompt(label: str, secret: bool) -> str:
        asked.append(label)
        fake.code = 0
        return "s3cret" if secret else "KLAdmin"

    ctx = make_context(tmp_path, fake)
    interactive(ctx, prompt)
    assert act_uninstall(ctx, kes_step(ctx)).status == "done"
    assert len(asked) == 2  # the account and the password, then the removal tried again
    assert "KLPASSWD=s3cret" in " ".join(fake.calls()[-1]["argv"])


def test_there_is_no_password_ends_as_a_blocked_removal(tmp_path: Path) -> None:
    from offramp.core.migrate.steps import act_uninstall

    fake = FakeMsiexec(tmp_path)
    fake.code = 1603
    ctx = make_context(tmp_path, fake)
    interactive(ctx, lambda label, secret: None)
    outcome = act_uninstall(ctx, kes_step(ctx))
    assert outcome.status == "failed" and outcome.exit_code == exitcodes.UNINSTALL_BLOCKED
    assert len(fake.calls()) == 1  # not tried again without anything new
