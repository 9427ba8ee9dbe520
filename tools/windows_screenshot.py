"""Screenshot of the frozen Windows wizard running under Wine on a virtual X display.

    python tools/windows_screenshot.py [--bundle DIR] [--out PNG] [--style classic|modern|native] [--keep]

Runs dist/windows/offramp/offramp-gui.exe (built with `make dist-windows`; built first when missing) in a fresh
Wine test bed (tests/support/winebed.py) on Xvfb, waits until the wizard's window has drawn, grabs that window
with ImageMagick's `import` and writes docs/screenshots/windows-wine-welcome.png by default.

What it takes under Wine 8 (Debian: tools/apt/wine.txt and tools/apt/packaging-windows.txt):

* PySide6 6.12 needs two Windows DLLs that Wine 8 lacks: the system icuuc.dll (Qt6Core links it) and
  mscms.dll's WcsCreateIccProfile (Qt6Gui calls it per screen). The bed puts test-only stand-ins built from
  tests/support/wine_shims/ into the prefix's System32 only, never into the bundle, and "mscms=n,b" makes
  Wine load the stand-in instead of its built-in mscms.dll.
* The MSVC runtime is forced to the bundle's own copies ("msvcp140...=n"), as on a Windows without the
  VC++ redistributable.
* The native Aero (Vista) wizard style draws no button row under Wine, so the wizard starts with
  --wizard-style classic unless --style says otherwise.
* Debian's Wine does not find its own fonts (fonts-wine), and Qt's DirectWrite font database then falls back
  to the alphabetically first font it sees (a serif one on most machines). The prefix gets Wine's Tahoma
  look-alike copied to C:\\windows\\Fonts and registered, as Windows registers its UI fonts.
* There is no window manager, so the grab is the window's client area, without a title bar.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.winebed import WineBed, to_windows_path  # noqa: E402
from tests.support.winpython import provision_windows_python  # noqa: E402

BUNDLE = REPO / "dist" / "windows" / "offramp"
OUT = REPO / "docs" / "screenshots" / "windows-wine-welcome.png"
GUI_EXE = "offramp-gui.exe"
TOOLS = ("Xvfb", "xwininfo", "import", "wine", "wineserver")
WINE_OVERRIDES = (
    "mscoree,mshtml,winemenubuilder.exe=d;mscms=n,b;msvcp140,msvcp140_1,msvcp140_2,vcruntime140,vcruntime140_1=n"
)
SCREEN = "1280x900x24"
# Wine's Tahoma look-alike (Debian: fonts-wine), Wine's UI font, registered in the prefix like a Windows font.
WINE_FONT_DIRS = (Path("/usr/share/wine/fonts"), Path("/usr/share/fonts/truetype/wine"))
UI_FONTS = {"tahoma.ttf": "Tahoma (TrueType)", "tahomabd.ttf": "Tahoma Bold (TrueType)"}
FONTS_KEY = "HKLM\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Fonts"
# A line of `xwininfo -root -tree`: 0x1e00003 "Offramp": ("offramp-gui.exe" "Wine")  820x640+0+0  +230+130
WINDOW_LINE = re.compile(r'^\s*(0x[0-9a-f]+) "(?P<title>[^"]*)": \("(?P<res>[^"]*)" "[^"]*"\)\s+(?P<w>\d+)x(?P<h>\d+)')


class ScreenshotError(RuntimeError):
    pass


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """A private X server on the first free display; returns it and its ":N"."""
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", SCREEN, "-nolisten", "tcp"],
        pass_fds=(write,),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        proc.kill()
        raise ScreenshotError("Xvfb did not start (no display number on -displayfd)")
    return proc, f":{number}"


def install_ui_fonts(bed: WineBed) -> None:
    source = next((folder for folder in WINE_FONT_DIRS if (folder / "tahoma.ttf").is_file()), None)
    if source is None:
        print(
            "note: Wine's Tahoma (Debian: fonts-wine) is missing; the wizard's text will be drawn in a fallback font",
            file=sys.stderr,
        )
        return
    for name, face in UI_FONTS.items():
        shutil.copy2(source / name, bed.drive_c / "windows" / "Fonts" / name)
        bed.reg_add(FONTS_KEY, face, name)


def find_window(display: str, title: str) -> tuple[str, int, int] | None:
    """The largest mapped top-level window of the wizard titled `title`: (id, width, height)."""
    tree = subprocess.run(
        ["xwininfo", "-root", "-tree"],
        capture_output=True,
        text=True,
        env={**os.environ, "DISPLAY": display},
        timeout=30,
    ).stdout
    found = []
    for line in tree.splitlines():
        match = WINDOW_LINE.match(line)
        if match and match["title"] == title and match["res"].lower() == GUI_EXE:
            found.append((match[1], int(match["w"]), int(match["h"])))
    return max(found, key=lambda w: w[1] * w[2]) if found else None


def screenshot(
    bundle: Path, out: Path, style: str = "classic", *, keep: bool = False, timeout: float = 120, settle: float = 4.0
) -> Path:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        raise ScreenshotError(
            f"missing tools: {', '.join(missing)} (Debian: tools/apt/wine.txt, tools/apt/packaging-windows.txt)"
        )
    if not (bundle / GUI_EXE).is_file():
        raise ScreenshotError(f"{bundle / GUI_EXE} is missing; run `make dist-windows` first")
    runtime = provision_windows_python()
    xvfb, display = start_xvfb()
    workdir = Path(tempfile.mkdtemp(prefix="offramp-wine-screenshot-"))
    bed = None
    app: subprocess.Popen[bytes] | None = None
    output: list[bytes] = []
    try:
        bed = WineBed.create(workdir / "bed", runtime, display=display)
        install_ui_fonts(bed)
        env = bed.env({"WINEDLLOVERRIDES": WINE_OVERRIDES, "OFFRAMP_HOME": to_windows_path(workdir / "home")})
        args = ["wine", to_windows_path(bundle / GUI_EXE)] + (["--wizard-style", style] if style != "native" else [])
        # Windows programs need pipes for their standard streams; a thread drains them.
        app = subprocess.Popen(
            args, env=env, cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        assert app.stdout is not None
        fd = app.stdout.fileno()
        threading.Thread(target=lambda: output.extend(iter(lambda: os.read(fd, 65536), b"")), daemon=True).start()
        deadline = time.monotonic() + timeout
        window = None
        while window is None:
            if app.poll() is not None:
                raise ScreenshotError(
                    f"{GUI_EXE} exited {app.returncode} before showing a window:\n"
                    + b"".join(output).decode(errors="replace")[-3000:]
                )
            if time.monotonic() > deadline:
                raise ScreenshotError(f"no wizard window on {display} after {timeout} s")
            time.sleep(0.5)
            window = find_window(display, "Offramp")
        time.sleep(settle)  # the first paint, fonts and the welcome page's layout
        window = find_window(display, "Offramp") or window
        out.parent.mkdir(parents=True, exist_ok=True)
        grab = subprocess.run(
            ["import", "-display", display, "-window", window[0], str(out)], capture_output=True, text=True, timeout=60
        )
        if grab.returncode != 0 or not out.is_file():
            raise ScreenshotError(f"import -window {window[0]} failed ({grab.returncode}): {grab.stderr.strip()}")
        print(f"{out}: {window[1]}x{window[2]} window {window[0]} of {GUI_EXE} on {display}", flush=True)
        return out
    finally:
        if bed is not None:
            bed.kill_windows_processes()
            bed.close(remove=not keep)
        if app is not None and app.poll() is None:
            app.kill()
            app.wait(10)
        xvfb.terminate()
        xvfb.wait(10)
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--bundle", type=Path, default=BUNDLE, help="the Windows bundle (default: dist/windows/offramp)"
    )
    parser.add_argument("--out", type=Path, default=OUT, help="the PNG to write")
    parser.add_argument(
        "--style",
        choices=["classic", "modern", "native"],
        default="classic",
        help="wizard style (native is Aero, which draws no buttons under Wine)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the Wine prefix for debugging")
    args = parser.parse_args(argv)
    if not (args.bundle / GUI_EXE).is_file() and args.bundle.resolve() == BUNDLE:
        subprocess.run(
            [sys.executable, str(REPO / "packaging" / "windows" / "build_windows.py"), "--no-installer"], check=True
        )
    try:
        screenshot(args.bundle.resolve(), args.out.resolve(), args.style, keep=args.keep)
    except ScreenshotError as exc:
        print(f"windows_screenshot: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
