"""Page 7: the plan's steps as a numbered checklist with live state, progress, cancel where safe and the log on demand.

The migration runs in a worker thread through the same session and runner as silent mode; the
person is asked things (a restart, a password, a guided install) through the request/reply bridge.
It starts only for the plan the person agreed to on "Ready to remove" (or the saved run they chose to
carry on), and after a failure it offers the ways on: another replacement, remove only, start over.
"""

from __future__ import annotations

import html
import os
import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
)

from offramp.core import exitcodes
from offramp.core.i18n import N_, Text, _, shown
from offramp.core.migrate.context import Question
from offramp.core.platform import elevation
from offramp.gui.asking import AskBridge, Request
from offramp.gui.pages.base import Page
from offramp.gui.worker import Task

if TYPE_CHECKING:
    from offramp.core.migrate.statefile import MigrationState
    from offramp.gui.wizard import OfframpWizard

INTERNAL_ERROR = 70  # the exit code the command line gives a bug in Offramp (sysexits' EX_SOFTWARE)
STEP = re.compile(r"^Step (\d+) of (\d+): ")
MARKS = {"done": "✓", "skipped": "–", "running": "▶", "failed": "✗", "waiting": "⏸", "cancelled": "✗", "pending": "•"}
# Words beside the mark, so no state is told by a symbol alone (and a skip never reads as a tick).
STATE_WORDS = {
    "skipped": N_("skipped: not needed"),
    "failed": N_("failed"),
    "cancelled": N_("not done"),
    "waiting": N_("waiting for a restart"),
    "running": N_("in progress"),
}
# A check that finished without proof of protection (nothing on this system can report it) is no tick: the Done
# page is amber about it, and this list must not have said otherwise first.
UNCONFIRMED = ("!", N_("done, but Offramp could not confirm the protection"))


