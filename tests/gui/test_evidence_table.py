"""The Found page's technical details on a real scan: a private dpkg root with Kaspersky-shaped packages and a
look-alike, scanned by the page itself. Each piece of evidence is a row of a table (finding, what, where or
value, rule, certainty) in words, never the inventory's JSON, and the helpdesk can copy rows into a ticket."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QGuiApplication

from offramp.core.wizard_flow import WizardModel
from offramp.gui.pages.found import FoundPage
from offramp.gui.widgets.evidence import EvidenceTable
from offramp.gui.wizard import OfframpWizard
from tests.support import linux_fixtures as fx
from tests.support.pkgbed import DpkgRoot

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

pytestmark = pytest.mark.gui
COLUMNS = ["Finding", "What", "Where or value", "Rule", "Certainty"]


@pytest.fixture
def found(qtbot, dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> FoundPage:
    dpkg_root.install(*(built_packages.deb(s) for s in (fx.KESL, fx.KLNAGENT64, fx.KLEOPATRA)))
    model = WizardModel(support_code="EVD-777", root=str(dpkg_root.path))
    wizard = OfframpWizard(model)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    qtbot.waitUntil(lambda: model.scan is not None, timeout=30_000)
    return wizard.page_as(FoundPage)


def cell(table: EvidenceTable, row: int, column: int) -> str:
    item = table.item(row, column)
    assert item is not None, (row, column)
    return item.text()


def rows(table: EvidenceTable) -> list[tuple[str, ...]]:
    """What each row of the table shows, cell by cell."""
    return [tuple(cell(table, r, c) for c in range(table.columnCount())) for r in range(table.rowCount())]


def deb(spec) -> str:
    return f"{spec.name} {spec.version}-{spec.release}"  # as dpkg reports the package's version


def test_the_rows_show_the_evidence_of_the_scan_in_words(found: FoundPage) -> None:
    table = found.details
    assert isinstance(table, EvidenceTable) and not table.isVisible()
    found.details_button.click()
    assert table.isVisible()
    headers = [table.horizontalHeaderItem(c) for c in range(table.columnCount())]
    assert [h.text() if h else "" for h in headers] == COLUMNS
    shown = rows(table)
    by_package = {row[2].split(",")[0]: row for row in shown if row[1] == "Package (deb)"}
    kesl = by_package[deb(fx.KESL)]
    assert kesl[0] == "Installed: Kaspersky Endpoint Security for Linux" and kesl[4] == "certain" and kesl[3]
    agent = by_package[deb(fx.KLNAGENT64)]
    assert agent[0] == "Installed: Kaspersky Security Center Network Agent" and agent[4] == "certain"
    # The look-alike is listed with the reason it is left alone where a rule would stand.
    kleopatra = by_package[deb(fx.KLEOPATRA)]
    assert kleopatra[0].startswith("Left alone: ") and kleopatra[4] == "left alone"
    assert "nothing to do with Kaspersky" in kleopatra[3]
    # Every piece of evidence the scan kept is a row, and none is JSON.
    f = found.model.scan.findings  # type: ignore[union-attr]
    kept = [e for x in (*f.installed, *f.leftovers, *f.shared, *f.notes, *f.guest_installs) for e in x.evidence]
    assert len(shown) == len(kept) > 3
    cells = [cell for row in shown for cell in row]
    assert not [cell for cell in cells if "{" in cell or "}" in cell or '"table"' in cell]
    assert all(row[3] for row in shown), "a row without the rule that matched it"


def test_the_table_is_a_table_to_assistive_technology_and_copies_into_a_ticket(qtbot, found: FoundPage) -> None:
    found.details_button.click()
    table = found.details
    seen = QAccessible.queryAccessibleInterface(table)
    assert seen.role() == QAccessible.Role.Table and seen.text(QAccessible.Text.Name) == "Evidence rows"
    first = rows(table)[0]
    table.selectRow(0)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "\t".join(first)
