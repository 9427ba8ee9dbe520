"""Runs a plan step by step. Each step: record the start, check whether it is already done, act, record the end.

The state file (replaced atomically) says which steps are finished; the journal (append-only,
fsynced) says what happened. A crash anywhere leaves a state from which `offramp resume` goes on
at the first unfinished step, and a step's check keeps an action that did happen from happening
again. A restart is a normal pause: the state waits for it and the registered resume carries on.
"""

from __future__ import annotations

import functools
import os
import signal
from dataclasses import dataclass
from pathlib import Path

from offramp.core import eventlog, exitcodes
from offramp.core.i18n import Text
from offramp.core.migrate import statefile
from offramp.core.migrate.context import Context
from offramp.core.migrate.outcome import Outcome
from offramp.core.migrate.plan import Step
from offramp.core.migrate.recorderrors import RecordError
from offramp.core.migrate.runlock import RunLock
from offramp.core.migrate.statefile import MigrationState
from offramp.core.migrate.steps import ALREADY, KINDS

FINISHED = ("done", "skipped")
CRASH_ENV = "OFFRAMP_TEST_CRASH_AT"  # "<point>:<step id>", point = before | during | after-action | after


@dataclass
class RunResult:
    exit_code: int
    message: str
    state: MigrationState


def _crash_point(point: str, step_id: str) -> None:
    """Lets the crash-safety tests kill the process at an exact point; does nothing unless they ask."""
    if os.environ.get(CRASH_ENV) == f"{point}:{step_id}":
        if hasattr(signal, "SIGKILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)


class Runner:
    def __init__(self, ctx: Context, state_path: Path, lock: RunLock | None = None):
        self.ctx = ctx
        self.state_path = state_path
        self.lock = lock  # one migration at a time: held until this run returns

    def close(self) -> None:
        """Lets go of the migration lock without running (the person changed their mind)."""
        if self.lock is not None:
            self.lock.release()

    def _save(self) -> None:
        if not self.ctx.options.dry_run:
            statefile.write(self.state_path, self.ctx.state)

    def _record(self, step: Step, status: str, outcome: Outcome | None = None) -> None:
        state = self.ctx.state
        entry = state.step(step.id)
        now = self.ctx.now().isoformat(timespec="seconds")
        entry.status = status
        if status == "running":
            entry.started = entry.started or now
            entry.attempts += 1
        else:
            entry.finished = now
        if outcome is not None:
            entry.message = outcome.message
            entry.data.update(outcome.data)
            state.warnings += [i for i in outcome.warnings if i not in state.warnings]
            state.to_do += [i for i in outcome.to_do if i not in state.to_do]
        self._save()

    def run(self) -> RunResult:
        try:
            return self._run()
        finally:
            self.close()

    def _run(self) -> RunResult:
        ctx = self.ctx
        steps = ctx.plan.steps
        resumed = any(s.status for s in ctx.state.steps.values())
        ctx.journal.append(
            "run.resume" if resumed else "run.start",
            support_code=ctx.state.support_code,
            plan=ctx.plan.fingerprint,
            dry_run=ctx.options.dry_run,
            silent=ctx.options.silent,
        )
        for index, step in enumerate(steps):
            status = ctx.state.status(step.id)
            if status in FINISHED:
                continue
            if ctx.cancelled() and step.cancellable:
                return self._stop(
                    step, Outcome("cancelled", Text("cancelled before this step"), exit_code=exitcodes.CANCELLED)
                )
            ctx.progress(
                Text("Step {number} of {total}: {title}", number=index + 1, total=len(steps), title=step.title),
                index / len(steps),
            )
            self._record(step, "running")
            ctx.journal.append("step.start", step=step.id, title=step.title, attempt=ctx.state.step(step.id).attempts)
            _crash_point("before", step.id)
            check, act = KINDS[step.kind]
            ctx.checkpoint = functools.partial(_crash_point, "during", step.id)
            if not check(ctx, step):
                if ctx.options.dry_run:
                    outcome = Outcome.done(Text("dry run, not done: {title}", title=step.title))
                else:
                    ctx.journal.append("step.act", step=step.id)
                    outcome = act(ctx, step)
                    _crash_point("after-action", step.id)
            else:
                outcome = ALREADY[step.kind](ctx, step) if step.kind in ALREADY else Outcome.done(Text("already done"))
            if outcome.status not in FINISHED:
                return self._stop(step, outcome)
            self._record(step, outcome.status, outcome)
            ctx.journal.append(f"step.{outcome.status}", step=step.id, message=outcome.message)
            eventlog.event("migrate.step.done", f"{step.title}: {outcome.message}", step=step.id)
            _crash_point("after", step.id)
        return self._finish()

    def _stop(self, step: Step, outcome: Outcome) -> RunResult:
        status = {"waiting": "waiting", "cancelled": "cancelled"}.get(outcome.status, "failed")
        self._record(step, status, outcome)
        self.ctx.state.exit_code = outcome.exit_code
        self._save()
        self.ctx.journal.append(f"step.{status}", step=step.id, message=outcome.message, exit_code=outcome.exit_code)
        eventlog.event(
            f"migrate.step.{status}", f"{step.title}: {outcome.message}", step=step.id, exit_code=outcome.exit_code
        )
        if status != "waiting":
            self._write_report()
        return RunResult(outcome.exit_code, outcome.message, self.ctx.state)

    def _write_report(self) -> None:
        from offramp.core.migrate.report import write_report

        try:
            write_report(self.ctx)
        except (OSError, RecordError) as exc:  # a report that cannot be written must not hide why the run stopped
            eventlog.event("migrate.report.failed", str(exc))

    def _finish(self) -> RunResult:
        ctx = self.ctx
        if ctx.state.reboot.resume_registered and not ctx.options.dry_run:
            ctx.backend.unregister_resume()
            ctx.state.reboot.resume_registered = None
        ctx.state.finished = True
        ctx.state.exit_code = exitcodes.SUCCESS
        ctx.journal.append("run.done", exit_code=exitcodes.SUCCESS)
        self._write_report()  # again, now that the outcome is known, and after the journal's last line
        # The state says "finished" only once the report does: a power cut between the two leaves an
        # unfinished state, so `resume` finishes again and rewrites the report, instead of a finished state
        # beside a report that still says the run is under way.
        self._save()
        ctx.progress(Text("Finished"), 1.0)
        return RunResult(exitcodes.SUCCESS, Text("finished"), ctx.state)
