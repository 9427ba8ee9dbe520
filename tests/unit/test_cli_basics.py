"""The command line as a user and an admin's script meet it: version, help, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from offramp import __version__
from tests.conftest import REPO, run_cli


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"offramp {__version__}"


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys, contextlib, io\nfrom offramp import cli\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    cli.main(['--help'])\n"
        "print(sorted(m for m in ('PySide6', 'requests', 'psutil', 'jsonschema', 'yaml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_building_the_parser_leaves_the_core_to_the_handlers() -> None:
    """Every command module registers its options at start, so none may pull in the core at import time."""
    code = (
        "import sys\nfrom offramp import cli\ncli.build_parser()\n"
        "print(sorted(m for m in sys.modules if m.startswith('offramp.core.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(["offramp.core.data", "offramp.core.data.platforms", "offramp.core.exitcodes"])


@pytest.mark.parametrize(
    "command",
    [[], ["playbooks"], ["playbooks", "list"], ["playbooks", "validate"], ["playbooks", "schema"], ["timeline"]],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = run_cli(*command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: offramp")


def test_unknown_command_is_a_usage_error() -> None:
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert "Traceback" not in result.stderr


def test_log_file_gets_json_lines(tmp_path: Path) -> None:
    log = tmp_path / "log" / "events.jsonl"
    result = run_cli("--log-file", str(log), "playbooks", "schema", "replacement")
    assert result.returncode == 0
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert entries[0]["event"] == "log.start"
    assert entries[0]["argv"][-1] == "replacement"


def test_default_log_goes_under_offramp_home(private_home: Path) -> None:
    result = run_cli("playbooks", "schema", "replacement")
    assert result.returncode == 0
    assert (private_home / "logs" / "offramp.jsonl").exists()


def test_schema_prints_json_schema() -> None:
    result = run_cli("playbooks", "schema", "replacement")
    assert result.returncode == 0
    assert json.loads(result.stdout)["properties"]["kind"] == {"const": "replacement"}


def test_a_bug_in_a_handler_is_one_line_and_the_internal_error_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from offramp import cli
    from offramp.commands import timeline
    from offramp.core import exitcodes

    def broken(_args: object) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(timeline, "run", broken)
    assert cli.main(["--log-file", str(tmp_path / "log.jsonl"), "timeline"]) == exitcodes.INTERNAL == 70
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: a bug" in err
    assert "Traceback" not in err
    assert "Traceback" in (tmp_path / "log.jsonl").read_text(encoding="utf-8")
