"""Every control a person can reach has a name a screen reader can say; the helpdesk view shows numbers and details."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QWidget,
)

from offramp.gui.pages.base import page_id
from tests.gui.scanned import wizard_on

pytestmark = pytest.mark.gui
INVENTORY = {
    "platform": "windows",
    "programs": [
        {"name": "Kaspersky Total Security", "publisher": "Kaspersky Lab", "version": "21.2"},
        {"name": "Kaspersky Password Manager", "publisher": "Kaspersky"},
    ],
}


@pytest.fixture
def wizard(qtbot):
    return wizard_on(qtbot, INVENTORY, "ACC-777")


def named(widget: QWidget) -> bool:
    text = widget.text() if isinstance(widget, QAbstractButton) else ""
    return bool(widget.accessibleName() or text.replace("&", "").strip())


def test_every_control_on_every_page_has_a_name(wizard) -> None:
    kinds = (QAbstractButton, QLineEdit, QPlainTextEdit, QAbstractItemView, QProgressBar)
    for name in ("welcome", "found", "why", "choose", "rescue"):
        while wizard.currentId() != page_id(name):
            wizard.next()
        page = wizard.currentPage()
        # A table's header is part of the (named) table, not a control of its own.
        nameless = [
            type(w).__name__
            for w in page.findChildren(QWidget)
            if isinstance(w, kinds) and not isinstance(w, QHeaderView) and not named(w)
        ]
        assert nameless == [], f"{name}: {nameless}"
        focusable = [
            w
            for w in page.findChildren(QWidget)
            if isinstance(w, kinds) and w.isVisible() and w.focusPolicy() & Qt.FocusPolicy.TabFocus
        ]
        assert focusable or name in ("welcome", "why"), f"{name} has nothing to reach from the keyboard"


def test_the_timeline_describes_itself_in_words(wizard) -> None:
    while wizard.currentId() != page_id("why"):
        wizard.next()
    chart = wizard.pages["why"].chart
    assert chart.accessibleName() == "Ban timeline"
    assert "2024-09-29" in chart.accessibleDescription()


def test_helpdesk_view_numbers_pages_and_opens_details(wizard) -> None:
    wizard.next()
    assert "Page" not in wizard.windowTitle()
    wizard.set_helpdesk(True)
    assert wizard.windowTitle().endswith("Page 2 of 8")
    found = wizard.pages["found"]
    assert found.details.isVisible()
    shown = [found.details.item(r, 2).text() for r in range(found.details.rowCount())]
    assert any(text.startswith("Kaspersky Total Security") for text in shown), shown
    wizard.set_helpdesk(False)
    assert not found.details.isVisible()


def test_text_scales_with_the_system_font(wizard, qtbot) -> None:
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    label = wizard.pages["welcome"].code
    small = label.sizeHint()
    font = QApplication.font()
    bigger = QFont(font)
    bigger.setPointSizeF(font.pointSizeF() * 1.6)
    QApplication.setFont(bigger)
    try:
        QApplication.processEvents()
        grown = label.sizeHint()
        assert grown.height() > small.height() or grown.width() > small.width()
    finally:
        QApplication.setFont(font)


def test_each_label_gives_assistive_technology_its_own_text(wizard) -> None:
    """Through Qt's accessibility API (what the AT-SPI bridge reads): a short name never replaces a label's text."""
    from PySide6.QtGui import QAccessible, QTextDocument
    from PySide6.QtWidgets import QLabel

    for name in ("welcome", "found", "why", "choose", "rescue", "confirm"):
        while wizard.currentId() != page_id(name):
            wizard.next()
        for label in wizard.currentPage().findChildren(QLabel):
            if not label.isVisible() or not label.text():
                continue
            shown = QTextDocument()
            shown.setHtml(label.text())
            words = " ".join(shown.toPlainText().split())[:40]
            spoken = " ".join(QAccessible.queryAccessibleInterface(label).text(QAccessible.Text.Name).split())
            assert words in spoken, f"{name}: {spoken!r} hides {words!r}"


def test_the_found_table_is_a_table_and_the_timeline_a_chart(wizard) -> None:
    from PySide6.QtGui import QAccessible

    wizard.next()
    table = QAccessible.queryAccessibleInterface(wizard.pages["found"].products)
    assert table.role() == QAccessible.Role.Table
    wizard.next()
    chart = QAccessible.queryAccessibleInterface(wizard.pages["why"].chart)
    assert chart.role() == QAccessible.Role.Chart and chart.state().focusable
