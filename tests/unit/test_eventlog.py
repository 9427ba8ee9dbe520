"""The event log: one JSON object per line, and a file that rolls over instead of growing without bound."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from offramp.core import eventlog


@pytest.fixture(autouse=True)
def _close_handlers():
    yield
    for handler in list(eventlog.get().handlers):
        eventlog.get().removeHandler(handler)
        handler.close()


def test_each_event_is_one_json_line_with_its_fields(tmp_path: Path) -> None:
    log = eventlog.setup(tmp_path / "offramp.jsonl", console=False)
    eventlog.event("scan.done", "scan: clean", verdict="clean", leftovers=0)
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert lines[-1]["event"] == "scan.done" and lines[-1]["verdict"] == "clean" and lines[-1]["leftovers"] == 0
    assert lines[0]["event"] == "log.start"


def test_a_full_log_rolls_over_when_a_run_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(eventlog, "MAX_LOG_BYTES", 1000)
    log = tmp_path / "offramp.jsonl"
    log.write_text('{"msg": "old"}\n' * 100, encoding="utf-8")  # 1,500 bytes: over the cap
    eventlog.setup(log, console=False)
    eventlog.event("new.run")
    assert log.with_name("offramp.jsonl.1").read_text(encoding="utf-8").count('"old"') == 100
    assert '"old"' not in log.read_text(encoding="utf-8")
    assert "new.run" in log.read_text(encoding="utf-8")


def test_older_logs_are_kept_up_to_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(eventlog, "MAX_LOG_BYTES", 10)
    log = tmp_path / "offramp.jsonl"
    for run in range(eventlog.KEPT_LOGS + 2):
        eventlog.setup(log, console=False)
        eventlog.event(f"run.{run}")
        eventlog.get().handlers[0].close()
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == ["offramp.jsonl"] + [f"offramp.jsonl.{n}" for n in range(1, eventlog.KEPT_LOGS + 1)]
    assert f"run.{eventlog.KEPT_LOGS + 1}" in log.read_text(encoding="utf-8")


def test_a_log_under_the_cap_is_appended_to(tmp_path: Path) -> None:
    log = tmp_path / "offramp.jsonl"
    log.write_text('{"msg": "earlier"}\n', encoding="utf-8")
    eventlog.setup(log, console=False)
    eventlog.event("later", level=logging.WARNING)
    text = log.read_text(encoding="utf-8")
    assert text.startswith('{"msg": "earlier"}') and "later" in text
    assert not log.with_name("offramp.jsonl.1").exists()


def test_a_log_that_cannot_roll_over_is_still_appended_to(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import logging.handlers

    def held_open(self) -> None:
        raise PermissionError(13, "The process cannot access the file because it is being used by another process")

    monkeypatch.setattr(eventlog, "MAX_LOG_BYTES", 10)
    monkeypatch.setattr(logging.handlers.RotatingFileHandler, "doRollover", held_open)
    log = tmp_path / "offramp.jsonl"
    log.write_text('{"msg": "earlier run"}\n', encoding="utf-8")
    assert eventlog.setup(log, console=False) == log
    eventlog.event("this.run")
    text = log.read_text(encoding="utf-8")
    assert "earlier run" in text and "this.run" in text
