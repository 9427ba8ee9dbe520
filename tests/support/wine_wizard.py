"""The installed Windows wizard under Wine, walked through every page the way a person walks it, a PNG of each.

``prepare`` readies a fresh prefix as the machine of a person who has Kaspersky: Offramp installed by its own
NSIS installer, a Kaspersky-shaped MSI installed by Wine's msiexec, and the Microsoft Defender service that every
Windows 10/11 has and Wine lacks. ``walk`` starts the installed offramp-gui.exe on the prefix's X display and
goes Welcome → What we found → Why it matters → Choose → Before we remove anything → Ready to remove → Migrating
→ Done with key presses only (Return for the highlighted button, Tab and Space for a tick box), waiting each time
on the wizard's own log (``wizard.page``, ``wizard.page.ready``, ``wizard.done``) and never for a fixed time.
It keeps the choice Offramp offers first (the recommended one), and presses Finish at the end.

An administrator's Offramp keeps its log, state and report in %ProgramData%\\Offramp, and Wine's user is an
administrator, so that is where the log is followed and the report read, as on a person's PC.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.drain import Drain
from tests.support.msibuild import MsiSpec, build_msi
from tests.support.winebed import WineBed, to_windows_path
from tests.support.winegui import (
    EventLog,
    GuiError,
    Window,
    find_window,
    grab_png,
    install_ui_fonts,
    park_pointer,
    press,
    wait_until,
)

__all__ = ["FLOW", "GUI_EXE", "INSTALL_DIR", "NATIVE_RUNTIME", "SYSTEM_HOME", "Walked", "prepare", "walk"]

INSTALL_DIR = "C:\\Program Files\\Offramp"
GUI_EXE = "offramp-gui.exe"
SYSTEM_HOME = "C:\\ProgramData\\Offramp"
DEFENDER = "WinDefend"
DEFENDER_EXE = "C:\\Program Files\\Windows Defender\\MsMpEng.exe"
# Wine's built-in copies of the MSVC runtime are never used (as on a Windows without the VC++ redistributable);
# mscms is the test-only stand-in PySide6 needs to draw under Wine 8 (tools/windows_screenshot.py says why).
NATIVE_RUNTIME = (
    "mscoree,mshtml,winemenubuilder.exe=d;mscms=n,b;msvcp140,msvcp140_1,msvcp140_2,vcruntime140,vcruntime140_1=n"
)
# The pages in the order a person meets them, each with the file name its picture gets.
FLOW = ("welcome", "found", "why", "choose", "rescue", "confirm", "migrate", "done")
# How long a page may take to be ready: the scan and the migration run the real thing under Wine.
PAGE_TIMEOUT_S = {"welcome": 180, "found": 240, "migrate": 420}
DEFAULT_TIMEOUT_S = 60


@dataclass
class Walked:
    """What walking the wizard gave: a picture per page, the wizard's log, what the Done page said, its exit."""

    shots: dict[str, Path] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    done: dict[str, Any] = field(default_factory=dict)  # the Done page's words, as it logged them
    exit_code: int | None = None
    output: str = ""

    def pages(self) -> list[str]:
        return [e["page"] for e in self.events if e.get("event") == "wizard.page"]


def prepare(bed: WineBed, installer: Path, product: MsiSpec, work: Path) -> None:
    """Makes the prefix the machine of a person with `product` (a Kaspersky-shaped MSI) who has installed Offramp."""
    install_ui_fonts(bed)  # Windows has its UI fonts; Debian's Wine does not find its own
    installed = bed.run_windows([to_windows_path(installer), "/S"], timeout=300)
    if installed.returncode != 0:
        raise GuiError(f"the Offramp installer exited {installed.returncode}: {installed.stdout}{installed.stderr}")
    bed.wait_idle()
    code = bed.msi_install(build_msi(product, work / "msi"))
    if code != 0:
        raise GuiError(f"msiexec could not install {product.name}: exit {code}")
    # Part of Windows 10/11, which Wine lacks; psutil's service list needs a display name to read it.
    bed.create_service(DEFENDER, DEFENDER_EXE, display_name="Microsoft Defender Antivirus")


