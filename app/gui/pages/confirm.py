"""Page 6, "Ready to remove": what will be removed and installed, what cannot be undone, whether a restart is
needed, and one button named after the action. Nothing irreversible happens before it is pressed."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QWizard

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
        self.layout_.addStretch(1)

    def initializePage(self) -> None:
        ready = self.model.ready()
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
                + self.tr("Will be cleaned up:")
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
        if ready.installed:
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
