"""The migration report: every step with its times and outcome, what was removed and installed, what is left to do.

A typed record (`Report`) with one writer (`to_json`, which `write_report` saves) and one reader
(`from_json`, which `load` applies to a file): the HTML report, the verdict, `offramp report`,
`offramp journal verify` and `offramp fleet report` all read a `Report`, never the JSON by its keys.
Written as JSON for tools (Intune, ConfigMgr, a ticket system) from the state and the journal; it
never contains a password, because neither of those does. It keeps the journal's head (the hash of
its last line) and its length, so `offramp journal verify --report` can prove the journal was not
edited after the run.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from offramp import __version__
from offramp.core import exitcodes, i18n, paths
from offramp.core.migrate import statefile

if TYPE_CHECKING:
    from offramp.core.migrate.context import Context, Options


MAX_REPORT_BYTES = 64 * 1024 * 1024


class ReportShapeError(ValueError):
    """JSON that is not an Offramp migration report; the message says which field is wrong."""


class ReportError(ValueError):
    """A report file that is missing, unreadable or not an Offramp report: the message names the file and says
    why, `reason` says why alone."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class ReportStep:
    number: int
    id: str
    kind: str = ""
    title: str = ""
    status: str = "pending"
    started: str | None = None
    finished: str | None = None
    attempts: int = 0
    message: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class JournalHead:
    head: str | None  # SHA-256 of the journal's last complete line when the report was written
    lines: int  # how many complete lines it had then


@dataclass
class Report:
    support_code: str
    steps: list[ReportStep] = field(default_factory=list)
    offramp_version: str | None = None
    platform: str | None = None
    root: str | None = None
    replacement: str | None = None
    playbook: dict[str, Any] | None = None  # which replacement playbook was used: id, verified_on, source, sha256
    plan_fingerprint: str | None = None
    dry_run: bool = False
    started: str | None = None
    finished: bool = False
    exit_code: int | None = None
    outcome: str | None = None
    removed: list[str] = field(default_factory=list)
    installed: list[str] = field(default_factory=list)  # only what the verify step proved installed
    installed_unverified: list[str] = field(default_factory=list)  # installed, not (yet) proven by verify
    protection: str | None = None  # protected, unconfirmed, not-proven or none: see protection()
    vendor: str | None = None  # set on a "nothing found" report, which has no steps to name it
    nothing_found: bool = False
    verification: dict[str, Any] | None = None
    rescan: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    to_do_by_hand: list[str] = field(default_factory=list)
    journal: JournalHead | None = None
    # What the scan found, each with its certainty (certain / probable), rule, and whether it was planned.
    found: list[dict[str, Any]] = field(default_factory=list)
    # Which machine wrote it, for 'offramp fleet report' over reports collected from many machines.
    host: str | None = None


def build(ctx: Context) -> Report:
    from offramp.core.migrate import journal

    state = ctx.state
    steps = []
    for number, step in enumerate(ctx.plan.steps, 1):
        entry = state.steps.get(step.id) or statefile.StepRecord()
        steps.append(
            ReportStep(
                number=number,
                id=step.id,
                kind=step.kind,
                title=step.title,
                status=entry.status or "pending",
                started=entry.started,
                finished=entry.finished,
                attempts=entry.attempts,
                message=entry.message,
                data=entry.data,
            )
        )
    labels = {step.id: step.params.get("label", step.title) for step in ctx.plan.steps}
    removed = [labels[s.id] for s in steps if s.kind == "uninstall" and s.status == "done"]
    verify = next((s for s in steps if s.kind == "verify"), None)
    rescan = next((s for s in steps if s.kind == "rescan"), None)
    # "Installed" is claimed only once the verify step proved it; an install the verify step has not
    # confirmed (or that it contradicted) is listed apart, so no reader takes it for protection.
    proven = verify is not None and verify.status == "done"
    install_done = [labels[s.id] for s in steps if s.kind == "install" and s.status == "done"]
    code = state.exit_code
    head, lines = journal.head(ctx.journal.path)
    return Report(
        offramp_version=__version__,
        support_code=state.support_code,
        platform=ctx.plan.platform,
        root=ctx.plan.root,
        replacement=ctx.replacement.name if ctx.replacement else None,
        playbook=provenance(ctx.replacement, ctx.options.offline_dir) if ctx.replacement else None,
        plan_fingerprint=ctx.plan.fingerprint,
        dry_run=ctx.options.dry_run,
        started=state.started,
        finished=state.finished,
        exit_code=code,
        outcome=exitcodes.DESCRIPTIONS.get(code, "in progress") if code is not None else "in progress",
        removed=removed,
        installed=install_done if proven else [],
        installed_unverified=[] if proven else install_done,
        protection=protection(ctx, verify),
        verification=verify.data if verify else None,
        rescan=rescan.data if rescan else None,
        warnings=state.warnings + ctx.plan.warnings,
        to_do_by_hand=state.to_do,
        steps=steps,
        journal=JournalHead(head, lines),
        found=list(ctx.plan.found),
        host=socket.gethostname(),
    )


