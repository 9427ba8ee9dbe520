"""The Offramp wizard: seven pages over one WizardModel, a helpdesk view, and a Cancel that is safe mid-migration.

Only the first page is built before the window appears. Each later page, and the modules behind it (the
migration engine, the timeline chart), is built when the person first moves towards it: building all
seven up front doubled the time to the first page.
"""

from __future__ import annotations

import importlib
from typing import TypeVar

from PySide6.QtCore import Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QWidget, QWizard

from app.core import paths
from app.core.wizard_flow import PAGES, WizardModel
from app.gui.pages.base import Page, page_id

P = TypeVar("P", bound=Page)

# Where each page's class lives, imported on first use.
PAGE_CLASSES = {
    "welcome": "app.gui.pages.welcome:WelcomePage",
    "found": "app.gui.pages.found:FoundPage",
    "why": "app.gui.pages.why:WhyPage",
    "choose": "app.gui.pages.choose:ChoosePage",
    "rescue": "app.gui.pages.rescue:RescuePage",
    "migrate": "app.gui.pages.migrate:MigratePage",
    "done": "app.gui.pages.done:DonePage",
}


def window_icon() -> QIcon:
    """Offramp's icon: the PNGs a frozen build draws from the SVG, one per size (Qt decodes only the size it
    shows), else, running from source, the SVG itself."""
    icons = paths.resources_dir() / "icons"
    drawn = sorted((icons / "window").glob("*.png"))
    if not drawn:
        return QIcon(str(icons / "offramp.svg"))
    icon = QIcon()
    for png in drawn:
        icon.addFile(str(png))
    return icon


class OfframpWizard(QWizard):
    def __init__(self, model: WizardModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.setWindowTitle(self.tr("Offramp"))
        self.setWindowIcon(window_icon())
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        self.setButtonText(QWizard.WizardButton.CustomButton1, self.tr("Helpdesk view"))
        helpdesk = self.button(QWizard.WizardButton.CustomButton1)
        helpdesk.setCheckable(True)
        helpdesk.setAccessibleName(self.tr("Helpdesk view: show step numbers and technical details"))
        helpdesk.setToolTip(self.tr("Show step numbers and technical details (Ctrl+H)"))
        helpdesk.toggled.connect(self.set_helpdesk)
        # The button's own shortcut, given as text through Qt's property system: same effect as a QShortcut,
        # without building PySide6's QKeySequence class (its enums) before the first page appears. Set after
        # the button's text, because setting a button's text clears its shortcut.
        helpdesk.setProperty("shortcut", "Ctrl+H")
        self.pages: dict[str, Page] = {}  # the pages built so far, by name
        start = model.start_page()
        self.page_named(start)
        self.setStartId(page_id(start))
        self.currentIdChanged.connect(self._page_changed)
        self.resize(820, 640)
        if model.helpdesk:
            helpdesk.setChecked(True)

    def page_as(self, kind: type[P]) -> P:
        """The page of class `kind`, built the first time it is asked for, as that class (for its widgets)."""
        page = self.page_named(kind.name)
        if not isinstance(page, kind):
            raise TypeError(f"the {kind.name!r} page is a {type(page).__name__}, not a {kind.__name__}")
        return page

    def page_named(self, name: str) -> Page:
        """The page called `name`, built and added to the wizard the first time it is asked for."""
        page = self.pages.get(name)
        if page is None:
            module, cls = PAGE_CLASSES[name].split(":")
            page = getattr(importlib.import_module(module), cls)(self.model, self)
            page.set_helpdesk(self.model.helpdesk)
            self.pages[name] = page
            self.setPage(page_id(name), page)
        return page

    def validateCurrentPage(self) -> bool:
        """Qt asks this before it moves on; the page it moves to must exist by then."""
        if not super().validateCurrentPage():
            return False
        following = self.nextId()
        if following != -1:
            self.page_named(PAGES[following])
        return True

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
            f"{base} — {self.tr('Page {0} of {1}').format(current + 1, len(PAGES))}" if self.model.helpdesk else base
        )

    def reject(self) -> None:
        page = self.currentPage()
        # A page whose work is still running (the migration) is asked to stop at a safe point; the wizard stays.
        if isinstance(page, Page) and page.cancel():
            from PySide6.QtWidgets import QMessageBox

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
