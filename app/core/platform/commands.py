"""The one way Offramp runs another program: an argument list, stdin closed, a timeout, output captured.

Nothing else in Offramp calls subprocess directly. The argv is logged with secrets replaced, so an
uninstall password passed to msiexec never reaches the log; on Windows no console window flashes up.
A program that outlives its timeout is killed with its whole process group and reported as timed out.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from app.core import eventlog

REDACTED = "********"


class CommandResult(NamedTuple):
    argv: tuple[str, ...]  # already redacted: safe to log and report
    returncode: int | None  # None when it timed out or could not start
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    error: str | None = None  # why it could not start

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def redact(argv: Sequence[str], secrets: Iterable[str]) -> tuple[str, ...]:
    """Replaces every secret (and every argument containing one) with a fixed mask."""
    hidden = [s for s in secrets if s]
    out = []
    for arg in argv:
        for secret in hidden:
            if secret in arg:
                arg = arg.replace(secret, REDACTED)
        out.append(arg)
    return tuple(out)


def _kill_tree(proc: subprocess.Popen[str]) -> None:
    try:
        if os.name == "nt":
            proc.kill()
        else:
            os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def run(
    argv: Sequence[str],
    *,
    timeout: float = 600,
    env: Mapping[str, str] | None = None,
    secrets: Iterable[str] = (),
    cwd: str | None = None,
    log: bool = True,
    stdin_text: str | None = None,
) -> CommandResult:
    """Runs a program and waits for it. Never raises for the program's own failures: read the result.

    `stdin_text` is for tools that take their data only on stdin (`dpkg --set-selections`); otherwise
    stdin is closed, so nothing can wait for a person to type."""
    if isinstance(argv, str):
        raise TypeError("commands are argument lists, never shell strings")
    secrets = tuple(secrets)
    shown = redact(argv, secrets)
    kwargs: dict[str, object] = {}
    if os.name == "nt":
        kwargs["creationflags"] = getattr(subprocess, "CREATE_NO_WINDOW", 0x08000000)
    else:
        kwargs["start_new_session"] = True  # so a timeout can kill the uninstaller and anything it started
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL if stdin_text is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            cwd=cwd,
            env=dict(env) if env is not None else None,
            **kwargs,
        )  # type: ignore[call-overload]
    except OSError as exc:
        result = CommandResult(
            argv=shown,
            returncode=None,
            stdout="",
            stderr="",
            seconds=time.monotonic() - started,
            error=exc.strerror or str(exc),
        )
        if log:
            eventlog.event(
                "command.failed_to_start",
                f"could not start {shown[0]}: {result.error}",
                argv=list(shown),
                error=result.error,
            )
        return result
    try:
        out, err = proc.communicate(stdin_text, timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        _kill_tree(proc)
        out, err = proc.communicate()
        timed_out = True
    for secret in secrets:
        if secret:
            out, err = out.replace(secret, REDACTED), err.replace(secret, REDACTED)
    result = CommandResult(
        argv=shown,
        returncode=None if timed_out else proc.returncode,
        stdout=out,
        stderr=err,
        seconds=time.monotonic() - started,
        timed_out=timed_out,
    )
    if log:
        eventlog.event(
            "command.run",
            f"{' '.join(shown)} -> {'timeout' if timed_out else proc.returncode}",
            argv=list(shown),
            returncode=result.returncode,
            timed_out=timed_out,
            seconds=round(result.seconds, 3),
            stderr_tail=err[-2000:],
        )
    return result