class _Running:
    """The wizard's process: its output drained on a thread (Windows programs need pipes), its exit awaited."""

    def __init__(self, bed: WineBed, args: list[str]) -> None:
        env = bed.env({"WINEDLLOVERRIDES": NATIVE_RUNTIME})
        # As a person starts it: Offramp's own folders, not those a test run points OFFRAMP_HOME at.
        env.pop("OFFRAMP_HOME", None)
        self.proc = subprocess.Popen(
            ["wine", f"{INSTALL_DIR}\\{GUI_EXE}", *args],
            env=env,
            cwd=bed.root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert self.proc.stdout is not None
        self._output = Drain(self.proc.stdout)

    def output(self) -> str:
        return self._output.text()

    def gone(self) -> str | None:
        """Why waiting on the window is pointless: it exited."""
        if self.proc.poll() is None:
            return None
        self._output.join(5)  # its last words may still be in the pipe (Wine's services can hold it open)
        return f"{GUI_EXE} exited {self.proc.returncode}:\n{self.output()[-3000:]}"


@contextmanager
def _started(bed: WineBed, args: list[str]) -> Iterator[_Running]:
    running = _Running(bed, args)
    try:
        yield running
    finally:
        if running.proc.poll() is None:
            bed.kill_windows_processes()
            running.proc.kill()
        running.proc.wait(30)
        if running.proc.stdout is not None:
            running.proc.stdout.close()


def walk(bed: WineBed, display: str, shots: Path, *, ticks: int, style: str = "classic") -> Walked:
    """Walks the installed wizard from Welcome to Finish on `display`, writing `shots`/NN-<page>.png. `ticks` is how
    many tick boxes the rescue page has (one per kind of data the product can take with it)."""
    log = EventLog(bed.host_path(f"{SYSTEM_HOME}\\logs\\offramp.jsonl"))
    log.read()  # an earlier run's lines are not this walk's
    walked = Walked()
    with _started(bed, ["--wizard-style", style]) as wizard:
        window: Window | None = None
        for number, page in enumerate(FLOW, 1):
            timeout = PAGE_TIMEOUT_S.get(page, DEFAULT_TIMEOUT_S)
            shown = log.wait(
                _is("wizard.page", page),
                f"the {page} page",
                timeout=timeout,
                alive=wizard.gone,
            )
            window = window or _window(display, wizard)
            ready = bool(shown.get("complete"))
            if page == "rescue":
                # Focus starts on the page's body: Tab reaches the first tick box, and each Tab the next one.
                for _ in range(ticks):
                    press(display, window, "Tab", "space")
            if not ready:
                log.wait(
                    _is("wizard.page.ready", page),
                    f"the {page} page to be ready",
                    timeout=timeout,
                    alive=wizard.gone,
                )
            walked.shots[page] = grab_png(display, window, shots / f"{number:02d}-{page}.png")
            press(display, window, "Return")  # Next, the action button on Ready to remove, then Finish
        try:
            walked.exit_code = wizard.proc.wait(60)
        except subprocess.TimeoutExpired as exc:
            raise GuiError(f"{GUI_EXE} was still running 60 s after Finish:\n{wizard.output()[-3000:]}") from exc
        walked.output = wizard.output()
    bed.wait_idle()
    log.read()
    walked.events = log.events
    walked.done = next((e for e in reversed(log.events) if e.get("event") == "wizard.done"), {})
    return walked


def _is(event: str, page: str) -> Callable[[dict[str, Any]], bool]:
    """Whether a log line is `event` for `page`."""
    return lambda line: line.get("event") == event and line.get("page") == page


def _window(display: str, wizard: _Running) -> Window:
    """The wizard's window, once Wine has mapped it (the first page is logged just before it is drawn)."""
    window = wait_until(
        lambda: find_window(display, "Offramp", GUI_EXE), "the wizard's window", timeout=60, alive=wizard.gone
    )
    park_pointer(display)
    return window
