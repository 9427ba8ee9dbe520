"""Shown on a relaunch after a run stopped on a failure: what happened, what state the machine is in, and a
choice between carrying on (trying the step again) and starting over with a fresh scan."""

from __future__ import annotations

import html

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QRadioButton

from offramp.gui.pages.base import Page


class RecoverPage(Page):
    name = "recover"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        self.setTitle(self.tr("Offramp stopped last time"))
        self.setSubTitle(self.tr("Choose how to go on. Nothing happens until you press Next."))
        self.what = self.text("")
        self.carry_on = QRadioButton(self.tr("Try again from the step that stopped"), self)
        self.start_over = QRadioButton(self.tr("Start over: look at this computer again and choose again"), self)
        self.layout_.addWidget(self.carry_on)
        self.layout_.addWidget(self.start_over)
        self.help = self.text("")
        self.layout_.addStretch(1)
        self.carry_on.toggled.connect(self._chosen)
        self.carry_on.setChecked(True)

    def initializePage(self) -> None:
        from offramp.core.migrate.report import Report, ReportStep
        from offramp.core.output.verdict import machine_state

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
                self.tr("<p><b>It stopped at step {0} of {1}: {2}.</b></p><p>{3}</p><p>{4}</p>").format(
                    number, len(steps), e(title), e(message), e(machine_state(report))
                )
            )
        self.help.setText(
            self.tr("If it stops again, call your helpdesk and read them your support code: <b>{0}</b>").format(
                e(self.model.support_code)
            )
        )

    @Slot(bool)
    def _chosen(self, carry_on: bool) -> None:
        self.model.continue_run = carry_on

    def validatePage(self) -> bool:
        if not self.model.continue_run:
            self.model.start_over()
        return True
