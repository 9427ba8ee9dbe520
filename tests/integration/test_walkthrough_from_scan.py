"""`offramp walkthrough --from-scan` on a private dpkg root holding Kaspersky's Linux packages: the helpdesk's
page numbers and step numbers are the ones the wizard shows on that machine.

The wizard's side is taken from the wizard's own logic (WizardModel, without Qt) and from what the runner
announces in a dry run of that plan ("Step N of M: title", the words the Migrating page's header repeats),
not from the walkthrough's code, so a walkthrough planned or numbered differently from the wizard fails here.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from offramp.core.data.replacements import load_replacement
from offramp.core.migrate import records, session
from offramp.core.scan.run import run_scan
from offramp.core.wizard_flow import NUMBERED, WizardModel
from tests.conftest import run_cli
from tests.support import linux_fixtures as fx
from tests.support.pkgbed import DpkgRoot
from tests.support.playbook_fixtures import TEST_PLAYBOOK

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

ANNOUNCED = re.compile(r"^Step (\d+) of (\d+): (.+)$")
BEFORE_THE_REMOVAL = ("welcome", "found", "why", "choose", "rescue", "confirm")


@pytest.fixture
def kaspersky_root(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> DpkgRoot:
    dpkg_root.install(*(built_packages.deb(s) for s in (fx.KESL, fx.KESL_GUI, fx.KLNAGENT64, fx.KLEOPATRA)))
    return dpkg_root


def the_wizards_steps(root: DpkgRoot, choice: list[str], code: str) -> list[tuple[int, int, str]]:
    """(number, total, title) of each step as the runner announces it for the wizard's plan on this root."""
    model = WizardModel(support_code=code, root=str(root.path))
    model.scan = run_scan(root=root.path)
    model.choose(load_replacement(Path(choice[1])) if choice[0] == "--to" else None)
    said: list[str] = []
    options = dataclasses.replace(model.options(), dry_run=True)
    runner, _scan = session.start(
        options, progress=lambda message, _fraction: said.append(str(message)), scan=model.scan, support_code=code
    )
    assert runner is not None
    assert runner.ctx.plan.fingerprint == model.plan().fingerprint  # the plan the window would run
    assert runner.run().exit_code == 0
    steps = [(int(m[1]), int(m[2]), m[3]) for m in map(ANNOUNCED.match, said) if m]
    assert [title for _n, _t, title in steps] == [step.title for step in model.plan().steps]
    return steps


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, the "Top right:" line) of each section of a text walkthrough."""
    lines = text.splitlines()
    found = []
    for index, line in enumerate(lines):
        if line.startswith("   Top right: "):
            found.append((lines[index - 2], " ".join(line.split("Top right:", 1)[1].split("  ·  ")).strip()))
    return found


@pytest.mark.parametrize("choice", [["--to", str(TEST_PLAYBOOK)], ["--remove-only"]], ids=["replacement", "remove"])
def test_the_walkthrough_numbers_each_page_and_step_as_the_wizard_does(
    kaspersky_root: DpkgRoot, choice: list[str]
) -> None:
    code = records.kept_support_code()  # what the wizard's first start on this machine keeps
    steps = the_wizards_steps(kaspersky_root, choice, code)
    pages = len(NUMBERED)
    numbers = [NUMBERED.index(page) + 1 for page in BEFORE_THE_REMOVAL]
    expected = [(f"Page {n} of {pages}:", f"Page {n} of {pages} Support code {code}") for n in numbers]
    migrating = NUMBERED.index("migrate") + 1
    expected += [
        (f"Step {n} of {total}: {title}", f"Page {migrating} of {pages} Step {n} of {total} Support code {code}")
        for n, total, title in steps
    ]
    expected.append((f"Page {pages} of {pages}:", f"Page {pages} of {pages} Support code {code}"))

    result = run_cli("walkthrough", "--from-scan", "--root", str(kaspersky_root.path), *choice)
    assert result.returncode == 0, result.stderr
    seen = sections(result.stdout)
    assert [top for _heading, top in seen] == [top for _heading, top in expected]
    starts = [heading.startswith(start) for (heading, _), (start, _) in zip(seen, expected, strict=True)]
    assert all(starts), [heading for heading, _top in seen]
    assert f"support code is {code}" in result.stdout
    removes = [title for _n, _t, title in steps if title.startswith("Remove Kaspersky")]
    assert removes == ["Remove Kaspersky Endpoint Security for Linux", "Remove Kaspersky Security Center Network Agent"]


def test_the_printable_page_has_the_same_numbers(kaspersky_root: DpkgRoot, tmp_path: Path) -> None:
    page = tmp_path / "walkthrough.html"
    args = ["walkthrough", "--from-scan", "--root", str(kaspersky_root.path), "--to", str(TEST_PLAYBOOK)]
    text = run_cli(*args)
    result = run_cli(*args, "--format", "html", "--output", str(page))
    assert result.returncode == 0, result.stderr
    shown = page.read_text(encoding="utf-8")
    assert shown.startswith("<!DOCTYPE html>")
    for _heading, top in sections(text.stdout):
        words = top.split(" Support code")[0].replace(" Step", "  ·  Step")
        assert words in shown, words


def test_a_machine_with_nothing_found_says_so_and_exits_as_scan_does(dpkg_root: DpkgRoot) -> None:
    scan = run_cli("scan", "--root", str(dpkg_root.path))
    result = run_cli("walkthrough", "--from-scan", "--root", str(dpkg_root.path), "--remove-only")
    assert scan.returncode == result.returncode == 0, result.stderr
    assert "Nothing from Kaspersky" in result.stdout and "nothing to walk the user through" in result.stdout
    assert "Step" not in result.stdout


@pytest.mark.parametrize("where", ["missing", "empty"])
def test_a_bad_root_is_a_usage_error_in_words(tmp_path: Path, where: str) -> None:
    root = tmp_path / "mnt"
    if where == "empty":
        root.mkdir()
    result = run_cli("walkthrough", "--from-scan", "--root", str(root), "--to", str(TEST_PLAYBOOK))
    scan = run_cli("scan", "--root", str(root))
    assert result.returncode == scan.returncode == 2
    assert result.stderr.startswith("offramp: ") and str(root) in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_without_a_choice_it_walks_through_the_one_the_wizard_preselects(
    kaspersky_root: DpkgRoot, tmp_path: Path
) -> None:
    # This computer's own scan, read from a file: the mounted root itself offers nothing to install (the
    # shipped Linux replacements come from its package repositories), which is the next test.
    inventory = tmp_path / "inventory.json"
    collected = run_cli("inventory", "collect", "--root", str(kaspersky_root.path))
    assert collected.returncode == 0, collected.stderr
    inventory.write_text(collected.stdout, encoding="utf-8")
    model = WizardModel(support_code="", platform="linux")
    model.scan = run_scan(inventory_file=inventory)
    preselected = model.default_choice()
    assert preselected is not None
    model.choose(preselected)
    planned = model.plan().steps
    assert any(step.title.startswith("Remove Kaspersky") for step in planned)

    result = run_cli("walkthrough", "--from-scan", "--inventory", str(inventory))
    assert result.returncode == 0, result.stderr
    assert preselected.name in result.stdout and "Kaspersky Endpoint Security for Linux" in result.stdout
    headings = [heading for heading, _top in sections(result.stdout) if heading.startswith("Step ")]
    total = len(planned)
    assert headings == [f"Step {n} of {total}: {step.title}" for n, step in enumerate(planned, 1)]
    chosen = run_cli("walkthrough", "--from-scan", "--inventory", str(inventory), "--to", preselected.id)
    assert chosen.stdout == result.stdout


def test_without_a_choice_and_nothing_to_install_it_asks_for_one(kaspersky_root: DpkgRoot) -> None:
    result = run_cli("walkthrough", "--from-scan", "--root", str(kaspersky_root.path))
    assert result.returncode == 2 and result.stdout == ""
    assert "can be installed here: choose --to PLAYBOOK, or --remove-only" in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from-scan", "--to", "clamav", "--remove-only"], "either --to PLAYBOOK or --remove-only"),
        (["--from-scan", "--os", "linux", "--remove-only"], "the scan says which system it is"),
        (["--to", "clamav", "--remove-only"], "--remove-only goes with --from-scan"),
    ],
)
def test_options_that_do_not_fit_are_refused(args: list[str], message: str) -> None:
    result = run_cli("walkthrough", *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
