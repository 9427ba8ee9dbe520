"""Page 6, "Ready to remove": what will be removed and installed, what cannot be undone, whether a restart is
needed, whether what the uninstallers leave behind is deleted or kept (a tick box: the clean-up asks
nothing more once the run has started), and one button named after the action. Nothing irreversible
happens before it is pressed."""

from __future__ import annotations

import html

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QCheckBox, QWizard

from offramp.core.i18n import _, ngettext, shown
from offramp.gui.pages.base import Page


class ConfirmPage(Page):
    name = "confirm"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
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
        self.shown_once = False
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setTitle(_("Ready to remove"))
        self.setSubTitle(_("Nothing has been changed yet. Check this list, then press the button below."))
        if self.shown_once:
            self.initializePage()

    @Slot(bool)
    def _clean_up(self, on: bool) -> None:
        self.model.clear_leftovers = on
        self.initializePage()  # what cannot be undone changes with it

    def initializePage(self) -> None:
        self.shown_once = True
        ready = self.model.ready()
        vendor = self.model.vendor
        self.clean_up.setText(_("Also delete what {vendor} leaves behind", vendor=vendor))
        self.clean_up_note.setText(
            _(
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
                + ("<br>" + _("Can take with it: {items}", items=e(", ".join(map(shown, risks)))) if risks else "")
                + "</li>"
                for name, risks in ready.removed
            )
            parts.append(_("<p><b>Will be removed:</b></p><ul>{items}</ul>", items=items))
        if ready.leftovers:
            vendor_ = e(vendor)
            parts.append(
                ngettext(
                    "<p><b>Will be cleaned up:</b> one part {vendor} left behind</p>",
                    "<p><b>Will be cleaned up:</b> {n} parts {vendor} left behind</p>",
                    ready.leftovers,
                    vendor=vendor_,
                )
                if self.model.clear_leftovers
                else ngettext(
                    "<p><b>Will be kept:</b> one part {vendor} left behind</p>",
                    "<p><b>Will be kept:</b> {n} parts {vendor} left behind</p>",
                    ready.leftovers,
                    vendor=vendor_,
                )
            )
        if ready.installed and ready.builtin:
            parts.append(
                _(
                    "<p><b>Will be switched on:</b> {name} (already part of this computer: nothing to download)</p>",
                    name=e(ready.installed),
                )
            )
        elif ready.installed:
            how = (
                _("you install it from its maker's website; Offramp opens the page at the right moment")
                if ready.guided
                else _("Offramp installs it, nothing to click")
            )
            parts.append(_("<p><b>Will be installed:</b> {name} ({how})</p>", name=e(ready.installed), how=how))
        else:
            parts.append(
                _(
                    "<p><b>Nothing will be installed.</b> This computer will rely on the protection its system "
                    "provides.</p>"
                )
            )
        if ready.irreversible:
            items = "".join(f"<li>{e(shown(line))}</li>" for line in ready.irreversible)
            parts.append(_("<p><b>Cannot be undone:</b></p><ul>{items}</ul>", items=items))
        restart = {
            "required": _(
                "<b>The computer will restart once</b> during the removal. Save your work in other programs first."
            ),
            "maybe": _("<b>The computer may need to restart</b> during the removal. Offramp asks before it does."),
            "none": _("No restart should be needed."),
        }[ready.restart]
        parts.append(f"<p>{restart}</p>")
        if ready.installed and ready.builtin:
            # Nothing is downloaded or checked beforehand for what is part of the system: it is checked afterwards.
            parts.append(
                "<p>"
                + _(
                    "Once {vendor} is removed, Offramp checks {name} and tells you what it could confirm and what "
                    "you should check yourself.",
                    vendor=e(vendor),
                    name=e(ready.installed),
                )
                + "</p>"
            )
        elif ready.installed:
            parts.append(
                "<p>"
                + _("Before anything is removed, Offramp makes sure {name} is ready.", name=e(ready.installed))
                + "</p>"
            )
        self.summary.setText("".join(parts))
        # The wizard's own Next button becomes the action: pressing it is the consent.
        self.setButtonText(QWizard.WizardButton.CommitButton, shown(ready.action))

    def validatePage(self) -> bool:
        self.model.consent()
        return True
