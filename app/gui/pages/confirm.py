"""Page 6, "Ready to remove": what will be removed and installed, what cannot be undone, whether a restart is
needed, whether what the uninstallers leave behind is deleted or kept (a tick box: the clean-up asks
nothing more once the run has started), and one button named after the action. Nothing irreversible
happens before it is pressed."""

from __future__ import annotations

import html

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QCheckBox, QWizard

from offramp.gui.pages.base import Page


class ConfirmPage(Page):
    name = "confirm"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        self.setTitle(self.tr("Ready to remove"))
        self.setSubTitle(self.tr("Nothing has been changed yet. Check this list, then press the button below."))
        # A commit page: once its button is pressed, Back no longer leads behind it, as in an installer.
        self.setCommitPage(True)
        self.summary = self.text("")
        self.clean_up = QCheckBox(self)
        self.clean_up.setChecked(model.clear_leftovers)
        self.clean_up.toggled.connect(self._clean_up)
        self.layout_.addWidget(self.clean_up)
        # The explanation wraps in a label of its own: a tick box's text never wraps, and would widen the page.
        self.clean_up_note = self.text("")
        self.clean_up_note.setContentsMargins(24, 0, 0, 0)
        self.clean_up_note.setBuddy(self.clean_up)
        self.layout_.addStretch(1)

    @Slot(bool)
    def _clean_up(self, on: bool) -> None:
        self.model.clear_leftovers = on
        self.initializePage()  # what cannot be undone changes with it

    def initializePage(self) -> None:
        ready = self.model.ready()
        vendor = self.model.vendor
        self.clean_up.setText(self.tr("Also delete what {0} leaves behind").format(vendor))
        self.clean_up_note.setText(
            self.tr(
                "Its own folders, services and settings, once it is removed. Files you keep in those folders "
                "yourself are never deleted. Untick this to keep them: the report then lists them for you."
            )
        )
        self.clean_up.setAccessibleDescription(self.clean_up_note.text())  # read with the box, not after it
        self.clean_up.setVisible(ready.cleanup)
        self.clean_up_note.setVisible(ready.cleanup)
        e = html.escape
        parts = []
        if ready.removed:
            items = "".join(
                f"<li>{e(name)}"
                + ("<br>" + self.tr("Can take with it: {0}").format(e(", ".join(risks))) if risks else "")
                + "</li>"
                for name, risks in ready.removed
            )
            parts.append(f"<p><b>{self.tr('Will be removed:')}</b></p><ul>{items}</ul>")
        if ready.leftovers:
            parts.append(
                "<p><b>"
                + (self.tr("Will be cleaned up:") if self.model.clear_leftovers else self.tr("Will be kept:"))
                + "</b> "
                + (
                    self.tr("one part {0} left behind").format(e(self.model.vendor))
                    if ready.leftovers == 1
                    else self.tr("{0} parts {1} left behind").format(ready.leftovers, e(self.model.vendor))
                )
                + "</p>"
            )
        if ready.installed and ready.builtin:
            parts.append(
                f"<p><b>{self.tr('Will be switched on:')}</b> {e(ready.installed)} "
                + self.tr("(already part of this computer: nothing to download)")
                + "</p>"
            )
        elif ready.installed:
            how = (
                self.tr("you install it from its maker's website; Offramp opens the page at the right moment")
                if ready.guided
                else self.tr("Offramp installs it, nothing to click")
            )
            parts.append(f"<p><b>{self.tr('Will be installed:')}</b> {e(ready.installed)} ({how})</p>")
        else:
            parts.append(
                "<p><b>"
                + self.tr("Nothing will be installed.")
                + "</b> "
                + self.tr("This computer will rely on the protection its system provides.")
                + "</p>"
            )
        if ready.irreversible:
            items = "".join(f"<li>{e(line)}</li>" for line in ready.irreversible)
            parts.append(f"<p><b>{self.tr('Cannot be undone:')}</b></p><ul>{items}</ul>")
        restart = {
            "required": self.tr(
                "<b>The computer will restart once</b> during the removal. Save your work in other programs first."
            ),
            "maybe": self.tr(
                "<b>The computer may need to restart</b> during the removal. Offramp asks before it does."
            ),
            "none": self.tr("No restart should be needed."),
        }[ready.restart]
        parts.append(f"<p>{restart}</p>")
        if ready.installed and ready.builtin:
            # Nothing is downloaded or checked beforehand for what is part of the system: it is checked afterwards.
            parts.append(
                "<p>"
                + self.tr(
                    "Once {0} is removed, Offramp checks {1} and tells you what it could confirm and what you "
                    "should check yourself."
                ).format(e(self.model.vendor), e(ready.installed))
                + "</p>"
            )
        elif ready.installed:
            parts.append(
                "<p>"
                + self.tr("Before anything is removed, Offramp makes sure {0} is ready.").format(e(ready.installed))
                + "</p>"
            )
        self.summary.setText("".join(parts))
        # The wizard's own Next button becomes the action: pressing it is the consent.
        self.setButtonText(QWizard.WizardButton.CommitButton, ready.action)

    def validatePage(self) -> bool:
        self.model.consent()
        return True