# What each source of a playbook is called where people read it: the CLI's line, the wizard, the HTML report.
SOURCE_WORDS = {
    "shipped": i18n.Text("shipped with Offramp"),
    "signed update": i18n.Text("signed update"),
    "offline bundle": i18n.Text("offline bundle"),
    "file": i18n.Text("playbook file"),
}


def provenance(replacement: Any, offline_dir: str | Path | None = None) -> dict[str, Any]:
    """Which playbook the migration followed: shipped, from the signed update repository, from the offline
    bundle `offline_dir`, or a file given to it."""
    import hashlib

    path = Path(replacement.path).resolve()
    if offline_dir is not None and path.is_relative_to(Path(offline_dir).resolve()):
        source = "offline bundle"
    elif path.is_relative_to(paths.playbook_updates_dir().resolve()):
        source = "signed update"
    elif path.is_relative_to(paths.playbooks_dir().resolve()):
        source = "shipped"
    else:
        source = "file"
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        digest = None
    return {
        "id": replacement.id,
        "verified_on": replacement.verified_on.isoformat(),
        "source": source,
        "path": str(path),
        "sha256": digest,
    }


def playbook_line(used: dict[str, Any]) -> str:
    """ "Playbook: clamav, verified 2025-01-10 (shipped with Offramp)", from a report's `playbook` field, in the
    reader's language."""
    import datetime as dt

    source = str(used.get("source") or "")
    verified = str(used.get("verified_on") or "")
    try:
        verified = i18n.format_date(dt.date.fromisoformat(verified))
    except ValueError:
        pass  # a report from elsewhere: its words as they are
    return i18n._(
        "Playbook: {playbook}, verified {date} ({source})",
        playbook=str(used.get("id")),
        date=verified,
        source=SOURCE_WORDS.get(source, source),
    )


def to_json(report: Report) -> dict[str, Any]:
    data = {f.name: getattr(report, f.name) for f in fields(Report)}
    data["steps"] = [vars(step) for step in report.steps]
    data["journal"] = vars(report.journal) if report.journal else None
    # The words are English; `texts` keeps how each message was made, so a page can show it in any language.
    return {**data, "texts": i18n.recipes(data)}


def from_json(data: Any) -> Report:
    """The typed report; ReportShapeError naming the first field that is wrong. Missing fields take defaults."""
    if not isinstance(data, dict):
        raise ReportShapeError("expected a JSON object")
    data = i18n.revive({k: v for k, v in data.items() if k != "texts"}, data.get("texts"))
    if not isinstance(data.get("support_code"), str):
        raise ReportShapeError("it has no support code")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not all(isinstance(s, dict) for s in raw_steps):
        raise ReportShapeError("it has no list of steps")
    for key in ("removed", "installed", "installed_unverified", "warnings", "to_do_by_hand"):
        if data.get(key) is not None and not isinstance(data[key], list):
            raise ReportShapeError(f"'{key}' is not a list")
    for key in ("verification", "rescan"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise ReportShapeError(f"'{key}' is not an object")
    steps = [_step(raw, number) for number, raw in enumerate(raw_steps, 1)]
    code = data.get("exit_code")

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) else None

    def optional_object(key: str) -> dict[str, Any] | None:
        value = data.get(key)
        return value if isinstance(value, dict) else None

    def strings(key: str) -> list[str]:
        return [item if isinstance(item, str) else str(item) for item in data.get(key) or []]

    return Report(
        support_code=data["support_code"],
        steps=steps,
        offramp_version=text("offramp_version"),
        platform=text("platform"),
        root=text("root"),
        replacement=text("replacement"),
        playbook=optional_object("playbook"),
        plan_fingerprint=text("plan_fingerprint"),
        dry_run=data.get("dry_run") is True,
        started=text("started"),
        finished=data.get("finished") is True,
        exit_code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        outcome=text("outcome"),
        removed=strings("removed"),
        installed=strings("installed"),
        installed_unverified=strings("installed_unverified"),
        protection=text("protection"),
        vendor=text("vendor"),
        nothing_found=data.get("nothing_found") is True,
        verification=optional_object("verification"),
        rescan=optional_object("rescan"),
        warnings=strings("warnings"),
        to_do_by_hand=strings("to_do_by_hand"),
        journal=_journal(data.get("journal")),
        found=[dict(item) for item in data.get("found") or [] if isinstance(item, dict)],
        host=text("host"),
    )


