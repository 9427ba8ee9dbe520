"""Page 1: what Offramp will do, that nothing changes without consent or leaves the machine, and the support code."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from app.gui.pages.base import Page, rich_label


class WelcomePage(Page):
    name = "welcome"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        self.setTitle(self.tr("Welcome to Offramp"))
        vendor, _date = model.headline()
        self.setSubTitle(self.tr("Moving this computer safely off {0}").format(vendor))
        self.text(
            self.tr(
                "<p><b>{1}</b> Offramp helps you replace it, step by step:</p>"
                "<ol><li>look for {0} and anything it left behind,</li>"
                "<li>explain what the ban means for this computer,</li>"
                "<li>let you choose a replacement,</li>"
                "<li>help you keep what you could lose, such as saved passwords,</li>"
                "<li>remove {0}, install your choice, and check you are protected.</li></ol>"
                "<p><b>Nothing changes without your consent</b>, and <b>nothing leaves this computer</b>: "
                "Offramp sends no data anywhere.</p>"
            ).format(vendor, model.headline_sentence()),
            name=self.tr("What Offramp does"),
        )
        self.code = QLabel(
            self.tr(
                "Your support code: <b style='font-size:16pt'>{0}</b><br>"
                "<span>If you call for help, read this code aloud. It is also at the top "
                "of the log and the report.</span>"
            ).format(model.support_code),
            self,
        )
        rich_label(self.code)
        self.code.setWordWrap(True)
        self.code.setAccessibleDescription(self.tr("Your support code"))
        self.code.setObjectName("supportCode")
        self.layout_.addSpacing(12)
        self.layout_.addWidget(self.code)
        self.layout_.addStretch(1)
