"""The wizard as a screen reader meets it: its AT-SPI tree, read over D-Bus with pyatspi under a virtual display.

Each label's text reaches assistive technology as the label's name (a short accessible name must never
replace it); the Found table is a table, the timeline a chart a keyboard can reach; nothing of a page
that is not shown is exposed as showing. The check is also run against a wizard whose status label hides
its text behind a short name, to prove it catches exactly that.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import REPO
from tests.support.testbeds import unavailable

pytestmark = [pytest.mark.gui, pytest.mark.slow]
SYSTEM_PYTHON = "/usr/bin/python3"  # pyatspi is the distribution's (python3-pyatspi), not a wheel


def tree(page: str, *extra: str) -> list[dict[str, Any]]:
    missing = [tool for tool in ("Xvfb", "dbus-run-session") if shutil.which(tool) is None]
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True) if not missing else None
    if missing or probe is None or probe.returncode != 0:
        unavailable(
            f"the AT-SPI test needs Xvfb, dbus-run-session and python3-pyatspi (missing: {missing or 'pyatspi'})"
        )
    walked = subprocess.run(
        ["dbus-run-session", "--", SYSTEM_PYTHON, "tests/gui/atspi_walk.py", sys.executable, page, *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert walked.returncode == 0, walked.stderr
    return json.loads(walked.stdout.strip().splitlines()[-1])  # the registry daemon prints a line first


def showing(nodes: list[dict[str, Any]], role: str) -> list[dict[str, Any]]:
    return [n for n in nodes if n["role"] == role and n["showing"]]


def hidden_label_text(nodes: list[dict[str, Any]], words: str) -> bool:
    """True when a showing label's name lacks the words it shows on screen."""
    return not any(words in label["name"] for label in showing(nodes, "label"))


def test_the_found_page_reads_as_it_looks() -> None:
    nodes = tree("found")
    assert not hidden_label_text(nodes, "Found 2 Kaspersky products.")
    assert not hidden_label_text(nodes, "What we found")
    [table] = showing(nodes, "table")
    assert table["name"] == "Kaspersky products found" and table["focusable"]
    cells = {n["name"] for n in showing(nodes, "table cell")}
    assert {"Kaspersky Total Security", "Kaspersky Password Manager"} <= cells
    assert {"Product", "Virus definitions"} <= {n["name"] for n in showing(nodes, "table column header")}
    # The welcome page is still in the window, but nothing of it is exposed as showing.
    assert not [n for n in nodes if "Your support code" in n["name"] and n["showing"]]


def test_the_timeline_is_a_chart_the_keyboard_reaches() -> None:
    nodes = tree("why")
    [chart] = showing(nodes, "chart")
    assert chart["name"] == "Ban timeline" and chart["focusable"]
    assert "2024-09-29" in chart["description"]
    assert not hidden_label_text(nodes, "You are not breaking the law")


def test_the_check_catches_a_label_whose_text_is_hidden_behind_a_name() -> None:
    nodes = tree("found", "--hide-label-text")
    assert hidden_label_text(nodes, "Found 2 Kaspersky products.")
