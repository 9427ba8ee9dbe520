"""Getting administrator rights for the one part of Offramp that needs them, through each system's own prompt.

The window stays unprivileged: Qt, the user's fonts, theme and session never run as root. When a
migration starts on Linux or macOS without rights, Offramp starts its console program's worker
(`offramp migrate-worker`, app/core/migrate/remote.py) through the system's authorization prompt:

- Linux: `pkexec`, polkit's own password dialog. The packages ship a polkit action for the installed
  console program (packaging/debian/org.offramp.Offramp.policy), so the dialog names Offramp and what it
  is about to do. pkexec gives the child a clean environment and exits 126 when the person dismisses
  the dialog, 127 when they are not authorised.
- macOS: `osascript`'s `do shell script … with administrator privileges`, the system's own
  authorization dialog. It waits for the command to end, so the worker is started in the background
  and reports over the socket; osascript exits 1 ("User canceled", error -128) when the dialog is
  dismissed.
- Windows asks through the programs' manifest before they start, so nothing is wrapped there.

Each wrapper is an `Elevation`; `Direct` is the test one beside them: it runs the worker as it is, for
tests that migrate a private root (which needs no rights) through the same worker and protocol.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# pkexec(1): 126 "the authorization could not be obtained because the user dismissed the authentication
# dialog", 127 "the user is not authorized" (or the authentication failed).
PKEXEC_DISMISSED = 126
PKEXEC_NOT_AUTHORIZED = 127


class ElevationUnavailable(Exception):
    """This system has no way for the window to get administrator rights; the message says what to do."""


@dataclass(frozen=True)
class Elevation:
    """How to run a command with administrator rights; `refused(code)` says whether an exit code means "no"."""

    name: str
    prefix: tuple[str, ...] = ()
    background_shell: bool = False  # macOS: the command goes, quoted, into an AppleScript shell command

    def wrap(self, argv: Sequence[str]) -> list[str]:
        if not self.background_shell:
            return [*self.prefix, *argv]
        command = " ".join(shlex.quote(a) for a in argv) + " >/dev/null 2>&1 &"
        script = f"do shell script {_applescript_string(command)} with administrator privileges"
        return [*self.prefix, "-e", script]

    def refused(self, code: int) -> bool:
        """True when the wrapper's exit code says the person did not give the rights (or could not)."""
        if self.name == "pkexec":
            return code in (PKEXEC_DISMISSED, PKEXEC_NOT_AUTHORIZED)
        if self.name == "osascript":
            return code != 0
        return False


DIRECT = Elevation("direct")  # the test implementation: no prompt, the worker runs as the caller


def _applescript_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def needed(root: str | None) -> bool:
    """Whether a migration of this target needs rights the caller lacks (a private --root needs none)."""
    if os.name == "nt" or root:
        return False
    return os.geteuid() != 0


def for_this_system(which: Callable[[str], str | None] | None = None) -> Elevation:
    """The system's own prompt, or ElevationUnavailable saying what to do instead."""
    import shutil

    find = which or shutil.which
    if sys.platform == "darwin":
        return Elevation("osascript", ("/usr/bin/osascript",), background_shell=True)
    if os.name == "nt":
        return DIRECT  # the manifest asked before the program started
    pkexec = find("pkexec")
    if pkexec is None:
        raise ElevationUnavailable(
            "this system has no pkexec (polkit), so the window cannot ask for an administrator's password. "
            "Install the 'pkexec' package, or run 'sudo offramp migrate' in a terminal"
        )
    return Elevation("pkexec", (pkexec,))


def worker_command() -> list[str]:
    """The console program's worker, by absolute path (pkexec matches its polkit action by the path)."""
    if getattr(sys, "frozen", False):
        # Both programs sit side by side in the bundle; the console one is "offramp" (packaging/layout.py).
        console = Path(sys.executable).with_name("offramp.exe" if os.name == "nt" else "offramp")
        return [str(console), "migrate-worker"]
    return [sys.executable, "-m", "offramp", "migrate-worker"]
