"""A Windows program's window under Wine, used as a person uses it: a private X display, the window found by its
title, keys pressed, the window grabbed as a PNG, and the program's JSON Lines log followed to know what it shows.

Wine's x11 driver draws every top-level window as a real X11 window on the display in DISPLAY, so X tools see
it: ``xwininfo`` (x11-utils) lists it with its title and its resource name (the .exe), ``xdotool`` gives it the
keyboard focus and types into it through the XTEST extension (real key events, not synthetic ones, which
programs may ignore), and ImageMagick's ``import`` grabs it. There is no window manager, so there are no title
bars, and a grab is the window's client area. Debian: tools/apt/packaging-windows.txt.

Nothing here sleeps for a fixed time: every wait polls for what it waits for (a log line, a window, a picture
that stopped changing) until a deadline.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from tests.support.winebed import WineBed

__all__ = [
    "GUI_TOOLS",
    "EventLog",
    "GuiError",
    "Window",
    "find_window",
    "grab_png",
    "install_ui_fonts",
    "missing_gui_tools",
    "park_pointer",
    "press",
    "virtual_display",
    "wait_until",
    "windows",
]

GUI_TOOLS = ("Xvfb", "xwininfo", "xdotool", "import", "convert")
SCREEN = "1280x900x24"
# Wine's Tahoma look-alike (Debian: fonts-wine), Wine's UI font, registered in the prefix like a Windows font.
WINE_FONT_DIRS = (Path("/usr/share/wine/fonts"), Path("/usr/share/fonts/truetype/wine"))
UI_FONTS = {"tahoma.ttf": "Tahoma (TrueType)", "tahomabd.ttf": "Tahoma Bold (TrueType)"}
FONTS_KEY = "HKLM\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Fonts"
# A line of `xwininfo -root -tree`: 0x1e00003 "Offramp": ("offramp-gui.exe" "Wine")  820x640+0+0  +230+130
WINDOW_LINE = re.compile(
    r'^\s*(?P<id>0x[0-9a-f]+) "(?P<title>[^"]*)": \("(?P<res>[^"]*)" "[^"]*"\)\s+(?P<w>\d+)x(?P<h>\d+)'
)
POLL_S = 0.2
T = TypeVar("T")


class GuiError(RuntimeError):
    """The window did not do what was waited for; the message says what was seen instead."""


@dataclass(frozen=True)
class Window:
    id: str
    title: str
    program: str  # the resource name Wine gives it: the .exe's name
    width: int
    height: int


def missing_gui_tools() -> list[str]:
    return [tool for tool in GUI_TOOLS if shutil.which(tool) is None]


@contextmanager
def virtual_display() -> Iterator[str]:
    """A private Xvfb on the first free display number; yields its ":N" and stops it afterwards."""
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", SCREEN, "-nolisten", "tcp"],
        pass_fds=(write,),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise GuiError("Xvfb did not start (no display number on -displayfd)")
        yield f":{number}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def install_ui_fonts(bed: WineBed) -> bool:
    """Registers Wine's Tahoma look-alike in the prefix, as Windows registers its UI fonts. Debian's Wine does not
    find its own fonts (fonts-wine), and Qt's font database then falls back to the alphabetically first font it
    sees (a serif one on most machines). False when the fonts are not installed."""
    source = next((folder for folder in WINE_FONT_DIRS if (folder / "tahoma.ttf").is_file()), None)
    if source is None:
        return False
    for name, face in UI_FONTS.items():
        shutil.copy2(source / name, bed.drive_c / "windows" / "Fonts" / name)
        bed.reg_add(FONTS_KEY, face, name)
    return True


def _x(display: str, argv: list[str], timeout: float = 30) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        argv, capture_output=True, env={**os.environ, "DISPLAY": display}, timeout=timeout, stdin=subprocess.DEVNULL
    )


def windows(display: str) -> list[Window]:
    """Every named top-level window on the display that Wine made."""
    tree = _x(display, ["xwininfo", "-root", "-tree"]).stdout.decode(errors="replace")
    found = []
    for line in tree.splitlines():
        match = WINDOW_LINE.match(line)
        if match and match["title"]:
            found.append(Window(match["id"], match["title"], match["res"], int(match["w"]), int(match["h"])))
    return found


def find_window(display: str, title: str, program: str) -> Window | None:
    """The largest window of `program` (an .exe's name) titled `title`, or None."""
    found = [w for w in windows(display) if w.title == title and w.program.lower() == program.lower()]
    return max(found, key=lambda w: w.width * w.height) if found else None


def press(display: str, window: Window, *keys: str) -> None:
    """Gives `window` the keyboard focus and presses `keys` (xdotool's names: Return, Tab, space) one after the
    other, as real key events."""
    focus = _x(display, ["xdotool", "windowfocus", "--sync", window.id])
    if focus.returncode != 0:
        raise GuiError(f"xdotool could not focus {window.id}: {focus.stderr.decode(errors='replace').strip()}")
    typed = _x(display, ["xdotool", "key", "--delay", "80", *keys])
    if typed.returncode != 0:
        raise GuiError(f"xdotool key {' '.join(keys)} failed: {typed.stderr.decode(errors='replace').strip()}")


def park_pointer(display: str) -> None:
    """Moves the mouse pointer to the screen's far corner, off the window, so no button is drawn hovered."""
    width, height = (int(n) for n in SCREEN.split("x")[:2])
    _x(display, ["xdotool", "mousemove", str(width - 1), str(height - 1)])


def _pixels(display: str, window: Window) -> bytes:
    grab = _x(display, ["import", "-display", display, "-window", window.id, "ppm:-"], timeout=60)
    if grab.returncode != 0 or not grab.stdout:
        raise GuiError(f"import -window {window.id} failed ({grab.returncode}): {grab.stderr.decode().strip()}")
    return grab.stdout


def grab_png(display: str, window: Window, out: Path, *, timeout: float = 30) -> Path:
    """Writes `window` as a PNG once two grabs in a row are the same picture (it has finished drawing), or the
    last grab at `timeout`. The PNG has no time stamps, so the same picture makes the same file."""
    deadline = time.monotonic() + timeout
    last = _pixels(display, window)
    while time.monotonic() < deadline:
        time.sleep(POLL_S * 2)
        now = _pixels(display, window)
        if hashlib.sha256(now).digest() == hashlib.sha256(last).digest():
            break
        last = now
    out.parent.mkdir(parents=True, exist_ok=True)
    convert = subprocess.run(
        ["convert", "ppm:-", "-strip", "-define", "png:exclude-chunks=date,time", f"png:{out}"],
        input=last,
        capture_output=True,
        timeout=60,
    )
    if convert.returncode != 0:
        raise GuiError(f"convert could not write {out}: {convert.stderr.decode(errors='replace').strip()}")
    return out


class EventLog:
    """Follows a JSON Lines log another process writes: only complete lines, from where the last read stopped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self.events: list[dict[str, Any]] = []

    def read(self) -> list[dict[str, Any]]:
        """The events written since the last read."""
        try:
            with self.path.open("rb") as log:
                log.seek(self._offset)
                data = log.read()
        except FileNotFoundError:
            return []
        complete = data[: data.rfind(b"\n") + 1]
        self._offset += len(complete)
        new = [json.loads(line) for line in complete.decode("utf-8").splitlines() if line.strip()]
        self.events += new
        return new

    def wait(
        self,
        wanted: Callable[[dict[str, Any]], bool],
        what: str,
        *,
        timeout: float,
        alive: Callable[[], str | None] = lambda: None,
    ) -> dict[str, Any]:
        """The first new event `wanted` accepts. `alive` returns why waiting is pointless (the program ended)."""

        def seen() -> dict[str, Any] | None:
            return next((event for event in self.read() if wanted(event)), None)

        try:
            return wait_until(seen, what, timeout=timeout, alive=alive)
        except GuiError as exc:
            last = [e.get("event") for e in self.events[-12:]]
            raise GuiError(f"{exc}; the last events in {self.path}: {last}") from None


def wait_until(
    found: Callable[[], T | None], what: str, *, timeout: float, alive: Callable[[], str | None] = lambda: None
) -> T:
    """What `found` returns once it returns something, polling until `timeout`; `alive` says why to stop early."""
    deadline = time.monotonic() + timeout
    while True:
        result = found()
        if result is not None:
            return result
        gone = alive()
        if gone is not None:
            raise GuiError(f"waiting for {what}: {gone}")
        if time.monotonic() > deadline:
            raise GuiError(f"no {what} after {timeout} s")
        time.sleep(POLL_S)
