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

from app.core import exitcodes

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


def _host(path: Path, hint: str | None, data: dict[str, Any]) -> str:
    # The name the admin's inventory gives the machine beats the name the machine gives itself.
    if hint:
        return hint
    if isinstance(data.get("host"), str) and data["host"]:
        return str(data["host"])
    return path.parent.name if path.stem == "report" else path.stem


def _failed_step(steps: Any) -> dict[str, Any] | None:
    for step in steps if isinstance(steps, list) else []:
        if isinstance(step, dict) and step.get("status") in ("failed", "cancelled"):
            return step
    return None


def read_one(path: Path, hint: str | None = None) -> Migration:
    """One report; `hint` is the machine's name in the folder it was collected into (see `expand`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc.__class__.__name__
        return Migration(_host(path, hint, {}), str(path), "unreadable", None, f"cannot read: {reason}")
    if not isinstance(data, dict) or "steps" not in data:
        return Migration(_host(path, hint, {}), str(path), "unreadable", None, "not an Offramp migration report")
    code = data.get("exit_code")
    code = code if isinstance(code, int) else None
    outcome = str(data.get("outcome") or exitcodes.DESCRIPTIONS.get(code or 0, "in progress"))
    if code is None:
        state = "in progress"
    elif code == exitcodes.SUCCESS:
        state = "dry run" if data.get("dry_run") else "finished"
    elif code in RESTART:
        state = "needs restart"
    elif code == exitcodes.RETRY_LATER:
        state = "retry later"
    else:
        state = "failed"
    reason = outcome
    step = _failed_step(data.get("steps"))
    if state == "failed" and step:
        reason += f": step {step.get('number')} '{step.get('title')}'"
        if step.get("message"):
            reason += f": {step['message']}"
    to_do = data.get("to_do_by_hand")
    return Migration(
        host=_host(path, hint, data),
        file=str(path),
        state=state,
        exit_code=code,
        reason=reason,
        support_code=data.get("support_code") if isinstance(data.get("support_code"), str) else None,
        removed=tuple(map(str, data.get("removed") or ())),
        installed=tuple(map(str, data.get("installed") or ())),
        to_do=len(to_do) if isinstance(to_do, list) else 0,
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
    summary = summarise(migrations)
    lines = [f"Offramp migrations: {summary['machines']} reports"]
    lines += [f"  {state:<14} {n:>7}" for state, n in summary["by_state"].items() if n or state != "dry run"]
    if summary["failures_by_reason"]:
        lines += ["", "Failures, by reason (machines):"]
        lines += [f"  {r['machines']:>7}  {r['reason']}" for r in summary["failures_by_reason"]]
    pending = [m for m in ordered(migrations) if m.state not in ("finished", "dry run")]
    if pending:
        lines += ["", "Machines to look at:"]
        lines += [
            f"  {m.host}: {m.state}" + (f" (exit {m.exit_code})" if m.exit_code is not None else "") + f" - {m.reason}"
            for m in pending
        ]
    return "\n".join(lines) + "\n"
