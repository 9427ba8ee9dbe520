"""Page 2: the scan runs in the background; then what was found, in words, with the evidence one click away."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QCheckBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
)

from offramp.gui.pages.base import Page
from offramp.gui.widgets.evidence import EvidenceTable
from offramp.gui.worker import Task

UNREADABLE = "not readable"  # explained under the table: a "?" alone would leave the person guessing


def _age(days: int | None, date: str | None) -> str:
    if date is None:
        return UNREADABLE
    return f"{date[:10]} ({days} days old)"


class FoundPage(Page):
    name = "found"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        self.setTitle(self.tr("What we found"))
        self.setSubTitle(
            self.tr("Offramp looks at installed programs, services, drivers and folders. Nothing is changed.")
        )
        self.status = self.text(self.tr("Looking…"), name=self.tr("Scan status"))
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setAccessibleName(self.tr("Scan progress"))
        self.layout_.addWidget(self.progress)
        # A table, not a tree: rows and columns are what assistive technology should announce.
        self.products = QTableWidget(0, 4, self)
        self.products.setHorizontalHeaderLabels(
            [self.tr("Product"), self.tr("Version"), self.tr("Running"), self.tr("Virus definitions")]
        )
        rows = self.products.verticalHeader()
        rows.setVisible(False)
        rows.setMinimumSectionSize(1)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)  # a line of text, not Qt's 30 px
        self.products.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.products.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.products.setShowGrid(False)
        self.products.setCornerButtonEnabled(False)
        for corner in self.products.findChildren(QAbstractButton):  # the "select all" corner, unused and hidden
            corner.setAccessibleName(self.tr("Select all rows"))
        self.products.setAccessibleName(self.tr("{0} products found").format(model.vendor))
        header = self.products.horizontalHeader()
        header.setDefaultAlignment(header.defaultAlignment().AlignLeft | header.defaultAlignment().AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.layout_.addWidget(self.products)
        self.others = QLabel(self)
        self.others.setWordWrap(True)
        self.others.setAccessibleDescription(self.tr("Leftovers and other security software"))
        self.layout_.addWidget(self.others)
        # Probable leftovers (a file known only by its name) are removed only when the person ticks this.
        self.probable = QCheckBox(self)
        self.probable.setVisible(False)
        self.probable.toggled.connect(self._confirm_leftovers)
        self.layout_.addWidget(self.probable)
        self.details_button, self.details = self.expands(
            self.tr("Show the technical details"), self.tr("Evidence rows"), EvidenceTable(self)
        )
        self.details_button.toggled.connect(self._show_details)
        self.layout_.addStretch(1)  # the content sits at the top, not spread down the page
        self._task: Task | None = None
        self.error: str | None = None

    def initializePage(self) -> None:
        if self.model.scan is not None and self._task is None and not self.progress.isHidden():
            self._on_finished(self.model.scan)  # scanned before the page was shown (an inventory file)
            return
        if self.model.scan is not None or self._task is not None:
            return
        from offramp.core.scan.run import run_scan

        # With one catalogue chosen, the one the first page read its headline from: the scan does not build it
        # again. Without, every shipped catalogue is scanned.
        root = Path(self.model.root) if self.model.root else None
        if self.model.catalogue_id:
            self._task = Task(run_scan, self, root=root, catalogue=self.model.catalogue)
        else:
            self._task = Task(run_scan, self, root=root)
        self._task.progress.connect(self._on_progress)
        self._task.finished.connect(self._on_finished)
        self._task.failed.connect(self._on_failed)
        self._task.start()

    def set_helpdesk(self, on: bool) -> None:
        self.details_button.setChecked(on)

    @Slot(bool)
    def _show_details(self, on: bool) -> None:
        self.details.setVisible(on)

    @Slot(str, float)
    def _on_progress(self, message: str, fraction: float) -> None:
        self.status.setText(message)
        self.progress.setValue(int(fraction * 100))

    @Slot(object)
    def _on_finished(self, result) -> None:
        self.model.scan = result
        self.progress.setValue(100)
        self.progress.setVisible(False)
        self._fill(result)
        self.completeChanged.emit()

    @Slot(str, str)
    def _on_failed(self, message: str, details: str) -> None:
        from offramp.core import eventlog

        eventlog.get("gui").error(
            "scan failed: %s", message, extra={"event": "gui.scan.failed", "console": False, "traceback": details}
        )
        self.error = message
        self.status.setText(
            self.tr(
                "<b>The scan could not finish:</b> {0}<br>Close Offramp and start it again; "
                "if it happens again, call for help with your support code."
            ).format(message)
        )

    @Slot(QTableWidgetItem)
    def _confirm_product(self, item: QTableWidgetItem) -> None:
        product_id = item.data(Qt.ItemDataRole.UserRole)
        if product_id:
            if item.checkState() == Qt.CheckState.Checked:
                self.model.confirmed.add(product_id)
            else:
                self.model.confirmed.discard(product_id)

    @Slot(bool)
    def _confirm_leftovers(self, on: bool) -> None:
        for label in getattr(self, "_unsure", []):
            (self.model.confirmed.add if on else self.model.confirmed.discard)(label)

    def _fill(self, result) -> None:
        import html

        from offramp.core.textsafe import printable

        def shown(text: str) -> str:  # data into rich text: no control characters, no markup
            return html.escape(printable(text))

        f = result.findings
        vendor = self.model.vendor
        if f.installed:
            found = (
                self.tr("<b>Found one {0} product.</b> It").format(vendor)
                if len(f.installed) == 1
                else self.tr("<b>Found {0} {1} products.</b> They").format(len(f.installed), vendor)
            )
            self.status.setText(
                found
                + self.tr(
                    " will be removed only after you choose a replacement and press the button on the "
                    "Ready to remove page."
                )
            )
        elif f.leftovers:
            parts = self.tr("one part") if len(f.leftovers) == 1 else self.tr("{0} parts").format(len(f.leftovers))
            self.status.setText(
                self.tr("<b>{1} is not installed</b>, but it left {0} behind. Offramp can clean them up.").format(
                    parts, vendor
                )
            )
        else:
            self.status.setText(
                self.tr("<b>Nothing from {0} was found on this computer.</b> There is nothing to do.").format(
                    self.model.vendor
                )
            )
        self.products.setVisible(bool(f.installed))
        self.products.setRowCount(len(f.installed))
        for row, p in enumerate(f.installed):
            label = p.edition if p.edition and p.edition != p.name else p.name
            age = _age(p.definitions_age_days, p.definitions_date) if p.protects else self.tr("does not apply")
            if p.certainty != "certain":
                label = self.tr("{0} (probably: tick to confirm it is {1}'s)").format(label, p.name)
            version = printable(p.version) if p.version else self.tr(UNREADABLE)
            cells = [printable(label), version, self.tr("yes") if p.running else self.tr("no"), age]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 0 and p.certainty != "certain":
                    # Only certain findings are removed without a person saying so.
                    item.setData(Qt.ItemDataRole.UserRole, p.product_id)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    confirmed = p.product_id in self.model.confirmed
                    item.setCheckState(Qt.CheckState.Checked if confirmed else Qt.CheckState.Unchecked)
                self.products.setItem(row, column, item)
        self.products.itemChanged.connect(self._confirm_product)
        unsure = [x for x in f.leftovers if x.certainty != "certain"]
        listed = ", ".join(shown(f"{x.kind} {x.name}") for x in unsure[:4]) + (" …" if len(unsure) > 4 else "")
        self.probable.setText(
            self.tr("Also remove the probable leftover: {0}").format(listed)
            if len(unsure) == 1
            else self.tr("Also remove the {0} probable leftovers: {1}").format(len(unsure), listed)
        )
        self.probable.setVisible(bool(unsure))
        self._unsure = [f"{x.kind} {x.name}" for x in unsure]
        # As tall as its rows, no taller and no shorter: every product visible without scrolling.
        rows = sum(self.products.rowHeight(r) for r in range(len(f.installed))) or self.products.sizeHintForRow(0)
        height = self.products.horizontalHeader().sizeHint().height() + rows + 2 * self.products.frameWidth() + 2
        self.products.setMinimumHeight(height)
        self.products.setMaximumHeight(height)
        lines = []
        if any(p.protects and p.definitions_date is None for p in f.installed) or any(
            not p.version for p in f.installed
        ):
            lines.append(
                self.tr(
                    "<b>Not readable</b> means {0} did not record it where Offramp can read it. It does not "
                    "change what happens next."
                ).format(vendor)
            )
        if f.leftovers:
            lines.append(
                self.tr("<b>Left behind:</b> ")
                + ", ".join(shown(f"{x.kind} {x.name}") for x in f.leftovers[:8])
                + (" …" if len(f.leftovers) > 8 else "")
            )
        others = [shown(s.name + (f" ({s.state})" if s.state else "")) for s in f.other_security_products]
        if others:
            lines.append(self.tr("<b>Other security software:</b> ") + ", ".join(others))
        notes = [n.name for n in f.notes if n.name not in {s.name for s in f.other_security_products}]
        if notes:
            left_alone = self.tr("<b>Not {0}, left alone:</b> ").format(self.model.vendor)
            lines.append(left_alone + ", ".join(map(shown, notes)))
        self.others.setText("<br>".join(lines))
        self.others.setVisible(bool(lines))
        self.details.show_findings(f)  # the evidence in words, as `offramp scan` prints it
