"""The Found page's technical details: the evidence behind each finding as rows of a table, not raw JSON.

One row per piece of evidence: the finding it backs, what it is (an uninstall entry, a service, a file…),
where it is or what it says, the rule that matched it and how certain that makes it. The words come from
the core (offramp.core.output.evidence.finding_table), which `offramp scan` also prints; this widget only
lays them out. A helpdesk person can copy the selected rows (Ctrl+C) into a ticket.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from offramp.core.i18n import _
from offramp.core.output.evidence import EvidenceLine, finding_table
from offramp.core.scan.findings import Findings

WHERE = 2  # the column with paths and values: it takes the room that is left, and wraps
NARROW = 28  # characters at most for the other columns before their text wraps
SHOWN_LINES = 18  # lines of text the table shows before it scrolls


class EvidenceTable(QTableWidget):
    """Evidence rows: finding, what, where or value, rule, certainty."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, 5, parent)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(True)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)  # rows of wrapped text, told apart without a grid
        self.setCornerButtonEnabled(False)
        header = self.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column in range(self.columnCount()):
            mode = QHeaderView.ResizeMode.Stretch if column == WHERE else QHeaderView.ResizeMode.Interactive
            header.setSectionResizeMode(column, mode)
        # Wrapped rows are as tall as their text once the columns have their widths, not before.
        header.sectionResized.connect(lambda *_unused: self.resizeRowsToContents())
        self.setMinimumHeight(self.fontMetrics().height() * SHOWN_LINES)
        self.lines: list[EvidenceLine] = []
        self.retranslate()

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels([_("Finding"), _("What"), _("Where or value"), _("Rule"), _("Certainty")])
        for corner in self.findChildren(QAbstractButton):  # the unused "select all" corner still needs a name
            corner.setAccessibleName(_("Select all rows"))

    def show_findings(self, findings: Findings) -> None:
        """Fills the table with the evidence behind every finding of a scan."""
        self.lines = finding_table(findings)
        self.setRowCount(len(self.lines))
        for row, line in enumerate(self.lines):
            for column, text in enumerate(line):
                item = QTableWidgetItem(text)
                item.setToolTip(text)  # a long path cut by the column is still readable whole
                self.setItem(row, column, item)
        for column in range(self.columnCount()):
            if column != WHERE:
                self.resizeColumnToContents(column)
                # A long rule or product name must not push the paths off the page: it wraps instead.
                self.setColumnWidth(
                    column, min(self.columnWidth(column), self.fontMetrics().averageCharWidth() * NARROW)
                )
        self.resizeRowsToContents()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.resizeRowsToContents()  # the first time it is shown the columns have their real widths

    def selected_text(self) -> str:
        """The selected rows (all of them when none is selected), tab-separated, one line each."""
        chosen = sorted({index.row() for index in self.selectedIndexes()}) or range(len(self.lines))
        return "\n".join("\t".join(self.lines[row]) for row in chosen)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            QGuiApplication.clipboard().setText(self.selected_text())
            event.accept()
            return
        super().keyPressEvent(event)
