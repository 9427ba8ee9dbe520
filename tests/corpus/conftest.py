"""Prints the corpus score after the run, whatever pytest's capture settings: a terminal summary, not stdout."""

from __future__ import annotations

import pytest

SCORE = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    lines = config.stash.get(SCORE, None)
    if lines:
        terminalreporter.section("detection corpus")
        for line in lines:
            terminalreporter.write_line(line)
