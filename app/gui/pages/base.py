"""What every wizard page shares: the model, a scrollable body, helpdesk details, and 'may the person go on?'."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QToolButton, QVBoxLayout, QWidget, QWizardPage

from app.core.wizard_flow import PAGES, WizardModel


def page_id(name: str) -> int:
    return PAGES.index(name)


class Page(QWizardPage):
    name = ""

    def __init__(self, model: WizardModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.layout_ = QVBoxLayout(self)
        self.layout_.setSpacing(10)

    def text(self, html: str, *, links: bool = False, name: str | None = None) -> QLabel:
        label = QLabel(html, self)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction if links else Qt.TextInteractionFlag.TextSelectableByMouse
        )
        label.setOpenExternalLinks(links)
        if name:
            label.setAccessibleName(name)
        self.layout_.addWidget(label)
        return label

    def expandable(self, label: str, name: str) -> tuple[QToolButton, QPlainTextEdit]:
        """A toggle button and the read-only text it shows or hides (technical details, the log)."""
        button = QToolButton(self)
        button.setText(label)
        button.setCheckable(True)
        button.setAccessibleName(label)
        box = QPlainTextEdit(self)
        box.setReadOnly(True)
        box.setAccessibleName(name)
        box.setVisible(False)
        self.layout_.addWidget(button)
        self.layout_.addWidget(box, 1)
        return button, box

    def set_helpdesk(self, on: bool) -> None:
        """Helpdesk view: step numbers and technical details everywhere. Pages override to show more."""

    def nextId(self) -> int:
        following = self.model.next_page(self.name)
        return page_id(following) if following else -1

    def isComplete(self) -> bool:
        return self.model.can_leave(self.name)
