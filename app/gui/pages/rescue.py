"""Page 5: before anything is removed, the data the person could lose, each item to save and tick off."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QCheckBox, QLabel

from offramp.gui.pages.base import Page


class RescuePage(Page):
    name = "rescue"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        self.setTitle(self.tr("Before we remove anything"))
        self.setSubTitle(self.tr("Nothing has been removed yet."))
        self.boxes: dict[str, QCheckBox] = {}
        self.reboot_note = self.text("")

    def initializePage(self) -> None:
        if self.boxes:
            return
        risks = self.model.risks()
        for risk in risks:
            box = QCheckBox(risk.title, self)
            box.setAccessibleName(risk.title)
            font = box.font()
            font.setBold(True)
            box.setFont(font)
            box.toggled.connect(lambda on, rid=risk.id: self._tick(rid, on))
            text = f"{risk.risk}<br><b>{self.tr('What to do:')}</b> {risk.action}"
            if risk.warning:
                text += f"<br><b>{self.tr('Warning:')}</b> {risk.warning}"
            label = QLabel(text, self)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setContentsMargins(24, 0, 0, 6)
            self.layout_.insertWidget(self.layout_.count() - 1, box)
            self.layout_.insertWidget(self.layout_.count() - 1, label)
            self.boxes[risk.id] = box
        if risks:
            self.setSubTitle(
                self.tr(
                    "Some things live only inside {0}. Save them now; tick each one when it is done or does not "
                    "apply to you. Nothing has been removed yet."
                ).format(self.model.vendor)
            )
        else:
            nothing = self.text(self.tr("Nothing needs saving for the products found. Click Next to see what happens."))
            self.layout_.insertWidget(0, nothing)
        # The same words as "Ready to remove": a restart that may be needed is not promised as certain.
        self.reboot_note.setText(
            {
                "required": self.tr(
                    "<b>The computer will need to restart</b> once during the removal. "
                    "Offramp saves its place and carries on by itself afterwards."
                ),
                "maybe": self.tr(
                    "<b>The computer may need to restart</b> during the removal. Offramp asks before it does, saves "
                    "its place and carries on by itself afterwards."
                ),
            }.get(self.model.reboot_expected(), self.tr("No restart should be needed."))
        )
        self.layout_.addStretch(1)

    @Slot()
    def _tick(self, risk_id: str, on: bool) -> None:
        (self.model.acknowledged.add if on else self.model.acknowledged.discard)(risk_id)
        self.completeChanged.emit()
