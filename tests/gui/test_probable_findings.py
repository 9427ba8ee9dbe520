"""A probable finding is removed only when the person ticks it on the Found page: the plan shown on "Ready to
remove", and agreed to there, follows the tick, including a tick changed after going back from that page."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem

from offramp.gui.pages.base import page_id
from tests.gui.scanned import wizard_on

pytestmark = pytest.mark.gui
# An uninstall entry with a distinctive product name and no publisher: probably Kaspersky's, not certainly.
INVENTORY = {"platform": "windows", "programs": [{"name": "Kaspersky Internet Security", "version": "21.3"}]}


@pytest.fixture
def wizard(qtbot):
    return wizard_on(qtbot, INVENTORY, "PRB-123")


def _go_to(wizard, name: str) -> None:
    while wizard.currentId() != page_id(name):
        wizard.next()


def _back_to(wizard, name: str) -> None:
    while wizard.currentId() != page_id(name):
        wizard.back()


def _probable_item(wizard) -> QTableWidgetItem:
    table = wizard.pages["found"].products
    items = [table.item(row, 0) for row in range(table.rowCount())]
    checkable = [i for i in items if i is not None and i.flags() & Qt.ItemFlag.ItemIsUserCheckable]
    assert len(checkable) == 1, [i.text() for i in items if i is not None]
    return checkable[0]


def _removes(wizard) -> list[str]:
    """The products the plan on "Ready to remove" removes, as the page shows them."""
    return [s.params["product_id"] for s in wizard.model.plan().steps if s.kind == "uninstall"]


def test_an_unticked_probable_product_is_not_removed_and_ticking_it_plans_its_removal(wizard) -> None:
    finding = wizard.model.scan.findings.installed[0]
    assert finding.certainty == "probable"
    _go_to(wizard, "found")
    item = _probable_item(wizard)
    assert item.checkState() == Qt.CheckState.Unchecked
    assert "tick to confirm" in item.text()

    _go_to(wizard, "confirm")
    assert _removes(wizard) == []

    # Back to Found, tick it as a person does, forward again: the plan shown and agreed to now removes it.
    _back_to(wizard, "found")
    _probable_item(wizard).setCheckState(Qt.CheckState.Checked)
    _go_to(wizard, "confirm")
    assert _removes(wizard) == [finding.product_id]


def test_unticking_after_agreeing_takes_the_consent_back(wizard) -> None:
    """The person agreed to a plan that removed the probable product, then went back and unticked it: the
    removal may not start on the old consent, and the new plan keeps the product."""
    finding = wizard.model.scan.findings.installed[0]
    _go_to(wizard, "found")
    _probable_item(wizard).setCheckState(Qt.CheckState.Checked)
    _go_to(wizard, "confirm")
    assert _removes(wizard) == [finding.product_id]
    wizard.model.consent()
    assert wizard.model.may_start()

    _back_to(wizard, "found")
    _probable_item(wizard).setCheckState(Qt.CheckState.Unchecked)
    assert not wizard.model.may_start()
    _go_to(wizard, "confirm")
    assert _removes(wizard) == []
