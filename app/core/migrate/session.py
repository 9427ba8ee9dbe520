"""Starting and resuming migrations: builds the context a runner needs, from options or from the saved state.

The wizard and the command line both come through here, so an interactive run and a silent one
make the same plan from the same scan and keep the same record.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from offramp.core import paths
from offramp.core.data.catalogue import Catalogue, combine, load_catalogues
from offramp.core.data.policy import Policy, load_policy, silent_defaults
from offramp.core.data.replacements import Replacement, find_replacement
from offramp.core.i18n import Text
from offramp.core.migrate import statefile
from offramp.core.migrate.context import Ask, Context, Options
from offramp.core.migrate.journal import Journal
from offramp.core.migrate.plan import Plan, make_plan
from offramp.core.migrate.recorderrors import RecordDamaged, RecordsInaccessible
from offramp.core.migrate.records import journal_path, lock_path, new_support_code, set_aside, state_path
from offramp.core.migrate.runlock import RunLock
from offramp.core.migrate.runner import Runner
from offramp.core.migrate.secrets import SecretsError, gather, needed_for
from offramp.core.migrate.statefile import MigrationState
from offramp.core.platform.base import SystemBackend
from offramp.core.scan.run import ScanResult, run_scan


class SessionError(Exception):
    """A migration cannot start or resume; the message says why and what to do."""


class AlreadyFinished(SessionError):
    """`resume` found the last migration finished: a crash or power cut after its last save, or a second resume.

    Not an error for the caller: the migration's outcome is known and is reported again, so a deployment
    tool that re-runs `resume` after an interrupted run gets the exit code the run itself would have given.
    """

    def __init__(self, state: MigrationState) -> None:
        self.exit_code = state.exit_code if state.exit_code is not None else 0
        self.support_code = state.support_code
        super().__init__(
            Text(
                "the last migration on this machine (support code {code}) already finished; nothing is left to resume",
                code=state.support_code,
            )
        )


def backend_for(platform: str, root: str | None) -> SystemBackend:
    if platform == "linux":
        from offramp.core.platform.linux import LinuxBackend

        return LinuxBackend(Path(root) if root else None)
    if platform == "darwin":
        from offramp.core.platform.macos import MacBackend

        return MacBackend(Path(root) if root else None)
    from offramp.core.platform import security_center
    from offramp.core.platform.windows import WindowsBackend

    return WindowsBackend(security_center=security_center.live_products)


def choose_replacement(options: Options, policy: Policy, platform: str) -> Replacement | None:
    if options.remove_only:
        return None
    ref = options.replacement_ref or policy.replacement.get(platform)
    if not ref:
        raise SessionError(
            Text(
                "choose a replacement with --to PLAYBOOK (see 'offramp playbooks list'), "
                "name one in the policy, or use --remove-only"
            )
        )
    try:
        return find_replacement(ref)
    except KeyError:
        raise SessionError(
            Text("no replacement playbook named {playbook}; see 'offramp playbooks list'", playbook=repr(ref))
        ) from None


def policy_for(options: Options) -> Policy:
    """The policy a migration with these options runs under: the admin's file (or the default), made
    silent-safe for a silent run."""
    policy = load_policy(Path(options.policy_file) if options.policy_file else None)
    return silent_defaults(policy) if options.silent else policy


def plan_from_scan(scan: ScanResult, options: Options, policy: Policy) -> tuple[Plan, Replacement | None]:
    """The plan for what `scan` found: the one way the wizard, `offramp plan` and `offramp migrate` make it."""
    replacement = choose_replacement(options, policy, scan.findings.platform)
    confirmed = frozenset(options.confirmed)
    plan = make_plan(scan.findings, scan.catalogue, replacement, policy, root=options.root, confirmed=confirmed)
    return plan, replacement


def plan_for(
    options: Options,
    policy: Policy,
    catalogue: Catalogue | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> tuple[Plan, ScanResult, Replacement | None]:
    """Scans the machine (or the system under `options.root`), then plans from what it found."""
    scan = run_scan(root=Path(options.root) if options.root else None, catalogue=catalogue, progress=progress)
    plan, replacement = plan_from_scan(scan, options, policy)
    _check_installable(plan, backend_for(plan.platform, options.root))
    return plan, scan, replacement


def _check_installable(plan: Plan, backend: SystemBackend) -> None:
    """Refuses, before anything is removed, a replacement whose installer this system cannot run."""
    for step in plan.steps:
        if step.kind != "install" or step.params.get("method") != "download":
            continue
        fmt = str(step.params.get("format", ""))
        takes = backend.install_formats()
        if fmt not in takes:
            able = ", ".join(f".{f}" for f in sorted(takes)) or Text("none of the formats Offramp installs")
            raise SessionError(
                Text(
                    "{replacement} comes as a .{format} installer, which this {system} system cannot install (it "
                    "takes {formats}); nothing was changed. Choose a replacement offered for this system "
                    "('offramp playbooks list').",
                    replacement=step.params.get("label") or Text("the replacement"),
                    format=fmt,
                    system=plan.platform,
                    formats=able,
                )
            )


def start(
    options: Options,
    *,
    progress: Callable[[str, float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    ask: Ask | None = None,
    prompt_secret: Callable[[str, bool], str | None] | None = None,
    scan: ScanResult | None = None,
    support_code: str | None = None,
) -> tuple[Runner | None, ScanResult]:
    """A runner for a new migration (holding the migration lock), or None when there is nothing to do.

    The plan comes from `scan` when the caller has just scanned (the wizard shows its findings first),
    otherwise from a scan made here; either way through `plan_from_scan`."""
    lock = None if options.dry_run else RunLock(lock_path()).acquire()
    try:
        runner, scan = _start(
            options,
            progress=progress,
            cancelled=cancelled,
            ask=ask,
            prompt_secret=prompt_secret,
            scan=scan,
            support_code=support_code,
        )
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    if runner is None:
        if lock is not None:
            lock.release()
    else:
        runner.lock = lock
    return runner, scan


def _start(
    options: Options,
    *,
    progress: Callable[[str, float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    ask: Ask | None = None,
    prompt_secret: Callable[[str, bool], str | None] | None = None,
    scan: ScanResult | None = None,
    support_code: str | None = None,
) -> tuple[Runner | None, ScanResult]:
    """A runner for a new migration, or None when there is nothing to do."""
    set_aside_note = None
    if not options.dry_run:
        try:
            previous = statefile.read(state_path())
        except RecordDamaged as exc:
            # A fresh scan is the truth about the machine, so a damaged record need not stop a new
            # migration: it is kept for a person to look at, and the new journal says where.
            set_aside_note = {"kept_as": set_aside(state_path()).name, "reason": str(exc)}
            previous = None
        if previous is not None and not previous.finished:
            raise SessionError(
                Text(
                    "a migration is already in progress on this machine: run 'offramp resume' to finish it, "
                    "or 'offramp resume --abandon' to clear it"
                )
            )
    policy = policy_for(options)
    if scan is None:
        scan = run_scan(root=Path(options.root) if options.root else None, progress=progress)
    if scan.findings.clean:
        return None, scan
    catalogue = scan.catalogue
    plan, replacement = plan_from_scan(scan, options, policy)
    _check_installable(plan, backend_for(plan.platform, options.root))
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    state = MigrationState(
        support_code=support_code or new_support_code(),
        started=now,
        plan=plan.to_dict(),
        options=asdict(options),
    )
    journal = Journal(journal_path() if not options.dry_run else paths.state_dir() / "journal.dry-run.jsonl")
    if not options.dry_run and os.path.lexists(journal.path):
        try:
            journal.path.rename(journal.path.with_name(f"journal.{now.replace(':', '')}.jsonl"))
        except OSError as exc:
            raise RecordsInaccessible.from_os_error(exc, journal.path, "set aside the last journal") from None
    if set_aside_note:
        journal.append("state.set_aside", **set_aside_note)
    return _runner(
        plan, state, options, policy, catalogue, replacement, journal, progress, cancelled, ask, prompt_secret
    ), scan


def resume(
    *,
    progress: Callable[[str, float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    ask: Ask | None = None,
    prompt_secret: Callable[[str, bool], str | None] | None = None,
    silent: bool | None = None,
) -> Runner:
    """A runner for the unfinished migration (holding the migration lock)."""
    lock = RunLock(lock_path()).acquire()
    try:
        runner = _resume(progress, cancelled, ask, prompt_secret, silent)
    except BaseException:
        lock.release()
        raise
    runner.lock = lock
    return runner


def _resume(
    progress: Callable[[str, float], None] | None,
    cancelled: Callable[[], bool] | None,
    ask: Ask | None,
    prompt_secret: Callable[[str, bool], str | None] | None,
    silent: bool | None,
) -> Runner:
    state, options, plan = _saved()
    if silent is not None:
        options.silent = silent
    policy = policy_for(options)
    replacement = choose_replacement(options, policy, plan.platform)
    return _runner(
        plan,
        state,
        options,
        policy,
        combine(load_catalogues()),
        replacement,
        Journal(journal_path()),
        progress,
        cancelled,
        ask,
        prompt_secret,
    )


def _saved() -> tuple[MigrationState, Options, Plan]:
    """The unfinished migration's state, options and plan; a damaged record is set aside and said so."""
    try:
        state = statefile.read(state_path())
        if state is None:
            raise SessionError(Text("there is no unfinished migration to resume on this machine"))
        if state.finished:
            raise AlreadyFinished(state)
        return state, state.read_options(), state.read_plan()
    except RecordDamaged as exc:
        kept = set_aside(state_path())
        Journal(journal_path()).append("state.set_aside", kept_as=kept.name, reason=str(exc))
        raise RecordDamaged(
            Text(
                "{problem}. It is kept as {kept}. Nothing is left to resume: run 'offramp migrate' again, "
                "which scans the machine afresh and does only what is left",
                problem=str(exc),
                kept=str(kept),
            ),
            str(kept),
        ) from None


