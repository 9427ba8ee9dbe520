"""Shown on a relaunch after a run stopped on a failure: what happened, what state the machine is in, and a
choice between carrying on (trying the step again) and starting over with a fresh scan."""

from __future__ import annotations

import html

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QRadioButton

from offramp.core.i18n import _, shown
from offramp.gui.pages.base import Page


class RecoverPage(Page):
    name = "recover"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        self.what = self.text("")
        self.carry_on = QRadioButton(self)
        self.start_over = QRadioButton(self)
        self.layout_.addWidget(self.carry_on)
        self.layout_.addWidget(self.start_over)
        self.help = self.text("")
        self.layout_.addStretch(1)
        self.carry_on.toggled.connect(self._chosen)
        self.carry_on.setChecked(True)
        self.shown_once = False
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setTitle(_("Offramp stopped last time"))
        self.setSubTitle(_("Choose how to go on. Nothing happens until you press Next."))
        self.carry_on.setText(_("Try again from the step that stopped"))
        self.start_over.setText(_("Start over: look at this computer again and choose again"))
        if self.shown_once:
            self.initializePage()

    def initializePage(self) -> None:
        from offramp.core.migrate.report import Report, ReportStep
        from offramp.core.output.verdict import machine_state

        self.shown_once = True
        stopped = self.model.stopped_step()
        state = self.model.resume_state
        steps = state.read_plan().steps if state else []
        statuses = state.statuses() if state else {}
        # What the stopped run did, as a report the core reads: the page says of the machine what the report would.
        report = Report(
            support_code=self.model.support_code,
            removed=[
                s.params.get("label", s.title) for s in steps if s.kind == "uninstall" and statuses.get(s.id) == "done"
            ],
            steps=[
                ReportStep(number=n, id=s.id, kind=s.kind, title=s.title, status=statuses.get(s.id, "pending"))
                for n, s in enumerate(steps, 1)
            ],
        )
        e = html.escape
        if stopped:
            number, title, message = stopped
            self.what.setText(
                _(
                    "<p><b>It stopped at step {number} of {total}: {title}.</b></p><p>{message}</p><p>{state}</p>",
                    number=number,
                    total=len(steps),
                    title=e(shown(title)),
                    message=e(shown(message)),
                    state=e(machine_state(report)),
                )
            )
        self.help.setText(
            _(
                "If it stops again, call your helpdesk and read them your support code: <b>{code}</b>",
                code=e(self.model.support_code),
            )
        )

    @Slot(bool)
    def _chosen(self, carry_on: bool) -> None:
        self.model.continue_run = carry_on

    def validatePage(self) -> bool:
        if not self.model.continue_run:
            self.model.start_over()
        return True
