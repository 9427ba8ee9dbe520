"""Page 5: before anything is removed, the data the person could lose, each item to save and tick off."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QCheckBox, QLabel

from offramp.core.i18n import _, shown
from offramp.gui.pages.base import Page


class RescuePage(Page):
    name = "rescue"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        self.boxes: dict[str, QCheckBox] = {}
        self.labels: dict[str, QLabel] = {}
        self.nothing: QLabel | None = None
        self.reboot_note = self.text("")
        self.built = False
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setTitle(_("Before we remove anything"))
        self.setSubTitle(_("Nothing has been removed yet."))
        if self.built:
            self._words()

    def initializePage(self) -> None:
        if self.built:
            return
        self.built = True
        for risk in self.model.risks():
            box = QCheckBox(self)
            font = box.font()
            font.setBold(True)
            box.setFont(font)
            box.toggled.connect(lambda on, rid=risk.id: self._tick(rid, on))
            label = QLabel(self)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setContentsMargins(24, 0, 0, 6)
            self.layout_.insertWidget(self.layout_.count() - 1, box)
            self.layout_.insertWidget(self.layout_.count() - 1, label)
            self.boxes[risk.id] = box
            self.labels[risk.id] = label
        if not self.boxes:
            self.nothing = self.text("")
            self.layout_.insertWidget(0, self.nothing)
        self._words()
        self.layout_.addStretch(1)

    def _words(self) -> None:
        """The risks, what to do and the restart, in the current language."""
        for risk in self.model.risks():
            box, label = self.boxes.get(risk.id), self.labels.get(risk.id)
            if box is None or label is None:
                continue
            box.setText(shown(risk.title))
            box.setAccessibleName(box.text())
            text = _("{risk}<br><b>What to do:</b> {action}", risk=risk.risk, action=risk.action)
            if risk.warning:
                text += "<br>" + _("<b>Warning:</b> {warning}", warning=risk.warning)
            label.setText(text)
        if self.boxes:
            self.setSubTitle(
                _(
                    "Some things live only inside {vendor}. Save them now; tick each one when it is done or does not "
                    "apply to you. Nothing has been removed yet.",
                    vendor=self.model.vendor,
                )
            )
        elif self.nothing is not None:
            self.nothing.setText(_("Nothing needs saving for the products found. Click Next to see what happens."))
        # The same words as "Ready to remove": a restart that may be needed is not promised as certain.
        self.reboot_note.setText(
            {
                "required": _(
                    "<b>The computer will need to restart</b> once during the removal. "
                    "Offramp saves its place and carries on by itself afterwards."
                ),
                "maybe": _(
                    "<b>The computer may need to restart</b> during the removal. Offramp asks before it does, saves "
                    "its place and carries on by itself afterwards."
                ),
            }.get(self.model.reboot_expected(), _("No restart should be needed."))
        )

    @Slot()
    def _tick(self, risk_id: str, on: bool) -> None:
        (self.model.acknowledged.add if on else self.model.acknowledged.discard)(risk_id)
        self.completeChanged.emit()
