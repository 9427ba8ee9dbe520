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

from offramp.core import i18n
from offramp.core.i18n import N_, _, ngettext
from offramp.gui.pages.base import Page
from offramp.gui.widgets.evidence import EvidenceTable
from offramp.gui.worker import Task

UNREADABLE = N_("not readable")  # explained under the table: a "?" alone would leave the person guessing


def _age(days: int | None, date: str | None) -> str:
    if date is None:
        return _(UNREADABLE)
    return ngettext("{date} ({n} day old)", "{date} ({n} days old)", days or 0, date=date[:10])


class FoundPage(Page):
    name = "found"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        self.status = self.text("")
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.layout_.addWidget(self.progress)
        # A table, not a tree: rows and columns are what assistive technology should announce.
        self.products = QTableWidget(0, 4, self)
        rows = self.products.verticalHeader()
        rows.setVisible(False)
        rows.setMinimumSectionSize(1)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)  # a line of text, not Qt's 30 px
        self.products.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.products.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.products.setShowGrid(False)
        self.products.setCornerButtonEnabled(False)
        header = self.products.horizontalHeader()
        header.setDefaultAlignment(header.defaultAlignment().AlignLeft | header.defaultAlignment().AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.layout_.addWidget(self.products)
        self.others = QLabel(self)
        self.others.setWordWrap(True)
        self.layout_.addWidget(self.others)
        # Probable leftovers (a file known only by its name) are removed only when the person ticks this.
        self.probable = QCheckBox(self)
        self.probable.setVisible(False)
        self.probable.toggled.connect(self._confirm_leftovers)
        self.layout_.addWidget(self.probable)
        self.details_button, self.details = self.expands("", "", EvidenceTable(self))
        self.details_button.toggled.connect(self._show_details)
        self.products.itemChanged.connect(self._confirm_product)
        self.layout_.addStretch(1)  # the content sits at the top, not spread down the page
        self._task: Task | None = None
        self.error: str | None = None
        self._unsure: list[str] = []
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setTitle(_("What we found"))
        self.setSubTitle(_("Offramp looks at installed programs, services, drivers and folders. Nothing is changed."))
        self.status.setAccessibleDescription(_("Scan status"))
        self.progress.setAccessibleName(_("Scan progress"))
        self.products.setHorizontalHeaderLabels([_("Product"), _("Version"), _("Running"), _("Virus definitions")])
        for corner in self.products.findChildren(QAbstractButton):  # the "select all" corner, unused and hidden
            corner.setAccessibleName(_("Select all rows"))
        self.products.setAccessibleName(_("{vendor} products found", vendor=self.model.vendor))
        self.others.setAccessibleDescription(_("Leftovers and other security software"))
        self.details_button.setText(_("Show the technical details"))
        self.details_button.setAccessibleName(self.details_button.text())
        self.details.setAccessibleName(_("Evidence rows"))
        self.details.retranslate()
        if self.error is not None:
            self._say_failed()
        elif self.model.scan is not None and self.progress.isHidden():
            self._fill(self.model.scan)
        elif self._task is None:
            self.status.setText(_("Looking…"))

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

    @Slot(object, float)
    def _on_progress(self, message: object, fraction: float) -> None:
        self.status.setText(i18n.shown(message))
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
        self._say_failed()

    def _say_failed(self) -> None:
        self.status.setText(
            _(
                "<b>The scan could not finish:</b> {problem}<br>Close Offramp and start it again; "
                "if it happens again, call for help with your support code.",
                problem=self.error,
            )
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
        for label in self._unsure:
            (self.model.confirmed.add if on else self.model.confirmed.discard)(label)

    def _fill(self, result) -> None:
        import html

        from offramp.core.textsafe import printable

        def shown(text: str) -> str:  # data into rich text: no control characters, no markup
            return html.escape(printable(text))

        f = result.findings
        vendor = self.model.vendor
        if f.installed:
            self.status.setText(
                ngettext(
                    "<b>Found one {vendor} product.</b> It will be removed only after you choose a replacement and "
                    "press the button on the Ready to remove page.",
                    "<b>Found {n} {vendor} products.</b> They will be removed only after you choose a replacement "
                    "and press the button on the Ready to remove page.",
                    len(f.installed),
                    vendor=vendor,
                )
            )
        elif f.leftovers:
            self.status.setText(
                ngettext(
                    "<b>{vendor} is not installed</b>, but it left one part behind. Offramp can clean it up.",
                    "<b>{vendor} is not installed</b>, but it left {n} parts behind. Offramp can clean them up.",
                    len(f.leftovers),
                    vendor=vendor,
                )
            )
        else:
            self.status.setText(
                _("<b>Nothing from {vendor} was found on this computer.</b> There is nothing to do.", vendor=vendor)
            )
        self.products.setVisible(bool(f.installed))
        self.products.setRowCount(len(f.installed))
        for row, p in enumerate(f.installed):
            label = p.edition if p.edition and p.edition != p.name else p.name
            age = _age(p.definitions_age_days, p.definitions_date) if p.protects else _("does not apply")
            if p.certainty != "certain":
                label = _("{label} (probably: tick to confirm it is {name}'s)", label=label, name=p.name)
            version = printable(p.version) if p.version else _(UNREADABLE)
            cells = [printable(label), version, _("yes") if p.running else _("no"), age]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 0 and p.certainty != "certain":
                    # Only certain findings are removed without a person saying so.
                    item.setData(Qt.ItemDataRole.UserRole, p.product_id)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    confirmed = p.product_id in self.model.confirmed
                    item.setCheckState(Qt.CheckState.Checked if confirmed else Qt.CheckState.Unchecked)
                self.products.setItem(row, column, item)
        unsure = [x for x in f.leftovers if x.certainty != "certain"]
        listed = ", ".join(shown(f"{x.kind} {x.name}") for x in unsure[:4]) + (" …" if len(unsure) > 4 else "")
        self.probable.setText(
            ngettext(
                "Also remove the probable leftover: {items}",
                "Also remove the {n} probable leftovers: {items}",
                len(unsure),
                items=listed,
            )
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
                _(
                    "<b>Not readable</b> means {vendor} did not record it where Offramp can read it. It does not "
                    "change what happens next.",
                    vendor=vendor,
                )
            )
        if f.leftovers:
            left = ", ".join(shown(f"{x.kind} {x.name}") for x in f.leftovers[:8]) + (
                " …" if len(f.leftovers) > 8 else ""
            )
            lines.append(_("<b>Left behind:</b> {items}", items=left))
        others = [shown(s.name + (f" ({s.state})" if s.state else "")) for s in f.other_security_products]
        if others:
            lines.append(_("<b>Other security software:</b> {items}", items=", ".join(others)))
        notes = [n.name for n in f.notes if n.name not in {s.name for s in f.other_security_products}]
        if notes:
            lines.append(
                _("<b>Not {vendor}, left alone:</b> {items}", vendor=vendor, items=", ".join(map(shown, notes)))
            )
        self.others.setText("<br>".join(lines))
        self.others.setVisible(bool(lines))
        self.details.show_findings(f)  # the evidence in words, as `offramp scan` prints it