def _step(raw: dict[str, Any], number: int) -> ReportStep:
    texts = {key: raw.get(key) if isinstance(raw.get(key), str) else None for key in ("started", "finished", "message")}
    given = raw.get("number")
    attempts = raw.get("attempts")
    return ReportStep(
        number=given if isinstance(given, int) and not isinstance(given, bool) else number,
        id=str(raw.get("id") or ""),
        kind=str(raw.get("kind") or ""),
        title=raw["title"] if isinstance(raw.get("title"), str) else "",  # a revived Text stays one
        status=str(raw.get("status") or "pending"),
        attempts=attempts if isinstance(attempts, int) and not isinstance(attempts, bool) else 0,
        data=raw["data"] if isinstance(raw.get("data"), dict) else {},
        **texts,
    )


def _journal(raw: Any) -> JournalHead | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("lines"), int):
        raise ReportShapeError("'journal' is not a journal head")
    head = raw.get("head")
    if head is not None and not isinstance(head, str):
        raise ReportShapeError("'journal.head' is not text")
    return JournalHead(head, raw["lines"])


def protection(ctx: Context, verify: ReportStep | None) -> str:
    """What the verify step proved: protected, unconfirmed (installed, but the replacement cannot say),
    not-proven (verification failed or never ran), or none (no replacement was chosen)."""
    if ctx.replacement is None:
        return "none"
    if verify is None or verify.status != "done":
        return "not-proven"
    return "protected" if verify.data.get("protecting") is True else "unconfirmed"


def nothing_found_report(findings: Any, vendor: str, support_code: str, root: str | None = None) -> Report:
    """The report of a clean scan, so a person whose machine had nothing to remove can still hand the helpdesk a
    record of what was looked at: no steps, nothing changed."""
    return Report(
        support_code=support_code,
        offramp_version=__version__,
        platform=findings.platform,
        root=root,
        vendor=vendor,
        nothing_found=True,
        started=findings.scanned_at.isoformat(timespec="seconds"),
        finished=True,
        exit_code=exitcodes.SUCCESS,
        outcome=i18n.Text("nothing from {vendor} was found", vendor=vendor),
        protection="none",
        rescan={"verdict": findings.verdict, "installed": [], "leftovers": []},
    )


def report_path(options: Options) -> Path:
    """Where a run with these options writes its JSON report (a dry run's never replaces a real run's)."""
    if options.report_file:
        return Path(options.report_file)
    return paths.state_dir() / ("report.dry-run.json" if options.dry_run else "report.json")


def write_report(ctx: Context) -> Path:
    report = build(ctx)
    target = report_path(ctx.options)
    statefile.write_json(target, to_json(report))
    return target


def load_json(path: Path) -> dict[str, Any]:
    """A report file's JSON as written, once `from_json` accepts it; ReportError with a sentence for the user."""
    from offramp.core import inputs

    if not os.path.lexists(path):
        raise ReportError(
            f"no report at {path}: run a migration first, or name a report with --input", "there is no such file"
        )
    try:
        text = inputs.read_text(path, MAX_REPORT_BYTES)
    except inputs.InputError as exc:
        raise ReportError(f"{exc.path} cannot be used: {exc.reason}", exc.reason) from None
    problem = inputs.json_depth_problem(text)
    if problem:
        raise ReportError(f"{path} is damaged: {problem}", problem)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = f"not valid JSON (line {exc.lineno}, column {exc.colno})"
        raise ReportError(f"{path} is damaged: {problem}", problem) from None
    try:
        from_json(data)
    except ReportShapeError as exc:
        problem = f"not an Offramp migration report: {exc}"
        raise ReportError(f"{path} is {problem}", problem) from None
    return data


def load(path: Path) -> Report:
    """The report a file holds, read by the one reader; ReportError with a sentence for the user."""
    return from_json(load_json(path))
