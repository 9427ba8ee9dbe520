"""A fleet's migrations summed up from the JSON reports each machine wrote (app/core/migrate/report.py).

Admins collect the reports (Ansible's fetch, an Intune log upload, a share); this tells which machines
finished, which wait for a restart, which failed and why, naming each by the folder it was collected into
(Ansible's fetch: DEST/<inventory host>/...), else by the report's `host`, else by its file name.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from offramp.core import exitcodes

STATES = ("failed", "unreadable", "in progress", "needs restart", "retry later", "finished", "dry run")
RESTART = (exitcodes.REBOOT_REQUIRED, exitcodes.REBOOT_STARTED)


@dataclass(frozen=True)
class Migration:
    host: str
    file: str
    state: str
    exit_code: int | None
    reason: str  # the outcome in words, and for a failure the step that stopped it
    support_code: str | None = None
    removed: tuple[str, ...] = ()
    installed: tuple[str, ...] = ()
    to_do: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _host(path: Path, hint: str | None, written: str | None) -> str:
    # The name the admin's inventory gives the machine beats the name the machine gives itself.
    return hint or written or (path.parent.name if path.stem == "report" else path.stem)


def read_one(path: Path, hint: str | None = None) -> Migration:
    """One report, read by the migration's own reader; `hint` is the machine's name in the folder it was
    collected into (see `expand`)."""
    from offramp.core.migrate.report import ReportShapeError, from_json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        report = from_json(data)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc.__class__.__name__
        return Migration(_host(path, hint, None), str(path), "unreadable", None, f"cannot read: {reason}")
    except ReportShapeError as exc:
        return Migration(_host(path, hint, None), str(path), "unreadable", None, f"not an Offramp report: {exc}")
    code = report.exit_code
    outcome = report.outcome or exitcodes.DESCRIPTIONS.get(code or 0, "in progress")
    if code is None:
        state = "in progress"
    elif code == exitcodes.SUCCESS:
        state = "dry run" if report.dry_run else "finished"
    elif code in RESTART:
        state = "needs restart"
    elif code == exitcodes.RETRY_LATER:
        state = "retry later"
    else:
        state = "failed"
    reason = outcome
    step = next((s for s in report.steps if s.status in ("failed", "cancelled")), None)
    if state == "failed" and step:
        reason += f": step {step.number} '{step.title}'" + (f": {step.message}" if step.message else "")
    return Migration(
        host=_host(path, hint, report.host),
        file=str(path),
        state=state,
        exit_code=code,
        reason=reason,
        support_code=report.support_code,
        removed=tuple(report.removed),
        installed=tuple(report.installed),
        to_do=len(report.to_do_by_hand),
    )


def expand(paths: list[Path]) -> list[tuple[Path, str | None]]:
    """(file, machine name hint): files as given, and every *.json below a folder. Ansible's fetch stores a
    file as DEST/<inventory host>/<path on the host>, so below a folder the first part names the machine."""
    out: list[tuple[Path, str | None]] = []
    for path in paths:
        if not path.is_dir():
            out.append((path, None))
            continue
        for found in sorted(path.rglob("*.json")):
            parts = found.relative_to(path).parts
            out.append((found, parts[0] if len(parts) > 1 else None))
    return out


def summarise(migrations: list[Migration]) -> dict[str, Any]:
    counts = Counter(m.state for m in migrations)
    reasons = Counter(m.reason for m in migrations if m.state in ("failed", "unreadable"))
    return {
        "machines": len(migrations),
        "by_state": {state: counts.get(state, 0) for state in STATES},
        "failures_by_reason": [{"reason": r, "machines": n} for r, n in reasons.most_common()],
    }


def ordered(migrations: list[Migration]) -> list[Migration]:
    return sorted(migrations, key=lambda m: (STATES.index(m.state), m.host.casefold(), m.file))


def to_text(migrations: list[Migration]) -> str:
    """The summary for a terminal; what the reports say is shown with its control characters escaped (a
    failure message can carry a file name of the machine's user, and the admin reads it here)."""
    from offramp.core.textsafe import printable

    summary = summarise(migrations)
    lines = [f"Offramp migrations: {summary['machines']} reports"]
    lines += [f"  {state:<14} {n:>7}" for state, n in summary["by_state"].items() if n or state != "dry run"]
    if summary["failures_by_reason"]:
        lines += ["", "Failures, by reason (machines):"]
        lines += [f"  {r['machines']:>7}  {printable(r['reason'])}" for r in summary["failures_by_reason"]]
    pending = [m for m in ordered(migrations) if m.state not in ("finished", "dry run")]
    if pending:
        lines += ["", "Machines to look at:"]
        lines += [
            f"  {printable(m.host)}: {m.state}"
            + (f" (exit {m.exit_code})" if m.exit_code is not None else "")
            + f" - {printable(m.reason)}"
            for m in pending
        ]
    return "\n".join(lines) + "\n"
