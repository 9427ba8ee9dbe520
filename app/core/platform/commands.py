"""The one way Offramp runs another program: an argument list, stdin closed, a timeout, output captured.

Nothing else in Offramp calls subprocess directly. The argv is logged with secrets replaced, so an
uninstall password passed to msiexec never reaches the log; on Windows no console window flashes up.
A program that outlives its timeout is killed with its whole process group and reported as timed out.

Output goes to temporary files, not pipes, and the wait is for the program itself: a pipe stays open for
as long as anything holds it, and what an uninstaller starts inherits it (a daemon a package script
starts; under Wine, the desktop process msiexec brings up), so waiting for a pipe's end waited for them.
"""

# No `from __future__ import annotations` here: NamedTuple turns each text annotation into a ForwardRef,
# compiling it, which made importing this module several times slower.
import contextlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, NamedTuple

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


def _kill_tree(proc: subprocess.Popen[bytes]) -> None:
    try:
        if os.name == "nt":
            proc.kill()
        else:
            os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


@contextlib.contextmanager
def _stdin(text: str | None) -> Iterator[IO[bytes] | int]:
    """Closed stdin, or a file holding `text` (a file too, so nothing waits on a pipe to drain)."""
    if text is None:
        yield subprocess.DEVNULL
        return
    with tempfile.TemporaryFile() as handle:
        handle.write(text.encode("utf-8"))
        handle.seek(0)
        yield handle


def _text(captured: IO[bytes]) -> str:
    """What the program wrote, as text with "\n" line ends (Windows programs end lines with "\r\n")."""
    captured.seek(0)
    return captured.read().decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


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
    with _stdin(stdin_text) as in_file, tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        try:
            proc = subprocess.Popen(
                list(argv),
                stdin=in_file,
                stdout=out_file,
                stderr=err_file,
                cwd=cwd,
                env=dict(env) if env is not None else None,
                **kwargs,
            )  # type: ignore[call-overload]
        except OSError as exc:
            result = CommandResult(shown, None, "", "", time.monotonic() - started, error=exc.strerror or str(exc))
            if log:
                eventlog.event(
                    "command.failed_to_start",
                    f"could not start {shown[0]}: {result.error}",
                    argv=list(shown),
                    error=result.error,
                )
            return result
        try:
            proc.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            _kill_tree(proc)
            proc.wait()
            timed_out = True
        out, err = _text(out_file), _text(err_file)
    for secret in secrets:
        if secret:
            out, err = out.replace(secret, REDACTED), err.replace(secret, REDACTED)
    result = CommandResult(
        shown, None if timed_out else proc.returncode, out, err, time.monotonic() - started, timed_out=timed_out
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
