"""Page 6: the plan's steps as a numbered checklist with live state, progress, cancel where safe and the log on demand.

The migration runs in a worker thread through the same session and runner as silent mode; the
person is asked things (a restart, a password, a guided install) through the request/reply bridge.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QInputDialog, QLineEdit, QListWidget, QListWidgetItem, QMessageBox, QProgressBar

from app.core import exitcodes
from app.core.migrate.context import Question
from app.gui.asking import AskBridge, Request
from app.gui.pages.base import Page
from app.gui.worker import Task

STEP = re.compile(r"^Step (\d+) of (\d+): ")
MARKS = {"done": "✓", "running": "▶", "failed": "✗", "waiting": "⏸", "cancelled": "✗", "pending": "•"}


class MigratePage(Page):
    name = "migrate"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        self.setTitle(self.tr("Migrating"))
        self.setSubTitle(self.tr("Please keep this window open. You can cancel between steps that are safe to stop."))
        self.current = self.text(self.tr("Preparing…"), name=self.tr("Current step"))
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setAccessibleName(self.tr("Migration progress"))
        self.layout_.addWidget(self.progress)
        self.steps = QListWidget(self)
        self.steps.setAccessibleName(self.tr("Steps"))
        self.layout_.addWidget(self.steps, 2)
        self.outcome = self.text("", name=self.tr("Outcome"))
        self.log_button, self.log = self.expandable(self.tr("Show the log"), self.tr("Log"))
        self.log_button.toggled.connect(self._toggle_log)
        self.bridge = AskBridge(self)
        self.bridge.asked.connect(self._answer)
        self.task: Task | None = None
        self.plan_steps: list[Any] = []
        self.statuses: dict[str, str] = {}
        self.helpdesk = False

    # --- start ------------------------------------------------------------------------------------------
    def initializePage(self) -> None:
        if self.task is not None:
            return
        self.statuses = self.model.resumed_statuses()
        self.plan_steps = self.model.plan().steps
        self._render_steps()
        self.task = Task(self._work, self)
        self.task.progress.connect(self._on_progress)
        self.task.finished.connect(self._on_finished)
        self.task.failed.connect(self._on_failed)
        self.task.start()

    def _work(self, progress, **_: Any):
        """Runs in the worker thread: the same session and runner as `offramp migrate`."""
        from app.core.migrate import session

        assert self.task is not None, "runs only inside the task initializePage starts"
        cancel = self.task.cancel_token
        prompt = lambda label, secret: self.bridge.ask(Question("password", label, label, secret=secret))  # noqa: E731
        if self.model.resume_state:
            runner = session.resume(
                progress=progress, cancelled=lambda: cancel.cancelled, ask=self.bridge.ask, prompt_secret=prompt
            )
        else:
            started, _scan = session.start(
                self.model.options(),
                progress=progress,
                cancelled=lambda: cancel.cancelled,
                ask=self.bridge.ask,
                prompt_secret=prompt,
                scan=self.model.scan,
                support_code=self.model.support_code,
            )
            if started is None:  # session.start returns no runner only when it scanned and found nothing
                raise session.SessionError("there is nothing to migrate on this machine")
            runner = started
        return runner.run()

    def cancel(self) -> bool:
        """Asks the run to stop at the next safe point. False when it is not running."""
        if self.task is None or self.model.finished:
            return False
        self.task.cancel_token.cancel()
        self.current.setText(self.tr("Stopping after the current step…"))
        return True

    # --- progress ----------------------------------------------------------------------------------------
    def _render_steps(self) -> None:
        self.steps.clear()
        total = len(self.plan_steps)
        for number, step in enumerate(self.plan_steps, 1):
            status = self.statuses.get(step.id, "pending")
            text = f"{MARKS.get(status, '•')}  " + self.tr("Step {0} of {1}: {2}").format(number, total, step.title)
            if self.helpdesk and step.detail:
                text += f"\n     {step.detail}  [{step.id}]"
            item = QListWidgetItem(text)
            item.setData(0x0100, step.id)
            item.setToolTip(step.detail)
            self.steps.addItem(item)

    @Slot(str, float)
    def _on_progress(self, message: str, fraction: float) -> None:
        self.progress.setValue(int(fraction * 100))
        self.current.setText(message)
        match = STEP.match(message)
        if match:
            number = int(match.group(1))
            for index, step in enumerate(self.plan_steps, 1):
                if index < number and self.statuses.get(step.id) != "done":
                    self.statuses[step.id] = "done"
                elif index == number:
                    self.statuses[step.id] = "running"
            self._render_steps()
        if self.log.isVisible():
            self._refresh_log()

    @Slot(object)
    def _on_finished(self, result) -> None:
        self.statuses = result.state.statuses()
        self._render_steps()
        self.model.exit_code = result.exit_code
        words = exitcodes.DESCRIPTIONS.get(result.exit_code, "")
        if result.exit_code == exitcodes.SUCCESS:
            self.model.finished = True
            self.progress.setValue(100)
            self.outcome.setText(self.tr("<b>All steps are done.</b> Click Next to see the result."))
        elif result.exit_code in (exitcodes.REBOOT_REQUIRED, exitcodes.REBOOT_STARTED):
            self.outcome.setText(
                self.tr(
                    "<b>The computer needs to restart.</b> Offramp has saved its place and "
                    "opens on this page again after the restart."
                )
            )
        else:
            self.model.finished = True
            self.outcome.setText(
                self.tr(
                    "<b>Offramp stopped:</b> {0}<br>{1}. Nothing more will be changed. Click Next "
                    "for the report, or call for help with your support code."
                ).format(result.message, words)
            )
        self.completeChanged.emit()

    @Slot(str, str)
    def _on_failed(self, message: str, details: str) -> None:
        from app.core import eventlog

        eventlog.get("gui").error(
            "migration crashed: %s",
            message,
            extra={"event": "gui.migrate.crash", "traceback": details, "console": False},
        )
        self.outcome.setText(
            self.tr(
                "<b>Offramp hit a problem:</b> {0}<br>Close Offramp and start it again: it carries on where it stopped."
            ).format(message)
        )

    # --- questions from the engine --------------------------------------------------------------------
    @Slot(object)
    def _answer(self, request: Request) -> None:
        q = request.question
        if q.kind == "acknowledge":
            # The person ticked these off on the previous page; only those count.
            request.reply(any(r.title == q.title for r in self.model.risks() if r.id in self.model.acknowledged))
        elif q.kind == "password":
            text, ok = QInputDialog.getText(
                self,
                self.tr("Password needed"),
                q.title,
                QLineEdit.EchoMode.Password if q.secret else QLineEdit.EchoMode.Normal,
            )
            request.reply(text if ok and text else None)
        elif q.kind == "reboot":
            box = QMessageBox(
                QMessageBox.Icon.Question,
                self.tr("Restart needed"),
                self.tr("{0}\n\nOfframp has saved its place.").format(q.text),
                parent=self,
            )
            now = box.addButton(self.tr("Restart now"), QMessageBox.ButtonRole.AcceptRole)
            box.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
            box.exec()
            request.reply(box.clickedButton() is now)
        elif q.kind == "delete":
            answer = QMessageBox.question(self, q.title, f"{q.text}\n\n{q.warning or ''}".strip())
            request.reply(answer == QMessageBox.StandardButton.Yes)
        else:  # confirm / open-url: something only the person can do
            if q.url:
                QDesktopServices.openUrl(QUrl(q.url))
            answer = QMessageBox.question(self, q.title, self.tr("{0}\n\nClick Yes when it is done.").format(q.text))
            request.reply(answer == QMessageBox.StandardButton.Yes)

    # --- helpdesk and log --------------------------------------------------------------------------------
    def set_helpdesk(self, on: bool) -> None:
        self.helpdesk = on
        if self.plan_steps:
            self._render_steps()
        self.log_button.setChecked(on)

    @Slot(bool)
    def _toggle_log(self, on: bool) -> None:
        self.log.setVisible(on)
        if on:
            self._refresh_log()

    def _refresh_log(self) -> None:
        from app.core.migrate.journal import read
        from app.core.migrate.session import journal_path

        events = read(journal_path()).events[-40:]
        self.log.setPlainText(
            "\n".join(f"{e['ts'][11:19]}  {e['event']:<14} {e.get('step', '')}  {e.get('message', '')}" for e in events)
        )
