"""The saved migration state as typed records, with its one reader and its one writer.

The state says which steps are finished, so `offramp resume` knows where to go on. It is replaced
atomically (app/core/atomicfile.py): after a crash it is the old state or the new one, never half
of each. The reader accepts every format an earlier Offramp wrote (so far one: format 1, whose files
still resume) and refuses, with a sentence, a newer format, a file that is not JSON, JSON of the
wrong shape (saying which field is wrong), and a plan or options that do not read as a `Plan` and
`Options`, which the rest of Offramp takes from `read_plan` and `read_options`, never by their keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from offramp.core import atomicfile, i18n
from offramp.core.migrate.recorderrors import RecordDamaged, RecordsInaccessible, RecordUnusable

if TYPE_CHECKING:
    from offramp.core.migrate.context import Options
    from offramp.core.migrate.plan import Plan

FORMAT = 1  # raise it when the shape changes, and teach from_json to read every older one
READABLE = (1,)
STATUSES = ("running", "done", "skipped", "failed", "waiting", "cancelled")


@dataclass
class StepRecord:
    """What happened to one step of the plan, by its stable id."""

    status: str | None = None  # one of STATUSES; None before the step first ran
    started: str | None = None
    finished: str | None = None
    attempts: int = 0
    message: str | None = None
    data: dict[str, Any] = field(default_factory=dict)  # what the step's action found or did


@dataclass
class RebootRecord:
    pending: bool = False  # an uninstaller said a restart finishes its work
    resume_registered: str | None = None  # what the back-end registered to run `resume` after the restart
    requested_boot_id: str | None = None  # the boot the restart was asked from: another boot id means it happened


@dataclass
class MigrationState:
    support_code: str
    plan: dict[str, Any]  # Plan.to_dict(), as the file holds it: read_plan() gives the Plan
    options: dict[str, Any]  # the fields of migrate.context.Options: read_options() gives them typed
    started: str | None = None
    steps: dict[str, StepRecord] = field(default_factory=dict)
    reboot: RebootRecord = field(default_factory=RebootRecord)
    finished: bool = False
    exit_code: int | None = None
    warnings: list[str] = field(default_factory=list)
    to_do: list[str] = field(default_factory=list)  # what a person must still do by hand
    version: int = FORMAT

    def step(self, step_id: str) -> StepRecord:
        """The step's record, created empty the first time it is asked for."""
        return self.steps.setdefault(step_id, StepRecord())

    def status(self, step_id: str) -> str | None:
        record = self.steps.get(step_id)
        return record.status if record else None

    def statuses(self) -> dict[str, str]:
        return {step_id: record.status or "pending" for step_id, record in self.steps.items()}

    def read_plan(self) -> Plan:
        """The plan this migration follows. A state from `from_json` always has one that reads."""
        from offramp.core.migrate.plan import Plan

        return Plan.from_dict(self.plan)

    def read_options(self) -> Options:
        """The options the migration was started with."""
        from offramp.core.migrate.context import Options

        return Options(**self.options)


def to_json(state: MigrationState) -> dict[str, Any]:
    """The state as the JSON object the file holds. Its texts are English; `texts` keeps how each message was
    made (offramp.core.i18n.recipes), so a resumed migration still speaks the person's language."""
    data = {
        "version": FORMAT,
        "support_code": state.support_code,
        "started": state.started,
        "plan": state.plan,
        "options": state.options,
        "steps": {step_id: vars(record) for step_id, record in state.steps.items()},
        "reboot": vars(state.reboot),
        "finished": state.finished,
        "exit_code": state.exit_code,
        "warnings": state.warnings,
        "to_do": state.to_do,
    }
    return {**data, "texts": i18n.recipes(data)}


