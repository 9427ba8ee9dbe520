"""The state file and the journal: typed round trips, the previous format still read, damage named and kept aside,
long torn tails cut at the last newline, and a hash chain that catches a one-byte edit anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offramp.core.migrate import journal, statefile
from offramp.core.migrate.journal import Journal
from offramp.core.migrate.recorderrors import RecordDamaged, RecordUnusable
from offramp.core.migrate.statefile import MigrationState, StepRecord

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records" / "v1"


def v1_text() -> str:
    """The state file the previous format wrote, with its machine-specific values filled in."""
    text = (FIXTURES / "migration.json").read_text()
    for key, value in {
        "@ROOT@": "/srv/root",
        "@PLAYBOOK@": "/srv/p.yaml",
        "@URL@": "https://example.org/a.deb",
    }.items():
        text = text.replace(key, value)
    return text.replace('"@SIZE@"', "1044").replace("@SHA256@", "0" * 64)


def test_the_previous_format_reads_into_typed_records(tmp_path: Path) -> None:
    path = tmp_path / "migration.json"
    path.write_text(v1_text())
    state = statefile.read(path)
    assert state is not None and state.support_code == "LRH-KWA" and not state.finished
    assert state.steps["preflight"] == StepRecord(
        "done", state.steps["preflight"].started, state.steps["preflight"].finished, 1, "ready", {}
    )
    assert state.status("stage.offramp-test-av") is None and state.reboot.pending is False
    assert state.read_options().root == "/srv/root" and len(state.read_plan().steps) == 9
    assert state.read_plan().steps[0].title == "Check this machine is ready"


def test_round_trip(tmp_path: Path) -> None:
    plan: dict[str, object] = {"platform": "linux", "replacement_id": None, "steps": []}
    state = MigrationState("ABC-DEF", plan, {"silent": True}, started="now")
    state.step("a").status = "done"
    state.step("a").data["code"] = 0
    state.reboot.resume_registered = "RunOnce"
    state.to_do.append("call the helpdesk")
    statefile.write(tmp_path / "s.json", state)
    assert statefile.read(tmp_path / "s.json") == state
    assert statefile.read(tmp_path / "missing.json") is None


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "empty"),
        (b"\0" * 4096, "empty"),
        (b'{"support_code": "AB', "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"support_code": 5, "plan": {"steps": []}, "options": {}}', "support_code"),
        (
            b'{"support_code": "A", "plan": {"steps": []}, "options": {}, "steps": {"x": {"status": "odd"}}}',
            "steps.x.status",
        ),
        (b'{"support_code": "A", "plan": {"steps": []}, "options": {}, "steps": {"x": {"attempts": -1}}}', "attempts"),
        (b'{"support_code": "A", "plan": {}, "options": {}}', "plan.steps"),
        (b'{"support_code": "A", "plan": {"steps": [{"x": 1}]}, "options": {}}', "its plan or options do not read"),
        (
            b'{"support_code": "A", "plan": {"platform": "linux", "replacement_id": null, "steps": []}, '
            b'"options": {"colour": "red"}}',
            "its plan or options do not read",
        ),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_damage_is_named(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "migration.json"
    path.write_bytes(content)
    with pytest.raises(RecordDamaged, match=words):
        statefile.read(path)


def test_a_folder_in_place_of_the_state_and_a_newer_format(tmp_path: Path) -> None:
    (tmp_path / "migration.json").mkdir()
    with pytest.raises(RecordDamaged, match="folder"):
        statefile.read(tmp_path / "migration.json")
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({"version": 9, "support_code": "A", "plan": {"steps": []}, "options": {}}))
    with pytest.raises(RecordUnusable, match="newer Offramp.*--abandon"):
        statefile.read(newer)


def test_each_line_is_chained_and_verifies(tmp_path: Path) -> None:
    j = Journal(tmp_path / "journal.jsonl")
    for n in range(5):
        j.append("step.done", step=f"s{n}")
    lines = (tmp_path / "journal.jsonl").read_bytes().split(b"\n")[:-1]
    assert json.loads(lines[0])["prev"] is None
    assert all(json.loads(b)["prev"] == journal.line_hash(a) for a, b in zip(lines, lines[1:], strict=False))
    head, count = journal.head(j.path)
    assert journal.verify(j.path, head, count).ok


def test_a_long_torn_tail_keeps_every_complete_line(tmp_path: Path) -> None:
    j = Journal(tmp_path / "journal.jsonl")
    j.append("run.start", support_code="ABC-DEF")
    with open(j.path, "ab") as handle:
        handle.write(b'{"ts":"x","event":"step.act","blob":"' + b"x" * 200_000)  # torn, with no newline
    entry = j.append("step.done", step="a")
    events = j.read().events
    assert [e["event"] for e in events] == ["run.start", "step.done"]
    assert entry["dropped_torn_line"] > 200_000
    kept = tmp_path / entry["torn_kept_as"]
    assert kept.read_bytes().startswith(b'{"ts":"x"') and kept.stat().st_size == entry["dropped_torn_line"]
    assert journal.verify(j.path).ok  # the tear never broke the chain


def test_a_nul_filled_journal_is_cut_and_kept(tmp_path: Path) -> None:
    j = Journal(tmp_path / "journal.jsonl")
    j.path.write_bytes(b"\0" * 10_000)
    j.append("run.start")
    assert [e["event"] for e in j.read().events] == ["run.start"]
    assert any(p.name.startswith("journal.jsonl.torn-") for p in tmp_path.iterdir())


@pytest.mark.parametrize("damage", ["folder", "damaged-last-line"])
def test_a_journal_that_cannot_be_continued_is_kept_aside(tmp_path: Path, damage: str) -> None:
    j = Journal(tmp_path / "journal.jsonl")
    if damage == "folder":
        j.path.mkdir()
    else:
        j.path.write_bytes(b'{"event":"run.start"}\n\0\0\0\n')
    j.append("run.resume")
    events = j.read().events
    assert [e["event"] for e in events] == ["journal.set_aside", "run.resume"]
    assert (tmp_path / events[0]["kept_as"]).exists()


def test_older_unchained_lines_are_accepted_and_the_chain_starts_after_them(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_bytes((FIXTURES / "journal.jsonl").read_bytes())
    Journal(path).append("run.resume")
    assert journal.verify(path).ok
    lines = path.read_bytes().split(b"\n")
    assert json.loads(lines[-2])["prev"] == journal.line_hash(lines[-3])


def _chained_journal(folder: Path) -> tuple[Path, str | None, int]:
    j = Journal(folder / "journal.jsonl")
    j.append("run.start", support_code="ABC-DEF", plan="0c2c")
    for step in ("preflight", "stage", "uninstall"):
        j.append("step.start", step=step, title=f"Do {step}", attempt=1)
        j.append("step.done", step=step, message="done ✓")
    j.append("run.done", exit_code=0)
    head, count = journal.head(j.path)
    return j.path, head, count


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_a_one_byte_edit_anywhere_is_caught(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    path, head, count = _chained_journal(tmp_path_factory.mktemp("j"))
    raw = bytearray(path.read_bytes())
    position = data.draw(st.integers(0, len(raw) - 1), label="position")
    value = data.draw(st.integers(0, 255).filter(lambda b: b != raw[position]), label="byte")
    original = raw[position]
    raw[position] = value
    path.write_bytes(bytes(raw))
    try:
        verdict = journal.verify(path, head, count)
    except RecordDamaged:
        return  # unreadable as a journal at all: caught
    assert not verdict.ok
    if b"\n"[0] not in (original, value):  # the lines stay where they were, so the edited one is named
        assert verdict.line == raw[:position].count(b"\n") + 1, verdict.message


def test_the_lock_admits_one_holder_and_names_it(tmp_path: Path) -> None:
    import os

    from offramp.core import exitcodes
    from offramp.core.migrate.recorderrors import MigrationLocked
    from offramp.core.migrate.runlock import RunLock

    first = RunLock(tmp_path / "migration.lock").acquire()
    with pytest.raises(MigrationLocked, match=f"process {os.getpid()}") as refused:
        RunLock(tmp_path / "migration.lock").acquire()
    assert refused.value.exit_code == exitcodes.RETRY_LATER
    first.release()
    with RunLock(tmp_path / "migration.lock") as again:
        assert again.held
    assert not again.held


def test_the_report_is_one_typed_record_with_the_journal_head(tmp_path: Path) -> None:
    from offramp.core.migrate import report
    from offramp.core.migrate.runner import Runner
    from tests.unit.test_uninstall_faults import FakeMsiexec, make_context

    ctx = make_context(tmp_path, FakeMsiexec(tmp_path))
    assert Runner(ctx, tmp_path / "state.json").run().exit_code == 0
    data = json.loads((tmp_path / "report.json").read_text())
    typed = report.from_json(data)
    assert report.to_json(typed) == data
    assert typed.journal is not None and (typed.journal.head, typed.journal.lines) == journal.head(ctx.journal.path)
    assert journal.verify(ctx.journal.path, typed.journal.head, typed.journal.lines).ok
    assert statefile.read(tmp_path / "state.json") == ctx.state
    with pytest.raises(report.ReportShapeError, match="'journal'"):
        report.from_json({**data, "journal": {"head": "x"}})


@pytest.mark.parametrize("kind", ["fifo", "symlink"])
def test_special_files_at_the_records_names_never_hang_or_redirect(tmp_path: Path, kind: str) -> None:
    import os

    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("a user's file\n")
    for name in ("migration.json", "journal.jsonl"):
        if kind == "fifo":
            os.mkfifo(tmp_path / name)
        else:
            (tmp_path / name).symlink_to(elsewhere)
    if kind == "fifo":
        with pytest.raises(RecordDamaged, match="other than a file"):
            statefile.read(tmp_path / "migration.json")
    Journal(tmp_path / "journal.jsonl").append("run.start")
    assert elsewhere.read_text() == "a user's file\n"  # the append did not follow the link
    assert [e["event"] for e in journal.read(tmp_path / "journal.jsonl").events] == ["journal.set_aside", "run.start"]


def test_journal_verify_on_the_command_line_names_the_changed_line(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    path, head, count = _chained_journal(tmp_path)
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"support_code": "ABC-DEF", "steps": [], "journal": {"head": head, "lines": count}}))
    intact = run_cli("journal", "verify", "--journal", str(path), "--report", str(report))
    assert intact.returncode == 0 and "intact" in intact.stdout, intact.stderr
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"stage", b"stagE")
    path.write_bytes(b"\n".join(lines))
    changed = run_cli("journal", "verify", "--journal", str(path), "--report", str(report))
    assert changed.returncode == 1 and "line 4 was changed" in changed.stdout, changed.stdout + changed.stderr
