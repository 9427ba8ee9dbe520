"""The first page appears before the rest of the wizard is built, and the rest is built as the person moves on."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from offramp.gui.pages.base import page_id
from offramp.gui.pages.found import FoundPage
from tests.conftest import REPO

pytestmark = pytest.mark.gui

# Runs in a process of its own, so that what the first page imported is not hidden by other tests.
FIRST_PAGE = """
import json, sys
from PySide6.QtWidgets import QApplication
from offramp.gui.main import build_wizard, parse

app = QApplication([])
args, _ = parse(["--smoke-test"])
wizard = build_wizard(args, resume=False)
wizard.show()
app.processEvents()
seen = {"built": sorted(wizard.pages), "current": wizard.currentPage().name,
        "loaded": sorted(m for m in ("offramp.core.migrate.plan", "offramp.core.migrate.context",
                                     "offramp.core.scan.run", "offramp.gui.widgets.timeline", "yaml", "jsonschema",
                                     "psutil")
                         if m in sys.modules),
        # PySide6 adds `Qt` to QtCore's namespace on its first use, when it builds every one of its enums.
        "qt_namespace_used": "Qt" in vars(sys.modules["PySide6.QtCore"])}
wizard.validateCurrentPage()  # what Next asks first; moving on would start a scan of this machine
seen["after_next"] = {"built": sorted(wizard.pages), "current": wizard.currentPage().name}
print(json.dumps(seen))
"""


def test_only_the_first_page_and_what_it_needs_are_loaded_before_it_shows(tmp_path) -> None:
    env = {**os.environ, "OFFRAMP_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", FIRST_PAGE], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.splitlines()[-1])
    assert seen["built"] == ["welcome"] and seen["current"] == "welcome"
    assert seen["loaded"] == []
    assert seen["qt_namespace_used"] is False  # see RICH_TEXT in app/gui/pages/base.py
    # Next builds the page it moves to, and only that one, before Qt moves there.
    assert seen["after_next"] == {"built": ["found", "welcome"], "current": "welcome"}


def test_pages_built_later_follow_the_helpdesk_view(qtbot) -> None:
    from offramp.core.wizard_flow import WizardModel
    from offramp.gui.wizard import OfframpWizard

    wizard = OfframpWizard(WizardModel(support_code="LZY-777", platform="windows", helpdesk=True))
    qtbot.addWidget(wizard)
    wizard.show()
    assert list(wizard.pages) == ["welcome"]
    found = wizard.page_as(FoundPage)
    assert wizard.page_named("found") is found
    assert wizard.page(page_id("found")) is found
    assert found.details.isVisibleTo(found)
    wizard.set_helpdesk(False)
    assert not found.details.isVisibleTo(found)


def test_ctrl_h_toggles_the_helpdesk_view(qtbot) -> None:
    from PySide6.QtCore import Qt

    from offramp.core.wizard_flow import WizardModel
    from offramp.gui.wizard import OfframpWizard

    wizard = OfframpWizard(WizardModel(support_code="KEY-777", platform="windows"))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow, timeout=2000)  # shortcuts reach the active window only
    qtbot.keyClick(wizard, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: wizard.model.helpdesk, timeout=2000)
    assert wizard.windowTitle().endswith("Page 1 of 8")
    qtbot.keyClick(wizard, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not wizard.model.helpdesk, timeout=2000)


def test_the_smoke_test_fails_when_a_later_page_cannot_be_built(tmp_path) -> None:
    # As in a bundle that lacks a module only the Why page imports: the first page still appears.
    code = (
        "import sys\nsys.modules['offramp.gui.widgets.timeline'] = None\n"
        "from offramp.gui.main import main\nsys.exit(main(['--smoke-test']))"
    )
    env = {**os.environ, "OFFRAMP_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert out.stdout.splitlines() == ["first page shown"]
    assert "offramp.gui.widgets.timeline" in out.stderr
