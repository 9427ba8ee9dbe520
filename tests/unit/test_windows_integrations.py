"""The Intune and ConfigMgr files: return codes that match Offramp's, and command lines Offramp accepts.

PowerShell does not run here (the windows-latest workflow is where it would); what can be checked is that
every exit code is mapped, in each engine's own terms, as README.md documents it, and that every Offramp
command line in the scripts and the READMEs parses with Offramp's own argument parser.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from app.cli import EXIT_INTERNAL, build_parser
from app.core import exitcodes
from tests.conftest import REPO

WINDOWS = REPO / "integrations" / "windows"
INTUNE_TYPES = {"success", "softReboot", "hardReboot", "retry", "failed"}
CONFIGMGR_TYPES = {"Success", "Soft Reboot", "Hard Reboot", "Fast Retry", "Failure"}


def table() -> list[dict]:
    return list(yaml.safe_load((WINDOWS / "return-codes.yaml").read_text()))


def test_every_exit_code_is_mapped_in_each_engines_terms() -> None:
    rows = {row["code"]: row for row in table()}
    assert set(rows) == set(exitcodes.DESCRIPTIONS) | {EXIT_INTERNAL}
    assert all(row["intune"] in INTUNE_TYPES and row["configmgr"] in CONFIGMGR_TYPES for row in rows.values())
    expected = {0: "success", 3010: "softReboot", 1641: "hardReboot", 1618: "retry"}
    assert {c: r["intune"] for c, r in rows.items() if r["intune"] != "failed"} == expected
    assert rows[3010]["configmgr"] == "Soft Reboot" and rows[1618]["configmgr"] == "Fast Retry"


def test_the_readme_table_lists_every_code() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("### Silent mode exit codes", 1)[1].split("\n#", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", section, re.M)}
    assert documented == {row["code"] for row in table()}


def offramp_command_lines() -> list[tuple[Path, list[str]]]:
    found = []
    for path in sorted(WINDOWS.rglob("*")):
        if path.suffix == ".ps1":
            for args in re.findall(r"& \$offramp ([^\n*|]+)", path.read_text()):
                # A PowerShell variable stands for a value: a playbook id or a path.
                found.append((path, ["value" if w.startswith("$") else w for w in shlex.split(args)]))
        elif path.suffix == ".md":
            for args in re.findall(r'offramp\.exe" ([^`|]+)', path.read_text()):
                found.append((path, shlex.split(args.replace("\\", "/"))))
    return found


def test_every_offramp_command_line_parses() -> None:
    lines = offramp_command_lines()
    assert len(lines) >= 6
    parser = build_parser()
    for path, words in lines:
        args = parser.parse_args(words)
        assert args.command in ("scan", "migrate"), (path, words)
        if args.command == "migrate":
            assert args.silent and args.report is not None, (path, words)