def pending() -> MigrationState | None:
    """The unfinished migration's state, or None; read only (uninstallers and status checks ask this)."""
    state = statefile.read(state_path())
    return None if state is None or state.finished else state


def abandon() -> str:
    """Clears an unfinished migration deliberately (journaled): its state is kept aside, its resume unregistered."""
    with RunLock(lock_path()):
        try:
            state = statefile.read(state_path())
        except RecordDamaged:
            state = None
            if not state_path().exists():
                raise
        if not state_path().exists():
            raise SessionError(Text("there is no unfinished migration to abandon on this machine"))
        if state is not None and state.reboot.resume_registered:
            backend_for(state.read_plan().platform, state.read_options().root).unregister_resume()
        kept = set_aside(state_path(), "abandoned")
        Journal(journal_path()).append(
            "run.abandoned",
            support_code=state.support_code if state else None,
            finished_steps=[k for k, v in state.steps.items() if v.status in ("done", "skipped")] if state else [],
            kept_as=kept.name,
        )
        return Text("the unfinished migration was cleared; its record is kept as {kept}", kept=str(kept))


def _runner(
    plan: Plan,
    state: MigrationState,
    options: Options,
    policy: Policy,
    catalogue: Catalogue,
    replacement: Replacement | None,
    journal: Journal,
    progress: Callable[[str, float], None] | None,
    cancelled: Callable[[], bool] | None,
    ask: Ask | None,
    prompt_secret: Callable[[str, bool], str | None] | None,
) -> Runner:
    pending = [s.params for s in plan.steps if s.kind == "uninstall" and state.status(s.id) not in ("done", "skipped")]
    # A person at the window is asked only when a removal is refused without a password (most products
    # have none set, and asking up front for one that does not exist only confuses); the other sources
    # (environment, file) are read up front, as an unattended run needs them.
    lazy = not options.silent and policy.password_source == "prompt" and prompt_secret is not None
    try:
        secrets = {} if lazy else gather(policy, needed_for(pending), prompt_secret if not options.silent else None)
    except SecretsError as exc:
        raise SessionError(Text("cannot read the uninstall passwords: {problem}", problem=str(exc))) from None
    ctx = Context(
        plan=plan,
        catalogue=catalogue,
        replacement=replacement,
        policy=policy,
        backend=backend_for(plan.platform, options.root),
        journal=journal,
        state=state,
        options=options,
        downloads_dir=paths.cache_dir() / "downloads",
        secrets=secrets,
        prompt_secret=prompt_secret if lazy else None,
    )
    if progress:
        ctx.progress = progress
    if cancelled:
        ctx.cancelled = cancelled
    ctx.ask = None if options.silent else ask
    return Runner(ctx, state_path())