def from_json(data: Any, source: str = "the state") -> MigrationState:
    """Builds the typed state; raises RecordDamaged naming the first field that is wrong."""

    def wrong(what: str) -> RecordDamaged:
        return RecordDamaged(f"{source} is damaged: {what}", source)

    if not isinstance(data, dict):
        raise wrong("not a JSON object")
    # Messages it kept the recipes of become Text again; a state without them (format 1 before translations) reads
    # as English.
    data = i18n.revive({k: v for k, v in data.items() if k != "texts"}, data.get("texts"))
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        raise wrong("'version' is not a number")
    if version not in READABLE:
        raise RecordUnusable(
            f"{source} was written by a newer Offramp (state format {version}; this one reads up to "
            f"{READABLE[-1]}): finish the migration with that version, or clear it with "
            "'offramp resume --abandon'",
            source,
        )
    _need(data, "support_code", str, wrong)
    _need(data, "plan", dict, wrong)
    _need(data, "options", dict, wrong)
    if not isinstance(data.get("steps", {}), dict):
        raise wrong("'steps' is not an object")
    if not isinstance(data["plan"].get("steps"), list):
        raise wrong("'plan.steps' is not a list")
    steps = {}
    for step_id, entry in data.get("steps", {}).items():
        steps[step_id] = _step(entry, f"steps.{step_id}", wrong)
    reboot = data.get("reboot", {})
    if not isinstance(reboot, dict):
        raise wrong("'reboot' is not an object")
    registered = reboot.get("resume_registered")
    boot_id = reboot.get("requested_boot_id")
    if registered is not None and not isinstance(registered, str):
        raise wrong("'reboot.resume_registered' is not text")
    if boot_id is not None and not isinstance(boot_id, str):
        raise wrong("'reboot.requested_boot_id' is not text")
    exit_code = data.get("exit_code")
    if exit_code is not None and (not isinstance(exit_code, int) or isinstance(exit_code, bool)):
        raise wrong("'exit_code' is not a number")
    lists = {key: data.get(key, []) for key in ("warnings", "to_do")}
    for key, items in lists.items():
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise wrong(f"'{key}' is not a list of text")
    state = MigrationState(
        support_code=data["support_code"],
        plan=data["plan"],
        options=data["options"],
        started=data.get("started") if isinstance(data.get("started"), str) else None,
        steps=steps,
        reboot=RebootRecord(bool(reboot.get("pending", False)), registered, boot_id),
        finished=data.get("finished") is True,
        exit_code=exit_code,
        warnings=lists["warnings"],
        to_do=lists["to_do"],
    )
    try:
        state.read_plan()
        state.read_options()
    except (TypeError, KeyError, ValueError) as exc:
        raise RecordDamaged(
            i18n.Text("{path} is damaged: its plan or options do not read ({problem})", path=source, problem=str(exc)),
            source,
        ) from None
    return state


def _need(data: dict[str, Any], key: str, kind: type, wrong: Any) -> None:
    if not isinstance(data.get(key), kind):
        raise wrong(f"'{key}' is missing or not {'text' if kind is str else 'an object'}")


def _step(entry: Any, where: str, wrong: Any) -> StepRecord:
    if not isinstance(entry, dict):
        raise wrong(f"'{where}' is not an object")
    status = entry.get("status")
    if status is not None and status not in STATUSES:
        raise wrong(f"'{where}.status' is {status!r}, not a step status")
    attempts = entry.get("attempts", 0)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 0:
        raise wrong(f"'{where}.attempts' is not a count")
    data = entry.get("data", {})
    if not isinstance(data, dict):
        raise wrong(f"'{where}.data' is not an object")
    texts = {key: entry.get(key) for key in ("started", "finished", "message")}
    for key, value in texts.items():
        if value is not None and not isinstance(value, str):
            raise wrong(f"'{where}.{key}' is not text")
    return StepRecord(status, texts["started"], texts["finished"], attempts, texts["message"], data)


def write(path: Path, state: MigrationState) -> None:
    """Replaces the state file atomically; RecordsInaccessible (with what to do) when the folder refuses it."""
    write_json(path, to_json(state))


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Writes a record Offramp keeps (the state, the JSON report) atomically, owner-only."""
    path = Path(path)
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    try:
        from offramp.core import paths

        paths.make_dirs(path.parent)  # missing folders 0700; an admin's --report folder is left as it is
        atomicfile.write_text(path, text)
    except OSError as exc:
        raise RecordsInaccessible.from_os_error(exc, path, "write") from None


def read(path: Path) -> MigrationState | None:
    """The state, or None when there is none. A file that is there but unusable raises a RecordError."""
    path = Path(path)
    try:
        raw = atomicfile.read_regular(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RecordsInaccessible.from_os_error(exc, path, "read") from None
    if raw is None:
        raise RecordDamaged(f"{path} is damaged: something other than a file stands where it should be", str(path))
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        reason = "it is empty" if not raw.strip(b"\0 \n\r\t") else f"not JSON ({exc.__class__.__name__})"
        raise RecordDamaged(f"{path} is damaged: {reason}", str(path)) from None
    return from_json(data, str(path))
