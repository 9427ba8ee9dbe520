"""Page 1: what Offramp will do, that nothing changes without consent or leaves the machine, and the support code.

Working from an offline bundle, it also says so, naming the bundle, and checks every file in it (in the
background: an installer can be large) before the person may go on; a bundle that fails the check is
refused here, in words.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from offramp.core.wizard_flow import BundleCheck
from offramp.gui.pages.base import Page, rich_label


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
        self.offline: QLabel | None = None
        self._check = None  # the background check of the offline bundle, while it runs
        if model.offline is not None:
            self.offline = QLabel(self)
            rich_label(self.offline)
            self.offline.setWordWrap(True)
            self.offline.setObjectName("offlineNotice")
            self.offline.setAccessibleDescription(self.tr("Offline bundle"))
            self.layout_.addWidget(self.offline)
        self.layout_.addStretch(1)

    def initializePage(self) -> None:
        if self.offline is None or self._check is not None or self.model.bundle is not None:
            self._show_bundle()
            return
        from offramp.gui.worker import Task  # only an offline start needs a thread before the first Next

        self._show_bundle()
        self._check = Task(lambda progress: self.model.open_offline(), self)
        self._check.finished.connect(self._checked)
        self._check.failed.connect(self._check_failed)
        self._check.start()

    def _checked(self, check: BundleCheck) -> None:
        self.model.take_bundle(check)  # here, on the window's thread, which alone reads the model
        self._show_bundle()
        self.completeChanged.emit()

    def _check_failed(self, message: str, details: str) -> None:
        from offramp.core import eventlog

        eventlog.get("gui").error(
            "bundle check failed: %s",
            message,
            extra={"event": "gui.bundle.failed", "console": False, "traceback": details},
        )
        self._checked(BundleCheck(None, [], self.tr("Offramp could not check it ({0}).").format(message)))

    def _show_bundle(self) -> None:
        """Says which bundle the wizard works from, and what its check found."""
        if self.offline is None or self.model.offline is None:
            return
        import html

        from offramp.core.textsafe import printable

        folder = self.model.offline
        where = html.escape(printable(str(folder)))
        name = html.escape(printable(folder.name or str(folder)))
        bundle, problem = self.model.bundle, self.model.bundle_problem
        if problem is not None:
            text = self.tr(
                "<b>This offline bundle cannot be used.</b> Offramp was started from the bundle “{0}” ({1}), "
                "and checked it: {2}<br>Nothing on this computer was changed. Ask for a new copy of the "
                "bundle, or call your helpdesk and read them your support code."
            ).format(name, where, html.escape(printable(problem)))
        elif bundle is None:
            text = self.tr(
                "<b>Working offline</b> from the bundle “{0}” ({1}). Checking that its files are complete and "
                "unchanged…"
            ).format(name, where)
        else:
            made = self.tr(", made on {0},").format(bundle.created[:10]) if bundle.created else ""
            text = self.tr(
                "<b>Working offline.</b> Offramp uses only the bundle “{0}”{1} in {2}: the replacements it "
                "offers and their installers come from that folder, and Offramp connects to nothing. Its "
                "files were checked and are as they were when the bundle was made."
            ).format(name, made, where)
        self.offline.setText(text)
