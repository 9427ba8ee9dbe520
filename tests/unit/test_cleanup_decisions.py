"""Who decides that leftovers go: silent runs follow the policy (report by default), interactive runs ask the
person once; a refusal removes nothing, and every removal is journaled with what it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from offramp.core.data.catalogue import load_catalogue
from offramp.core.data.policy import Policy
from offramp.core.migrate.context import Context, Options, Question
from offramp.core.migrate.journal import Journal
from offramp.core.migrate.plan import make_plan
from offramp.core.migrate.statefile import MigrationState
from offramp.core.migrate.steps import act_cleanup
from offramp.core.platform.linux import LinuxBackend
from offramp.core.scan.run import run_scan

CATALOGUE = load_catalogue(catalogue_id="kaspersky")
LEFTOVER = "var/log/kaspersky/kesl/install.log"


def _context(tmp_path: Path, *, silent: bool, leftovers: str, answer: bool | None) -> tuple[Context, list[Any]]:
    root = tmp_path / "root"
    (root / LEFTOVER).parent.mkdir(parents=True)
    (root / LEFTOVER).write_text("kesl configured\n")
    asked: list[Question] = []

    def ask(question: Question) -> Any:
        asked.append(question)
        return answer

    policy = Policy(leftovers=leftovers)
    findings = run_scan(root=root, platform="linux", catalogue=CATALOGUE).findings
    ctx = Context(
        plan=make_plan(findings, CATALOGUE, None, policy, root=str(root)),
        catalogue=CATALOGUE,
        replacement=None,
        policy=policy,
        backend=LinuxBackend(root),
        journal=Journal(tmp_path / "journal.jsonl"),
        state=MigrationState(support_code="TST-123", plan={}, options={}),
        options=Options(silent=silent, root=str(root), remove_only=True),
        downloads_dir=tmp_path / "downloads",
        ask=None if answer is None else ask,
    )
    return ctx, asked


@pytest.mark.parametrize(
    "silent, leftovers, answer, removed, questions",
    [
        (True, "report", None, False, 0),
        (True, "remove", None, True, 0),
        (False, "report", True, True, 1),
        (False, "report", False, False, 1),
        (False, "remove", None, True, 0),
    ],
)
def test_who_decides_that_leftovers_go(
    tmp_path: Path, silent: bool, leftovers: str, answer: bool | None, removed: bool, questions: int
) -> None:
    ctx, asked = _context(tmp_path, silent=silent, leftovers=leftovers, answer=answer)
    step = ctx.plan.step("cleanup")
    outcome = act_cleanup(ctx, step)
    assert outcome.status == "done"
    assert (tmp_path / "root" / LEFTOVER).exists() is not removed
    assert len(asked) == questions and all(q.kind == "delete" for q in asked)
    events = ctx.journal.read().events
    if removed:
        record = next(e for e in events if e["event"] == "cleanup.removed" and e["name"] == "/" + LEFTOVER)
        assert record["deletions"] == [{"path": "/" + LEFTOVER, "type": "file", "size": 16, "removed": 1, "kept": []}]
        assert not (tmp_path / "root/var/log/kaspersky").exists()
    else:
        assert [e["event"] for e in events] == ["cleanup.reported"]
        assert any(LEFTOVER.rsplit("/", 1)[0] in item for item in outcome.to_do)
