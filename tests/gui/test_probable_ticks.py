"""Probable findings on the Found page: each has a tick box, none is ticked for the person, only a ticked one
is removed, and the plan "Ready to remove" shows (and the person agrees to) follows the ticks, also when the
person goes back to Found after seeing it. The technical details read as rows, not as the inventory's JSON."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox

from offramp.gui.pages.base import page_id
from offramp.gui.pages.confirm import ConfirmPage
from offramp.gui.pages.found import FoundPage
from offramp.gui.wizard import OfframpWizard
from tests.gui.scanned import wizard_on

pytestmark = pytest.mark.gui
PROBABLE = "kaspersky-consumer-windows"  # an uninstall entry without a publisher: probably Kaspersky's
CERTAIN = "kaspersky-endpoint-security-windows"
PRODUCTS = {
    "platform": "windows",
    "programs": [
        {"name": "Kaspersky Total Security", "version": "21.3"},
        {"name": "Kaspersky Endpoint Security for Windows", "publisher": "АО Лаборатория Касперского"},
    ],
}
# Nothing installed: a folder that is certainly Kaspersky's and a driver file known only by its name.
LEFTOVERS = {
    "platform": "windows",
    "file": [{"path": "C:\\ProgramData\\Kaspersky Lab\\", "type": "directory"}, {"filename": "klif.sys"}],
}


def wizard_for(qtbot, inventory: dict[str, Any]) -> OfframpWizard:
    wizard = wizard_on(qtbot, inventory, "TIC-777")
    wizard.next()
    assert wizard.currentId() == page_id("found")
    return wizard


def to_ready_to_remove(wizard: OfframpWizard) -> ConfirmPage:
    """Next from Found to "Ready to remove", choosing to remove only and ticking off every item to save."""
    while wizard.currentId() != page_id("choose"):
        wizard.next()
    wizard.model.choose(None)
    wizard.next()
    for box in wizard.pages["rescue"].boxes.values():  # type: ignore[attr-defined]
        box.setChecked(True)
    wizard.next()
    assert wizard.currentId() == page_id("confirm")
    return wizard.page_as(ConfirmPage)


def uninstalls(wizard: OfframpWizard) -> list[str]:
    return [s.params["product_id"] for s in wizard.model.plan().steps if s.kind == "uninstall"]


def product_cells(found: FoundPage) -> dict[str, Any]:
    """The first cell of each row of the Found table, by the product's name."""
    cells = {}
    for row in range(found.products.rowCount()):
        item = found.products.item(row, 0)
        assert item is not None
        cells[item.text()] = item
    return cells


def test_a_probable_product_is_removed_only_once_its_box_is_ticked(qtbot) -> None:
    wizard = wizard_for(qtbot, PRODUCTS)
    found = wizard.page_as(FoundPage)
    cells = product_cells(found)
    unsure = next(item for text, item in cells.items() if text.startswith("Kaspersky Total Security"))
    sure = next(item for text, item in cells.items() if text.startswith("Kaspersky Endpoint Security"))
    # A cell shows a tick box when it holds a check state (and lets the person change it).
    assert unsure.data(Qt.ItemDataRole.CheckStateRole) is not None and "probably" in unsure.text()
    assert unsure.flags() & Qt.ItemFlag.ItemIsUserCheckable
    assert unsure.checkState() == Qt.CheckState.Unchecked  # nobody ticked it for the person
    assert sure.data(Qt.ItemDataRole.CheckStateRole) is None  # a certain finding has nothing to confirm

    confirm = to_ready_to_remove(wizard)
    assert uninstalls(wizard) == [CERTAIN]
    listed = confirm.summary.text()
    assert "Kaspersky Endpoint Security" in listed and "Kaspersky Total Security" not in listed
    unticked = wizard.model.plan().fingerprint

    # Back on Found after seeing the list, the person ticks it: the plan and the list follow.
    while wizard.currentId() != page_id("found"):
        wizard.back()
    unsure.setCheckState(Qt.CheckState.Checked)  # what a click on the cell's box does
    assert wizard.model.confirmed == {PROBABLE}
    confirm = to_ready_to_remove(wizard)
    assert sorted(uninstalls(wizard)) == sorted([CERTAIN, PROBABLE])
    assert "Kaspersky Total Security" in confirm.summary.text()
    ticked = wizard.model.plan()
    assert ticked.fingerprint != unticked
    assert {f["id"]: f["removed"] for f in ticked.found if f["kind"] == "installed"} == {CERTAIN: True, PROBABLE: True}
    # What the action button does before the Migrating page starts (not pressed here: nothing may run on this
    # machine): the consent is to the plan with the tick.
    assert confirm.validatePage()
    assert wizard.model.may_start() and wizard.model.plan().fingerprint == ticked.fingerprint


