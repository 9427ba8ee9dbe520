"""Page 1: what Offramp will do, that nothing changes without consent or leaves the machine, and the support code.

Working from an offline bundle, it also says so, naming the bundle, and checks every file in it (in the
background: an installer can be large) before the person may go on; a bundle that fails the check is
refused here, in words.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel

from offramp.core import i18n
from offramp.core.i18n import _
from offramp.core.wizard_flow import BundleCheck
from offramp.gui import language
from offramp.gui.pages.base import Page, rich_label


class WelcomePage(Page):
    name = "welcome"
    language_chosen = Signal(str)  # the language the person picked in the menu; the wizard speaks it

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        # The language menu first, where a person who cannot read English looks before anything else.
        choose = QHBoxLayout()
        self.language_label = QLabel(self)
        self.languages = QComboBox(self)
        for code, own_name in language.names():
            self.languages.addItem(own_name, code)
        self.languages.setCurrentIndex(max(0, self.languages.findData(i18n.current())))
        self.language_label.setBuddy(self.languages)
        self.languages.activated.connect(lambda index: self.language_chosen.emit(self.languages.itemData(index)))
        choose.addWidget(self.language_label)
        choose.addWidget(self.languages)
        choose.addStretch(1)
        self.layout_.addLayout(choose)
        self.intro = self.text("")
        self.code = QLabel(self)
        rich_label(self.code)
        self.code.setWordWrap(True)
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
            self.layout_.addWidget(self.offline)
        self.layout_.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        model = self.model
        vendor, _date = model.headline()
        self.setTitle(_("Welcome to Offramp"))
        self.setSubTitle(_("Moving this computer safely off {vendor}", vendor=vendor))
        self.language_label.setText(_("Language:"))
        self.languages.setAccessibleName(_("Language"))
        self.languages.view().setAccessibleName(_("Language"))  # the list the menu opens
        self.intro.setText(
            _(
                "<p><b>{headline}</b> Offramp helps you replace it, step by step:</p>"
                "<ol><li>look for {vendor} and anything it left behind,</li>"
                "<li>explain what the ban means for this computer,</li>"
                "<li>let you choose a replacement,</li>"
                "<li>help you keep what you could lose, such as saved passwords,</li>"
                "<li>remove {vendor}, install your choice, and check you are protected.</li></ol>"
                "<p><b>Nothing changes without your consent</b>, and <b>nothing leaves this computer</b>: "
                "Offramp sends no data anywhere.</p>",
                vendor=vendor,
                headline=model.headline_sentence(),
            )
        )
        self.intro.setAccessibleDescription(_("What Offramp does"))
        self.code.setText(
            _(
                "Your support code: <b style='font-size:16pt'>{code}</b><br>"
                "<span>If you call for help, read this code aloud. It is also at the top "
                "of the log and the report.</span>",
                code=model.support_code,
            )
        )
        self.code.setAccessibleDescription(_("Your support code"))
        if self.offline is not None:
            self.offline.setAccessibleDescription(_("Offline bundle"))
            self._show_bundle()

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
        self._checked(BundleCheck(None, [], _("Offramp could not check it ({problem}).", problem=message)))

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
            text = _(
                "<b>This offline bundle cannot be used.</b> Offramp was started from the bundle “{name}” ({folder}), "
                "and checked it: {problem}<br>Nothing on this computer was changed. Ask for a new copy of the "
                "bundle, or call your helpdesk and read them your support code.",
                name=name,
                folder=where,
                problem=html.escape(printable(i18n.shown(problem))),
            )
        elif bundle is None:
            text = _(
                "<b>Working offline</b> from the bundle “{name}” ({folder}). Checking that its files are complete "
                "and unchanged…",
                name=name,
                folder=where,
            )
        else:
            made = _(", made on {date},", date=bundle.created[:10]) if bundle.created else ""
            text = _(
                "<b>Working offline.</b> Offramp uses only the bundle “{name}”{made} in {folder}: the replacements "
                "it offers and their installers come from that folder, and Offramp connects to nothing. Its "
                "files were checked and are as they were when the bundle was made.",
                name=name,
                made=made,
                folder=where,
            )
        self.offline.setText(text)
