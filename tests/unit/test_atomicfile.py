"""The one atomic-write helper: the target is the old file or the new one, never half; refused renames are retried
only where Windows refuses them for a moment; nothing temporary is left behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from offramp.core import atomicfile


def test_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_text("old")
    atomicfile.write_text(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]
    assert target.stat().st_mode & 0o777 == 0o600


def test_mode_is_what_the_caller_asks(tmp_path: Path) -> None:
    target = tmp_path / "snapshot.json"
    atomicfile.write_bytes(target, b"{}", mode=0o644)
    assert target.stat().st_mode & 0o777 == 0o644


def test_a_failed_rename_keeps_the_old_file_and_removes_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.mkdir()  # a folder with something in it cannot be replaced by a file
    (target / "inside").write_text("x")
    with pytest.raises(OSError):
        atomicfile.write_text(target, "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]
    assert (target / "inside").read_text() == "x"


def test_sharing_violations_are_retried_where_windows_raises_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.replace
    refusals = iter([PermissionError(13, "used by another process"), PermissionError(13, "again")])

    def flaky(src: str, dst: str) -> None:
        for refusal in refusals:
            raise refusal
        real(src, dst)

    monkeypatch.setattr(atomicfile, "RETRY_SHARING_VIOLATIONS", True)
    monkeypatch.setattr(atomicfile, "RETRY_PAUSES", (0.0, 0.0, 0.0))
    monkeypatch.setattr(atomicfile.os, "replace", flaky)
    atomicfile.write_text(tmp_path / "a.json", "ok")
    assert (tmp_path / "a.json").read_text() == "ok"


def test_retries_give_up_and_posix_does_not_retry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def refuse(src: str, dst: str) -> None:
        calls.append(dst)
        raise PermissionError(13, "refused")

    monkeypatch.setattr(atomicfile.os, "replace", refuse)
    monkeypatch.setattr(atomicfile, "RETRY_PAUSES", (0.0, 0.0))
    monkeypatch.setattr(atomicfile, "RETRY_SHARING_VIOLATIONS", False)
    with pytest.raises(PermissionError):
        atomicfile.write_text(tmp_path / "a.json", "x")
    assert len(calls) == 1
    monkeypatch.setattr(atomicfile, "RETRY_SHARING_VIOLATIONS", True)
    with pytest.raises(PermissionError):
        atomicfile.write_text(tmp_path / "b.json", "x")
    assert len(calls) == 1 + 3
    assert list(tmp_path.iterdir()) == []


def test_the_three_writers_share_it() -> None:
    root = Path(__file__).resolve().parents[2] / "app" / "core"
    for module in ("migrate/statefile.py", "migrate/download.py", "data/shipped.py"):
        text = (root / module).read_text()
        assert "atomicfile." in text, module
        assert "os.replace(" not in text and "mkstemp" not in text, module