def test_unticking_after_agreeing_takes_the_consent_back(qtbot) -> None:
    """The person agreed to a plan that removes the probable product, then went back and unticked it: the
    removal may not start on the old consent, and the new plan keeps the product."""
    wizard = wizard_for(qtbot, PRODUCTS)
    unsure = next(i for t, i in product_cells(wizard.page_as(FoundPage)).items() if t.startswith("Kaspersky Total"))
    unsure.setCheckState(Qt.CheckState.Checked)
    confirm = to_ready_to_remove(wizard)
    assert sorted(uninstalls(wizard)) == sorted([CERTAIN, PROBABLE])
    assert confirm.validatePage() and wizard.model.may_start()

    while wizard.currentId() != page_id("found"):
        wizard.back()
    unsure.setCheckState(Qt.CheckState.Unchecked)
    assert not wizard.model.may_start()
    to_ready_to_remove(wizard)
    assert uninstalls(wizard) == [CERTAIN]


def test_a_probable_leftover_is_kept_unless_its_box_is_ticked(qtbot) -> None:
    wizard = wizard_for(qtbot, LEFTOVERS)
    found = wizard.page_as(FoundPage)
    box = found.probable
    assert isinstance(box, QCheckBox) and box.isVisible() and "klif.sys" in box.text()
    assert not box.isChecked()

    confirm = to_ready_to_remove(wizard)
    assert wizard.model.plan().step("cleanup").params["leftovers"] == ["folder C:\\ProgramData\\Kaspersky Lab\\"]
    assert "one part Kaspersky left behind" in confirm.summary.text()  # the folder, not the unticked file

    while wizard.currentId() != page_id("found"):
        wizard.back()
    box.click()
    confirm = to_ready_to_remove(wizard)
    assert sorted(wizard.model.plan().step("cleanup").params["leftovers"]) == sorted(
        ["folder C:\\ProgramData\\Kaspersky Lab\\", "file klif.sys"]
    )
    assert "2 parts Kaspersky left behind" in confirm.summary.text()
    box_again = wizard.page_as(FoundPage).probable
    assert box_again.isChecked()


def test_the_technical_details_are_rows_a_person_can_read_out(qtbot) -> None:
    wizard = wizard_for(qtbot, PRODUCTS)
    found = wizard.page_as(FoundPage)
    found.details_button.click()
    table = found.details
    items = [[table.item(r, c) for c in range(table.columnCount())] for r in range(table.rowCount())]
    rows = [tuple(item.text() if item else "" for item in row) for row in items]
    assert (
        "Installed: Kaspersky Total Security",
        "Uninstall entry",
        "Kaspersky Total Security 21.3, no publisher",
    ) in [row[:3] for row in rows]
    [probable] = [row for row in rows if row[2] == "Kaspersky Total Security 21.3, no publisher"]
    assert "without publisher" in probable[3] and probable[4] == "probable"
    assert any(row[2].startswith("Kaspersky Endpoint Security for Windows") and row[4] == "certain" for row in rows)
    assert not any(cell.lstrip().startswith(("{", '"')) for row in rows for cell in row)
