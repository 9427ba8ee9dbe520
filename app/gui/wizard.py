"""The Offramp wizard: its pages over one WizardModel, a helpdesk view, a window that fits the screen, and a
Cancel that is safe mid-migration and still lets the window close.

Only the first page is built before the window appears. Each later page, and the modules behind it (the
migration engine, the timeline chart), is built when the person first moves towards it: building all
seven up front doubled the time to the first page.
"""

from __future__ import annotations

import importlib
from typing import TypeVar

from PySide6.QtCore import QEvent, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QCheckBox, QWidget, QWizard

from offramp.core import eventlog, paths
from offramp.core.i18n import _
from offramp.core.wizard_flow import NUMBERED, PAGES, WizardModel
from offramp.gui.pages.base import Page, page_id

P = TypeVar("P", bound=Page)

# Where each page's class lives, imported on first use.
PAGE_CLASSES = {
    "welcome": "offramp.gui.pages.welcome:WelcomePage",
    "found": "offramp.gui.pages.found:FoundPage",
    "why": "offramp.gui.pages.why:WhyPage",
    "choose": "offramp.gui.pages.choose:ChoosePage",
    "rescue": "offramp.gui.pages.rescue:RescuePage",
    "confirm": "offramp.gui.pages.confirm:ConfirmPage",
    "recover": "offramp.gui.pages.recover:RecoverPage",
    "migrate": "offramp.gui.pages.migrate:MigratePage",
    "done": "offramp.gui.pages.done:DonePage",
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
        self.setWindowIcon(window_icon())
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        # On the last page there is nothing left to cancel: Finish alone, as an installer ends.
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        # A tick box in the button row, not a toggled push button: it shows whether the view is on.
        self.helpdesk = helpdesk = QCheckBox(self)
        self.setButton(QWizard.WizardButton.CustomButton1, helpdesk)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        helpdesk.toggled.connect(self.set_helpdesk)
        self.retranslate_window()
        self.fit_colours()
        self.pages: dict[str, Page] = {}  # the pages built so far, by name
        start = model.start_page()
        self.page_named(start)
        self.setStartId(page_id(start))
        self.currentIdChanged.connect(self._page_changed)
        self.currentIdChanged.connect(self._log_page)
        self._ready_logged = False  # whether this visit to the current page has logged that it may be left
        self.close_when_done = False  # Cancel or the close box was pressed while a step could not stop
        self.fit_to_screen(820, 640)
        if model.helpdesk:
            helpdesk.setChecked(True)

    def retranslate_window(self) -> None:
        """The window's own words in the current language: its title, the helpdesk box, and Qt's buttons, set
        here rather than left to Qt so that they follow Offramp's language (and its menu), not Qt's."""
        self.setWindowTitle(_("Offramp"))
        buttons = QWizard.WizardButton
        for button, text in (
            (buttons.BackButton, _("< &Back")),
            (buttons.NextButton, _("&Next >")),
            (buttons.CommitButton, _("&Commit")),
            (buttons.FinishButton, _("&Finish")),
            (buttons.CancelButton, _("&Cancel")),
            (buttons.CustomButton1, _("Helpdesk view")),  # the wizard writes its buttons' texts itself
        ):
            self.setButtonText(button, text)
        self.helpdesk.setAccessibleName(_("Helpdesk view: show step numbers and technical details"))
        self.helpdesk.setToolTip(_("Show step numbers and technical details (Ctrl+H)"))
        # The button's own shortcut, given as text through Qt's property system: same effect as a QShortcut,
        # without building PySide6's QKeySequence class (its enums) before the first page appears. Set after
        # the box's text, because setting a button's text to new words clears its shortcut.
        self.helpdesk.setProperty("shortcut", "Ctrl+H")

    @Slot(str)
    def use_language(self, language: str) -> None:
        """Speaks `language` from now on: the window, every page built so far, and what the core says."""
        from offramp.gui import language as languages

        languages.use(language)
        eventlog.event("gui.language", f"language: {language}", language=language)
        self.retranslate_window()
        for page in self.pages.values():
            page.retranslate()
        self._page_changed(self.currentId())

    def fit_colours(self) -> None:
        """Links readable on the system's palette (a dark mode's accent colour can be too dark to read on its
        window); every other colour stays the system's. Set on the application, not the window: under a style
        sheet, Qt gives each widget the application's palette rather than its parent's."""
        from PySide6.QtWidgets import QApplication

        from offramp.gui.colours import fit_links

        palette = QApplication.palette()  # a copy
        if fit_links(palette):  # once fitted, the change this causes finds nothing left to fit
            QApplication.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ApplicationPaletteChange:  # the system switched between light and dark
            self.fit_colours()
        super().changeEvent(event)

    def page_as(self, kind: type[P]) -> P:
        """The page of class `kind`, built the first time it is asked for, as that class (for its widgets)."""
        page = self.page_named(kind.name)
        if not isinstance(page, kind):
            raise TypeError(f"the {kind.name!r} page is a {type(page).__name__}, not a {kind.__name__}")
        return page

    def fit_to_screen(self, width: int, height: int) -> None:
        """Opens at the wanted size, or smaller: never larger than the screen's available area (at 200% a
        1920x1080 screen has 960x540 minus its panels), so Next and Cancel are always on screen."""
        screen = self.screen() or self.window().screen()
        if screen is not None:
            area = screen.availableGeometry()
            frame = 40  # the window manager's title bar and borders, which availableGeometry includes
            width = min(width, area.width() - frame // 4)
            height = min(height, area.height() - frame)
        self.resize(width, height)

    def go_to(self, name: str, *, fresh: bool = False) -> None:
        """Shows the page `name`, starting the wizard's history there (Qt only steps; this jumps, as an
        installer's "try another replacement" must). `fresh` rebuilds it and the pages before the run,
        so starting over scans again and shows nothing of the old answers."""
        if fresh:
            for stale in PAGES[PAGES.index(name) : PAGES.index("migrate")]:
                page = self.pages.pop(stale, None)
                if page is not None:
                    self.removePage(page_id(stale))
                    page.deleteLater()
        self.page_named(name)
        self.setStartId(page_id(name))
        self.restart()

    def page_named(self, name: str) -> Page:
        """The page called `name`, built and added to the wizard the first time it is asked for."""
        page = self.pages.get(name)
        if page is None:
            module, cls = PAGE_CLASSES[name].split(":")
            page = getattr(importlib.import_module(module), cls)(self.model, self)
            page.set_helpdesk(self.model.helpdesk)
            page.refresh_header()
            self.pages[name] = page
            self.setPage(page_id(name), page)
            page.completeChanged.connect(lambda name=name: self._log_ready(name))
            chosen = getattr(page, "language_chosen", None)
            if chosen is not None:
                chosen.connect(self.use_language)
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
        shown = [_("Offramp")]
        if self.model.helpdesk and PAGES[current] in NUMBERED:
            shown.append(_("Page {number} of {total}", number=current + 1, total=len(NUMBERED)))
        self.setWindowTitle(" — ".join(shown))

    @Slot(int)
    def _log_page(self, current: int) -> None:
        """Logs which page is showing and whether the person may already go on: a helpdesk reading the log
        sees where the person was and for how long, and a driver outside the window knows what it shows."""
        if current < 0:
            return
        name = PAGES[current]
        complete = self.pages[name].isComplete()
        eventlog.event(
            "wizard.page",
            f"page shown: {name}",
            page=name,
            number=NUMBERED.index(name) + 1 if name in NUMBERED else None,
            of=len(NUMBERED),
            complete=complete,
        )
        self._ready_logged = complete

    def _log_ready(self, name: str) -> None:
        """Logs, once a visit, that the page showing may now be left (the scan or the run has finished)."""
        if self._ready_logged or self.currentId() != page_id(name) or not self.pages[name].isComplete():
            return
        self._ready_logged = True
        eventlog.event("wizard.page.ready", f"page ready: {name}", page=name)

    def reject(self) -> None:
        """Cancel, Escape and the close box. Before the removal starts it closes; during a run it stops at
        the next point the core calls safe and, when a step cannot be stopped, says what is still running
        and closes once it has finished. The window can always be closed."""
        from offramp.gui.pages.migrate import MigratePage

        migrate = self.pages.get("migrate")
        if not isinstance(migrate, MigratePage) or not migrate.running():
            super().reject()
            return
        self.close_when_done = True
        migrate.cancel()  # the page says what is still running and that the window closes after it

    def run_ended(self) -> None:
        """The migration's worker has stopped: close now if the person asked to while it ran."""
        if self.close_when_done:
            super().reject()
