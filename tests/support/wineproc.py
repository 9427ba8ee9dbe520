"""Running one Wine process from a test: pipes for its output, a hard timeout, and no wait for an EOF.

Windows Python under Wine needs pipes for stdout/stderr (with a regular file it dies in init_sys_streams,
"[WinError 6] Invalid handle"). But a pipe handed to a Wine process can also be inherited by Wine's own
long-lived services (services.exe, winedevice.exe, rpcss.exe, explorer.exe) when that process starts them,
and then EOF never comes. ``run_process`` therefore reads until the process itself has exited and the pipes
hold nothing more, and kills it at its timeout.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["WineBedError", "WineResult", "WineTimeout", "run_process"]


class WineBedError(RuntimeError):
    """A Wine command failed; carries what it printed so the test report shows the real complaint."""

    def __init__(self, message: str, result: WineResult | None = None) -> None:
        details = f"\nstdout: {result.stdout.strip()}\nstderr: {result.stderr.strip()}" if result else ""
        super().__init__(message + details)
        self.result = result


class WineTimeout(WineBedError):
    """A Wine command ran past its timeout and was killed; ``result`` holds what it printed until then."""


@dataclass(frozen=True)
class WineResult:
    """What a Windows program did. ``returncode`` is the full Windows exit code where the caller says so
    (``WineBed.run_windows``); otherwise it is the Unix status Wine gives back, the Windows code modulo 256."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def check(self) -> WineResult:
        if self.returncode != 0:
            raise WineBedError(f"{' '.join(self.argv)} exited {self.returncode}", self)
        return self


def run_process(argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, timeout: float, encoding: str) -> WineResult:
    """Run ``argv`` with stdin from /dev/null; raise ``WineTimeout`` (after killing it) past ``timeout``."""
    proc = subprocess.Popen(
        list(argv), env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err, timed_out = _collect(proc, timeout)
    result = WineResult(tuple(argv), proc.returncode, _decode(out, encoding), _decode(err, encoding))
    if timed_out:
        raise WineTimeout(f"{' '.join(argv)} did not finish in {timeout} s and was killed", result)
    return result


def _collect(proc: subprocess.Popen[bytes], timeout: float) -> tuple[bytes, bytes, bool]:
    assert proc.stdout is not None and proc.stderr is not None
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    buffers = {out_fd: bytearray(), err_fd: bytearray()}
    deadline = time.monotonic() + timeout
    timed_out = False
    quiet_since: float | None = None
    with selectors.DefaultSelector() as selector:
        for fd in buffers:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            exited = proc.poll() is not None
            remaining = deadline - time.monotonic()
            if not exited and remaining <= 0:
                proc.kill()
                timed_out = True
                break
            # Once the process is gone, drain what is left. Wine can hand the last writes over a moment after
            # the launcher exits (seen on a loaded machine: an empty `reg query`), so stop only after the pipes
            # have been quiet for a short grace period, never at end-of-file: Wine's services may hold them open.
            ready = selector.select(0.05 if exited else min(remaining, 0.2))
            if exited and not ready:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= 0.3:
                    break
                continue
            quiet_since = None
            for key, _ in ready:
                chunk = os.read(key.fd, 65536)
                if chunk:
                    buffers[key.fd] += chunk
                else:
                    selector.unregister(key.fd)
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    return bytes(buffers[out_fd]), bytes(buffers[err_fd]), timed_out


def _decode(data: bytes, encoding: str) -> str:
    # Windows programs end lines with CRLF; tests compare lines, so give them universal newlines.
    return data.decode(encoding, errors="replace").replace("\r\n", "\n")
