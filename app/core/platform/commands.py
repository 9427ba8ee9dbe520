"""The one way Offramp runs another program: an argument list, stdin closed, a timeout, output captured.

Nothing else in Offramp calls subprocess directly. The argv is logged with secrets replaced, so an
uninstall password passed to msiexec never reaches the log; on Windows no console window flashes up.
A program that outlives its timeout is killed with its whole process group and reported as timed out.

Children get a minimal environment (`child_env`): on Linux and macOS the variables a program needs to
find itself, its language and the proxy; on Windows, whose installers lean on many system variables,
everything else. Never Offramp's own OFFRAMP_* variables, nor any variable holding a password Offramp
gathered (`remember_secrets`), which a replacement's install script (third-party code running as root)
has no business seeing.
Masking covers the forms in which a secret comes back: any letter case, URL-encoded, hex (as Network
Agent's KLUNINSTPASSWD), JSON-escaped, and base64 of its UTF-8 or UTF-16LE bytes at any offset (as
PowerShell's -EncodedCommand carries it). A secret shorter than MIN_SECRET is refused: masking it would
blank every matching letter of the log while protecting nothing.
Output goes to temporary files, not pipes, and the wait is for the program itself: a pipe stays open for
as long as anything holds it, and what an uninstaller starts inherits it (a daemon a package script
starts; under Wine, the desktop process msiexec brings up), so waiting for a pipe's end waited for them.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, NamedTuple
from urllib.parse import quote, quote_plus

from offramp.core import eventlog

REDACTED = "********"
MIN_SECRET = 4
_KNOWN_SECRETS: set[str] = set()  # every password gathered in this process, hidden from every child
_POSIX_KEEP = {"PATH", "LANG", "LANGUAGE", "TZ", "SSL_CERT_FILE", "SSL_CERT_DIR"}
_PROXY_KEEP = {"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"}


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


def _kept(name: str) -> bool:
    upper = name.upper()
    if upper.startswith("OFFRAMP_"):
        return False
    if upper in _PROXY_KEEP or os.name == "nt":
        # Windows Installer and vendors' setup programs read many system variables (and under Wine the
        # display too): there only Offramp's own variables and the passwords are taken out.
        return True
    return name in _POSIX_KEEP or name.startswith("LC_")


def remember_secrets(values: Iterable[str]) -> None:
    """Marks passwords gathered for this run: no child ever gets a variable holding one, whatever it is named."""
    _KNOWN_SECRETS.update(v for v in values if v)


def child_env(extra: Mapping[str, str] | None = None, secrets: Iterable[str] = ()) -> dict[str, str]:
    """The environment a child gets: the variables it needs from ours, then `extra`; never an OFFRAMP_*
    variable, nor any variable whose value holds one of `secrets`."""
    env = {k: v for k, v in os.environ.items() if _kept(k)}
    if os.name != "nt":
        # Root's own home, not the caller's (sudo -E keeps HOME): an installer must not read a user's dotfiles.
        if os.geteuid() == 0:
            env["HOME"] = "/root" if os.path.isdir("/root") else "/"
        elif "HOME" in os.environ:
            env["HOME"] = os.environ["HOME"]
    for key, value in (extra or {}).items():
        if not key.upper().startswith("OFFRAMP_"):
            env[key] = value
    hidden = [s for s in (*secrets, *_KNOWN_SECRETS) if s]
    return {k: v for k, v in env.items() if not any(secret in v for secret in hidden)}


def _base64_pieces(data: bytes) -> set[str]:
    """The base64 characters that depend on `data` alone, for each of the three offsets it can start at
    inside a longer encoded text (standard and URL-safe alphabets)."""
    pieces = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode("ascii")
        first = (8 * offset + 5) // 6  # the first character made only of the secret's bits
        piece = encoded[first : (8 * (offset + len(data))) // 6]
        pieces |= {piece, piece.replace("+", "-").replace("/", "_")}
    return pieces


def _forms(secret: str) -> tuple[set[str], set[str]]:
    """(forms compared in any letter case, forms compared exactly) in which `secret` may come back."""
    utf8, utf16 = secret.encode("utf-8"), secret.encode("utf-16-le")
    any_case = {secret, quote(secret, safe=""), quote_plus(secret), quote(secret), json.dumps(secret)[1:-1]}
    any_case |= {utf8.hex(), utf16.hex()}
    exact = _base64_pieces(utf8) | _base64_pieces(utf16)
    return {f for f in any_case if len(f) >= MIN_SECRET}, {f for f in exact if len(f) >= MIN_SECRET}


def _masker(secrets: Iterable[str]) -> re.Pattern[str] | None:
    patterns = []
    for secret in secrets:
        if not secret:
            continue
        if len(secret) < MIN_SECRET:
            raise ValueError(
                f"a secret shorter than {MIN_SECRET} characters cannot be kept out of the logs safely; "
                "refusing to use it"
            )
        any_case, exact = _forms(secret)
        patterns += [(f, True) for f in any_case] + [(f, False) for f in exact]
    if not patterns:
        return None
    # Longest first, so a whole encoded form is masked before a shorter form that is part of it.
    patterns.sort(key=lambda item: -len(item[0]))
    return re.compile("|".join(f"(?i:{re.escape(f)})" if fold else re.escape(f) for f, fold in patterns))


def mask(text: str, secrets: Iterable[str]) -> str:
    """`text` with every form of every secret replaced by the mask."""
    masker = _masker(secrets)
    return masker.sub(REDACTED, text) if masker is not None else text


def redact(argv: Sequence[str], secrets: Iterable[str]) -> tuple[str, ...]:
    """Replaces every form of every secret inside each argument with a fixed mask."""
    masker = _masker(secrets)
    return tuple(masker.sub(REDACTED, arg) if masker is not None else arg for arg in argv)


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

    `env` adds variables to the minimal environment every child gets (see `child_env`).
    `stdin_text` is for tools that take their data only on stdin (`dpkg --set-selections`); otherwise
    stdin is closed, so nothing can wait for a person to type."""
    if isinstance(argv, str):
        raise TypeError("commands are argument lists, never shell strings")
    secrets = tuple(secrets)
    masker = _masker(secrets)  # raises for a secret too short to mask, before anything runs
    shown = tuple(masker.sub(REDACTED, arg) for arg in argv) if masker is not None else tuple(argv)
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
                env=child_env(env, secrets),
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
            proc.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            _kill_tree(proc)
            proc.wait()
            timed_out = True
        out, err = _text(out_file), _text(err_file)
    if masker is not None:
        out, err = masker.sub(REDACTED, out), masker.sub(REDACTED, err)
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