class MigratePage(Page):
    name = "migrate"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        self.current = self.text(_("Preparing…"))
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.layout_.addWidget(self.progress)
        self.steps = QListWidget(self)
        self.layout_.addWidget(self.steps, 2)
        self.outcome = self.text("")
        ways = QHBoxLayout()
        self.another = QPushButton(self)
        self.remove_only = QPushButton(self)
        self.start_over = QPushButton(self)
        for button in (self.another, self.remove_only, self.start_over):
            button.setVisible(False)
            ways.addWidget(button)
        ways.addStretch(1)
        self.layout_.addLayout(ways)
        self.another.clicked.connect(self._another)
        self.remove_only.clicked.connect(self._remove_only)
        self.start_over.clicked.connect(self._start_over)
        self.log_button, self.log = self.expandable("", "")
        self.log_button.toggled.connect(self._toggle_log)
        self.bridge = AskBridge(self)
        self.bridge.asked.connect(self._answer)
        self.task: Task | None = None
        self._running = False
        self._state: MigrationState | None = None  # the runner's state, read for each step's status
        self.plan_steps: list[Any] = []
        self.statuses: dict[str, str] = {}
        self.unconfirmed: set[str] = set()  # checks that ran without proof of protection
        self.helpdesk = False
        self.step_now: tuple[int, int] | None = None  # (number, of how many) of the step running now
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setTitle(_("Migrating"))
        self.setSubTitle(_("Please keep this window open. You can cancel between steps that are safe to stop."))
        self.current.setAccessibleDescription(_("Current step"))
        self.progress.setAccessibleName(_("Migration progress"))
        self.steps.setAccessibleName(_("Steps"))
        self.another.setText(_("Try another replacement"))
        self.remove_only.setText(_("Remove only, install nothing"))
        self.start_over.setText(_("Start over"))
        self.log_button.setText(_("Show the log"))
        self.log_button.setAccessibleName(self.log_button.text())
        self.log.setAccessibleName(_("Log"))
        if self.plan_steps:
            self._render_steps()

    def where(self) -> list[str]:
        """The page, and while a step runs, which one: "Step 3 of 11"."""
        places = super().where()
        if self._running and self.step_now is not None:
            places.append(_("Step {number} of {total}", number=self.step_now[0], total=self.step_now[1]))
        return places

    # --- start ------------------------------------------------------------------------------------------
    def initializePage(self) -> None:
        if self._running:
            return
        resuming = bool(self.model.resume_state)
        if not resuming and not self.model.may_start():
            # Defence in depth: only the action button on "Ready to remove" gives consent.
            self.current.setText(_("Nothing was started: go back and press the button on Ready to remove."))
            return
        self.model.finished = False
        self.model.exit_code = None
        self._show_ways([])
        self.outcome.setText("")
        self.statuses = self.model.resumed_statuses()
        self.plan = self.model.plan()
        self.plan_steps = self.plan.steps
        self._render_steps()
        self.task = Task(self._work, self)
        self.task.progress.connect(self._on_progress)
        self.task.finished.connect(self._on_finished)
        self.task.failed.connect(self._on_failed)
        self._running = True
        self.task.start()

    def running(self) -> bool:
        return self._running

    def still_running(self) -> str:
        """The step that is running, in words, for the person who asked to close the window."""
        step = next((s for s in self.plan_steps if self.statuses.get(s.id) == "running"), None)
        return _("Still running: {title}.", title=step.title) if step else _("Still finishing a step.")

    def _work(self, progress, **_unused: Any):
        """Runs in the worker thread: the same session and runner as `offramp migrate`."""
        from offramp.core.migrate import session

        assert self.task is not None, "runs only inside the task initializePage starts"
        cancel = self.task.cancel_token
        prompt = lambda label, secret: self.bridge.ask(Question("password", label, label, secret=secret))  # noqa: E731
        options = self.model.options()
        if elevation.needed(options.root):
            return self._work_elevated(options, progress, lambda: cancel.cancelled, prompt)
        if self.model.resume_state:
            runner = session.resume(
                progress=progress, cancelled=lambda: cancel.cancelled, ask=self.bridge.ask, prompt_secret=prompt
            )
            self._state = runner.ctx.state
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
                raise session.SessionError(Text("there is nothing to migrate on this machine"))
            if started.ctx.plan.fingerprint != self.plan.fingerprint:
                # Only the plan the person agreed to may run; a plan made differently is refused, not run.
                raise session.SessionError(Text("the plan changed since you agreed to it: go back to Ready to remove"))
            runner = started
            self._state = runner.ctx.state
        return runner.run()

    def _work_elevated(self, options, progress, cancelled, prompt):
        """The same migration in the worker the system's own password prompt starts; this window stays unprivileged."""
        from offramp.core import paths
        from offramp.core.migrate import mirror, remote
        from offramp.core.migrate.runner import RunResult
        from offramp.core.migrate.statefile import MigrationState

        kept: list[dict[str, str]] = []

        def remember(state: MigrationState) -> None:
            self._state = state
            if not kept or kept[-1] != state.statuses():  # a copy per change of a step, not per progress line
                kept.append(state.statuses())
                mirror.keep(state)

        if self.model.resume_state:
            mode = "resume"
        else:
            mode = "start-over" if self.model.replace_unfinished else "start"
        try:
            # The worker's own output (its log goes to the system's log folder): kept beside the window's log.
            worker_log = paths.private_dir(paths.log_dir()) / "worker.log"
            with os.fdopen(paths.open_private(worker_log), "ab") as log:
                result = remote.run(
                    mode,
                    options,
                    elevation=elevation.for_this_system(),
                    worker=elevation.worker_command(),
                    fingerprint=None if self.model.resume_state else self.plan.fingerprint,
                    support_code=self.model.support_code,
                    progress=progress,
                    on_state=remember,
                    cancelled=cancelled,
                    ask=self.bridge.ask,
                    prompt_secret=prompt,
                    log=log,
                    keep_report=paths.state_dir() / "report.json",  # where the Done page reads it
                )
        except (remote.NotStarted, elevation.ElevationUnavailable) as exc:
            # Not a crash: nothing ran (no rights, or Cancel while the prompt was open). The page says why
            # and the ways on, as after any stop.
            nothing = MigrationState(support_code=self.model.support_code, plan=self.plan.to_dict(), options={})
            return RunResult(getattr(exc, "exit_code", exitcodes.NOT_ELEVATED), shown(exc), nothing)
        except remote.RemoteError as exc:
            if exc.exit_code != exitcodes.INTERNAL:  # the worker looked at its record (a crash says nothing)
                self.model.worker_unfinished = exc.unfinished
                if not exc.unfinished:
                    mirror.forget()  # root holds no stopped run (finished, cleared, set aside): the copy is stale
            if exc.unfinished and mode == "start":
                # The worker's words name a command; the person has a button. Start over sets the old run aside.
                raise remote.RemoteError(
                    Text(
                        "A migration that stopped earlier is still on record on this computer. Choose Start over "
                        "to set it aside and run this one, or close Offramp and start it again to carry it on."
                    ),
                    exc.exit_code,
                    unfinished=True,
                ) from None
            raise
        mirror.keep(result.state)  # forgotten when the run finished
        self.model.worker_unfinished = not result.state.finished
        self.model.replace_unfinished = False
        return result

    def cancel(self) -> bool:
        """Asks the run to stop at the next safe point. False when it is not running."""
        if self.task is None or not self._running:
            return False
        self.task.cancel_token.cancel()
        self.current.setText(
            _(
                "Stopping. {still_running} Offramp stops when it has finished, then this window closes.",
                still_running=self.still_running(),
            )
        )
        return True

    # --- progress ----------------------------------------------------------------------------------------
    def _render_steps(self) -> None:
        self.steps.clear()
        total = len(self.plan_steps)
        for number, step in enumerate(self.plan_steps, 1):
            status = self.statuses.get(step.id, "pending")
            mark, words = MARKS.get(status, "•"), STATE_WORDS.get(status)
            if status == "done" and step.id in self.unconfirmed:
                mark, words = UNCONFIRMED
            text = f"{mark}  " + _("Step {number} of {total}: {title}", number=number, total=total, title=step.title)
            if words:
                text += " " + _("({state})", state=_(words))
            detail = shown(step.detail) if step.detail else ""
            if self.helpdesk and detail:
                text += f"\n     {detail}  [{step.id}]"
            item = QListWidgetItem(text)
            item.setData(0x0100, step.id)
            item.setToolTip(detail)
            self.steps.addItem(item)

    def _take(self, state: MigrationState) -> None:
        """Each step's status, and which finished checks could not prove protection, from the runner's record."""
        self.statuses = state.statuses()
        self.unconfirmed = {
            step_id
            for step_id, record in state.steps.items()
            if record.status == "done" and "protecting" in (record.data or {}) and record.data["protecting"] is not True
        }

    @Slot(object, float)
    def _on_progress(self, message: object, fraction: float) -> None:
        self.progress.setValue(int(fraction * 100))
        self.current.setText(shown(message))
        message = str(message)  # a Text's English, which the step's number is read from in every language
        if step := STEP.match(message):
            self.step_now = (int(step.group(1)), int(step.group(2)))
            self.refresh_header()
        if STEP.match(message) and self._state is not None:
            # The runner's own record, not a guess from the step number: a skipped step stays skipped.
            self._take(self._state)
            self._render_steps()
        if self.log.isVisible():
            self._refresh_log()

    @Slot(object)
    def _on_finished(self, result) -> None:
        self._running = False
        self._take(result.state)
        self._render_steps()
        self.model.exit_code = result.exit_code
        words = shown(exitcodes.DESCRIPTIONS.get(result.exit_code, ""))
        if result.exit_code == exitcodes.SUCCESS:
            self.model.finished = True
            self.progress.setValue(100)
            self.outcome.setText(_("<b>All steps are done.</b> Click Next to see the result."))
        elif result.exit_code in (exitcodes.REBOOT_REQUIRED, exitcodes.REBOOT_STARTED):
            self.outcome.setText(
                _(
                    "<b>The computer needs to restart.</b> Offramp has saved its place and "
                    "opens on this page again after the restart."
                )
            )
        else:
            self.model.finished = True
            stop = next(
                (n for n, s in enumerate(self.plan_steps, 1) if self.statuses.get(s.id) in ("failed", "cancelled")),
                None,
            )
            if stop is not None:
                self.current.setText(_("Stopped at step {number} of {total}.", number=stop, total=len(self.plan_steps)))
            reason = " " + _("({state})", state=words) if words else ""
            self.outcome.setText(
                _(
                    "<b>Offramp stopped:</b> {problem}{reason}. Nothing more will be changed.<br>"
                    "<b>Now:</b> {state}<br>"
                    "<b>What next?</b> Try another replacement, remove only, or start over; Next shows the report. "
                    "Or call your helpdesk with your support code <b>{code}</b>.",
                    problem=html.escape(shown(result.message).rstrip(".")),
                    reason=reason,
                    state=html.escape(self._machine_state()),
                    code=self.model.support_code,
                )
            )
            self._show_ways(self.model.ways_on())
        self.completeChanged.emit()
        self._ended()

    @Slot(str, str)
    def _on_failed(self, message: str, details: str) -> None:
        from offramp.core import eventlog

        self._running = False
        self.model.exit_code = INTERNAL_ERROR

        eventlog.get("gui").error(
            "migration crashed: %s",
            message,
            extra={"event": "gui.migrate.crash", "traceback": details, "console": False},
        )
        self.outcome.setText(
            _(
                "<b>Offramp hit a problem:</b> {problem}<br>You can close Offramp and start it again (it offers to "
                "carry on or start over), start over now, or call your helpdesk with your support code <b>{code}</b>.",
                problem=html.escape(message),
                code=self.model.support_code,
            )
        )
        self._show_ways(["start-over"])
        self._ended()

    # --- after a stop: the ways on ---------------------------------------------------------------------
    def _machine_state(self) -> str:
        from offramp.core.migrate.report import Report, ReportStep
        from offramp.core.output.verdict import machine_state

        labels = {s.id: s.params.get("label", s.title) for s in self.plan_steps}
        done = [s for s in self.plan_steps if self.statuses.get(s.id) == "done"]
        # The run so far as a report the core reads, so the page and the report say the same of the machine.
        so_far = Report(
            support_code=self.model.support_code,
            removed=[labels[s.id] for s in done if s.kind == "uninstall"],
            steps=[
                ReportStep(number=n, id=s.id, kind=s.kind, title=s.title, status=self.statuses.get(s.id) or "pending")
                for n, s in enumerate(self.plan_steps, 1)
            ],
            replacement=self.model.choice.name if self.model.choice else None,
            installed_unverified=[labels[s.id] for s in done if s.kind == "install"],
        )
        return machine_state(so_far)

    def _show_ways(self, ways: list[str]) -> None:
        self.another.setVisible("another" in ways)
        self.remove_only.setVisible("remove-only" in ways)
        self.start_over.setVisible("start-over" in ways)

    def offramp(self) -> OfframpWizard:
        from offramp.gui.wizard import OfframpWizard

        wizard = self.wizard()
        assert isinstance(wizard, OfframpWizard)
        return wizard

    def _ended(self) -> None:
        self.refresh_header()  # no step runs any more
        self.offramp().run_ended()

    @Slot()
    def _another(self) -> None:
        self.model.start_over()  # the old plan and the consent to it are gone; the choice stays until changed
        self.offramp().go_to("choose")

    @Slot()
    def _remove_only(self) -> None:
        self.model.start_over()
        self.model.choose(None)
        self.offramp().go_to("confirm")

    @Slot()
    def _start_over(self) -> None:
        self.model.start_over()
        self.model.scan = None
        self.model.acknowledged.clear()
        self.model.choose(None)
        self.model.remove_only = False
        self.offramp().go_to("found", fresh=True)

    # --- questions from the engine --------------------------------------------------------------------
    @Slot(object)
    def _answer(self, request: Request) -> None:
        q = request.question
        if q.kind == "acknowledge":
            # The person ticked these off on the previous page; only those count.
            request.reply(any(r.title == q.title for r in self.model.risks() if r.id in self.model.acknowledged))
        elif q.kind == "password":
            from offramp.gui.password import PasswordDialog

            request.reply(PasswordDialog(q.title, q.secret, self).answer())
        elif q.kind == "reboot":
            box = QMessageBox(
                QMessageBox.Icon.Question,
                _("Restart needed"),
                _("{question}\n\nOfframp has saved its place.", question=q.text),
                parent=self,
            )
            now = box.addButton(_("Restart now"), QMessageBox.ButtonRole.AcceptRole)
            box.addButton(_("Later"), QMessageBox.ButtonRole.RejectRole)
            box.exec()
            request.reply(box.clickedButton() is now)
        elif q.kind == "delete":
            answer = QMessageBox.question(
                self, shown(q.title), f"{shown(q.text)}\n\n{shown(q.warning) if q.warning else ''}".strip()
            )
            request.reply(answer == QMessageBox.StandardButton.Yes)
        else:  # confirm / open-url: something only the person can do
            if q.url:
                QDesktopServices.openUrl(QUrl(q.url))
            answer = QMessageBox.question(
                self, shown(q.title), _("{question}\n\nClick Yes when it is done.", question=q.text)
            )
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
        from offramp.core.migrate.journal import read
        from offramp.core.migrate.session import journal_path

        events = read(journal_path()).events[-40:]
        self.log.setPlainText(
            "\n".join(f"{e['ts'][11:19]}  {e['event']:<14} {e.get('step', '')}  {e.get('message', '')}" for e in events)
        )
