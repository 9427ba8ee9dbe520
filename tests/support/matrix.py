"""Tallies for the hostile-conditions matrix tests: each class prints how many cases it tried and how many survived."""

from __future__ import annotations

import pytest


def report(config: pytest.Config, klass: str, tried: int, failures: list[str]) -> str:
    """Prints `matrix <class>: tried N, survived M` (and each failure) in the run's output; returns the line."""
    line = f"matrix {klass}: tried {tried}, survived {tried - len(failures)}"
    note(config, "\n" + line + "".join(f"\n  - {failure}" for failure in failures))
    return line


def note(config: pytest.Config, text: str) -> None:
    """Writes to the terminal even while pytest captures output: the figures belong in the run's output."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(text)
