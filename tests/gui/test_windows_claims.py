"""What the pages before the removal promise on Windows with Kaspersky Endpoint Security found and Microsoft
Defender (part of Windows) chosen: only what the plan will do, and the same thing on every page."""

from __future__ import annotations

import datetime as dt

import pytest

from offramp.core.data.catalogue import load_catalogue
from offramp.core.scan.classifier import classify
from offramp.core.scan.inventory import Source
from offramp.core.scan.run import ScanResult
from offramp.core.wizard_flow import WizardModel
from offramp.gui.pages.base import page_id
from offramp.gui.pages.confirm import ConfirmPage
from offramp.gui.pages.rescue import RescuePage
from offramp.gui.wizard import OfframpWizard

pytestmark = pytest.mark.gui
KES = {
    "platform": "windows",
    "programs": [
        {
            "name": "Kaspersky Endpoint Security for Windows",
            "publisher": "AO Kaspersky Lab",
            "version": "12.6.0.438",
            "identifying_number": "{C9EF800D-54AA-4F60-AB96-5A3966550F53}",
        }
    ],
}


def test_a_restart_that_may_come_and_a_builtin_checked_afterwards_are_said_as_such(qtbot) -> None:
    catalogue = load_catalogue(catalogue_id="kaspersky")
    model = WizardModel(support_code="WIN-123", platform="windows")
    model.scan = ScanResult(classify(catalogue, KES, dt.datetime.now(dt.UTC)), KES, Source("file", "test"), catalogue)
    wizard = OfframpWizard(model)
    qtbot.addWidget(wizard)
    wizard.show()
    while wizard.currentId() != page_id("rescue"):
        wizard.next()
    assert model.choice is not None and model.choice.id == "microsoft-defender-antivirus"
    assert model.reboot_expected() == "maybe"  # KES's msiexec removal may ask for one
    rescue = wizard.page_as(RescuePage)
    assert "may need to restart" in rescue.reboot_note.text() and "will need" not in rescue.reboot_note.text()
    for box in rescue.boxes.values():
        box.setChecked(True)
    wizard.next()

    confirm = wizard.page_as(ConfirmPage).summary.text()
    assert "may need to restart" in confirm
    # Nothing is checked before the removal for what is part of Windows (the plan's stage step is skipped):
    # the page says it is checked afterwards, and what that check found is told.
    stage = next(s for s in model.plan().steps if s.kind == "stage")
    assert stage.params.get("method") == "builtin"
    assert "Before anything is removed" not in confirm
    assert "Once Kaspersky is removed, Offramp checks Microsoft Defender Antivirus" in confirm
