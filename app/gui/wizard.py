"""The Offramp wizard: seven pages over one WizardModel, a helpdesk view, and a Cancel that is safe mid-migration."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtGui import QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import QMessageBox, QWidget, QWizard

from app.core import paths
from app.core.wizard_flow import WizardModel
from app.gui.pages.base import Page, page_id
from app.gui.pages.choose import ChoosePage
from app.gui.pages.done import DonePage
from app.gui.pages.found import FoundPage
from app.gui.pages.migrate import MigratePage
from app.gui.pages.rescue import RescuePage
from app.gui.pages.welcome import WelcomePage
from app.gui.pages.why import WhyPage

PAGE_CLASSES = (WelcomePage, FoundPage, WhyPage, ChoosePage, RescuePage, MigratePage, DonePage)


class OfframpWizard(QWizard):
    def __init__(self, model: WizardModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.setWindowTitle(self.tr("Offramp"))
        self.setWindowIcon(QIcon(str(paths.resources_dir() / "icons" / "offramp.svg")))
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        self.setButtonText(QWizard.WizardButton.CustomButton1, self.tr("Helpdesk view"))
        helpdesk = self.button(QWizard.WizardButton.CustomButton1)
        helpdesk.setCheckable(True)
        helpdesk.setAccessibleName(self.tr("Helpdesk view: show step numbers and technical details"))
        helpdesk.setToolTip(self.tr("Show step numbers and technical details (Ctrl+H)"))
        helpdesk.toggled.connect(self.set_helpdesk)
        QShortcut(QKeySequence("Ctrl+H"), self, activated=helpdesk.toggle)
        self.pages: dict[str, Page] = {}
        for cls in PAGE_CLASSES:
            page = cls(model, self)
            self.pages[page.name] = page
            self.setPage(page_id(page.name), page)
        self.setStartId(page_id(model.start_page()))
        self.currentIdChanged.connect(self._page_changed)
        self.resize(820, 640)
        if model.helpdesk:
            helpdesk.setChecked(True)

    @Slot(bool)
    def set_helpdesk(self, on: bool) -> None:
        self.model.helpdesk = on
        for page in self.pages.values():
            page.set_helpdesk(on)
        self._page_changed(self.currentId())

    @Slot(int)
    def _page_changed(self, current: int) -> None:
        if current < 0:
            return
        base = self.tr("Offramp")
        self.setWindowTitle(
            f"{base} — {self.tr('Page {0} of {1}').format(current + 1, len(self.pages))}"
            if self.model.helpdesk
            else base
        )

    def reject(self) -> None:
        migrate = self.pages["migrate"]
        if self.currentId() == page_id("migrate") and not self.model.finished and migrate.task is not None:
            if migrate.cancel():
                QMessageBox.information(
                    self,
                    self.tr("Stopping safely"),
                    self.tr(
                        "Offramp stops after the current step, so nothing is left half "
                        "done. You can start it again later to carry on."
                    ),
                )
            return
        super().reject()
