"""The Intune and ConfigMgr files: return codes that match Offramp's, command lines Offramp accepts, and
scripts that exit only as they say.

PowerShell does not run here: the windows-latest workflow runs the scripts (packaging/windows/check_intune.py),
and tests/packaging/test_windows_installer.py runs the command lines against the built installer under Wine.
What is checked here is that every exit code is mapped, in each engine's own terms, as README.md documents
it; that the READMEs quote the command lines of integrations/windows/command-lines.yaml; that every Offramp
call in them parses with Offramp's own argument parser; and that each script exits only with the codes the
file lists for it, compared against the codes the Offramp command it runs can give.
"""

from __future__ import annotations

import re
import shlex

from offramp.cli import build_parser
from offramp.core import exitcodes
from tests.conftest import REPO
from tests.support.packaging_scripts import load_script
from tests.support.windows_integrations import WINDOWS, command_lines, offramp_calls, return_codes, scripts

INTUNE_TYPES = {"success", "softReboot", "hardReboot", "retry", "failed"}
CONFIGMGR_TYPES = {"Success", "Soft Reboot", "Hard Reboot", "Fast Retry", "Failure"}
WINDOWS_ENV = {"ProgramW6432": "C:\\Program Files", "ProgramData": "C:\\ProgramData"}
READMES = (WINDOWS / "intune" / "README.md", WINDOWS / "configmgr" / "README.md")


def test_every_exit_code_is_mapped_in_each_engines_terms() -> None:
    rows = return_codes()
    # 130 (interrupted by Ctrl+C) has no place in a deployment engine's table: nobody is at the keyboard.
    assert set(rows) == set(exitcodes.DESCRIPTIONS) - {exitcodes.INTERRUPTED}
    assert all(row["intune"] in INTUNE_TYPES and row["configmgr"] in CONFIGMGR_TYPES for row in rows.values())
    expected = {0: "success", 3010: "softReboot", 1641: "hardReboot", 1618: "retry"}
    assert {c: r["intune"] for c, r in rows.items() if r["intune"] != "failed"} == expected
    assert rows[3010]["configmgr"] == "Soft Reboot" and rows[1618]["configmgr"] == "Fast Retry"


def test_the_readme_table_lists_every_code() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("### Silent mode exit codes", 1)[1].split("\n#", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", section, re.M)}
    assert documented == set(return_codes())


def test_the_readmes_quote_the_command_lines_word_for_word() -> None:
    lines = command_lines()
    for readme in READMES:
        quoted = [q for q in re.findall(r"`([^`]+)`", readme.read_text()) if "%ProgramW6432%\\Offramp\\" in q]
        assert sorted(quoted) == sorted([lines["install"], lines["uninstall"]]), readme


def test_every_offramp_command_line_parses() -> None:
    install = command_lines()["install"]
    installed_args = install.split('offramp.exe" ', 1)[1]
    calls = [("install", shlex.split(installed_args.replace("\\", "/")))]
    calls += [(c.script, list(c.args)) for c in offramp_calls(WINDOWS_ENV)]
    assert {script for script, _ in calls} == {"install", *scripts()}
    parser = build_parser()
    for where, words in calls:
        args = parser.parse_args(words)
        assert args.command in ("scan", "migrate", "resume"), (where, words)
        if args.command == "migrate":
            assert args.silent and args.report is not None, (where, words)
        if args.command == "resume":  # carrying on a run that stopped: never prompting, or only asking
            assert args.silent or args.pending, (where, words)


def test_each_script_exits_only_with_the_codes_it_lists() -> None:
    rows = return_codes()
    finished = {code for code, row in rows.items() if row["intune"] in ("success", "softReboot", "hardReboot")}
    commands = {c.script: c.args[0] for c in offramp_calls(WINDOWS_ENV)}
    for name, script in scripts().items():
        text = (WINDOWS / name).read_text(encoding="utf-8")
        assert {int(code) for code in re.findall(r"\bexit (\d+)", text)} == set(script["exits"]), name
        passes_on = script.get("passes on")
        assert bool(re.search(r"\bexit \$\w+", text)) == (passes_on is not None), name
        if commands[name] == "scan":
            # What the script makes of `offramp scan`: 0 nothing found, 1 something found, anything else failed.
            compared = {int(c) for c in re.findall(r"\$LASTEXITCODE -eq (\d+)", text)}
            assert compared and compared <= {exitcodes.SUCCESS, exitcodes.FOUND}, name
        if passes_on:
            assert commands[name] == passes_on, name
            # The codes it turns into 0 are the engines' own success and restart codes; it passes on the
            # rest, which the engines count as failures (return-codes.yaml).
            kept = re.search(r"\$\w+ -in ([\d, ]+)\)", text)
            assert kept and {int(c) for c in kept[1].split(",")} == finished, name
            assert all(rows[c]["intune"] != "success" for c in set(rows) - finished), name


def test_the_windows_runner_check_runs_every_script_with_codes_they_list() -> None:
    check = load_script("packaging/windows/check_intune.py")
    listed = scripts()
    assert {e.script for e in check.CLEAN} == set(listed)
    for expected in check.NOT_INSTALLED + check.CLEAN:
        assert expected.exit_code in listed[expected.script]["exits"], expected
        # The line as the script writes it, less the exit code it puts in ("... exit code 0 *").
        written = re.sub(r"( \d+)? \*$", "", expected.last_line)
        assert written in (WINDOWS / expected.script).read_text(), expected
    # The remediation migrates: it runs only after the Remediations detection said the runner is clean.
    order = [e.script for e in check.CLEAN]
    assert order.index("intune/remediation/detect.ps1") < order.index("intune/remediation/remediate.ps1")
