"""Screenshots of the frozen Windows wizard running under Wine on a virtual X display.

    python tools/windows_screenshot.py [--bundle DIR] [--out PNG] [--style classic|modern|native] [--keep]
    python tools/windows_screenshot.py --flow [--installer EXE] [--out-dir DIR] [--keep]

Runs dist/windows/offramp/offramp-gui.exe (built with `make dist-windows`; built first when missing) in a fresh
Wine test bed (tests/support/winebed.py) on Xvfb, waits until the wizard's window has drawn, grabs that window
with ImageMagick's `import` and writes docs/screenshots/windows-wine-welcome.png by default.

With --flow it installs dist/windows/offramp-<version>-setup.exe into a fresh prefix with a Kaspersky-shaped MSI
and walks the installed wizard from Welcome to Finish with key presses, as
tests/packaging/test_windows_wizard.py does (tests/support/wine_wizard.py), writing one PNG per page to
docs/screenshots/windows/.

What it takes under Wine 8 (Debian: tools/apt/wine.txt and tools/apt/packaging-windows.txt):

* PySide6 6.12 needs two Windows DLLs that Wine 8 lacks: the system icuuc.dll (Qt6Core links it) and
  mscms.dll's WcsCreateIccProfile (Qt6Gui calls it per screen). The bed puts test-only stand-ins built from
  tests/support/wine_shims/ into the prefix's System32 only, never into the bundle, and "mscms=n,b" makes
  Wine load the stand-in instead of its built-in mscms.dll.
* The MSVC runtime is forced to the bundle's own copies ("msvcp140...=n"), as on a Windows without the
  VC++ redistributable.
* The mouse pointer is moved off the window (flow), and a page is grabbed once two grabs in a row agree.
* The native Aero (Vista) wizard style draws no button row under Wine, so the wizard starts with
  --wizard-style classic unless --style says otherwise.
* Debian's Wine does not find its own fonts (fonts-wine), and Qt's DirectWrite font database then falls back
  to the alphabetically first font it sees (a serif one on most machines). The prefix gets Wine's Tahoma
  look-alike copied to C:\\windows\\Fonts and registered, as Windows registers its UI fonts.
* There is no window manager, so the grab is the window's client area, without a title bar.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.drain import Drain  # noqa: E402
from tests.support.winebed import WineBed, to_windows_path  # noqa: E402
from tests.support.winegui import find_window, install_ui_fonts, virtual_display  # noqa: E402
from tests.support.winpython import provision_windows_python  # noqa: E402

BUNDLE = REPO / "dist" / "windows" / "offramp"
OUT = REPO / "docs" / "screenshots" / "windows-wine-welcome.png"
GUI_EXE = "offramp-gui.exe"
TOOLS = ("Xvfb", "xwininfo", "import", "wine", "wineserver")
WINE_OVERRIDES = (
    "mscoree,mshtml,winemenubuilder.exe=d;mscms=n,b;msvcp140,msvcp140_1,msvcp140_2,vcruntime140,vcruntime140_1=n"
)
FLOW_OUT = REPO / "docs" / "screenshots" / "windows"
FLOW_TOOLS = (*TOOLS, "xdotool", "convert", "wixl", "makensis")


class ScreenshotError(RuntimeError):
    pass


def _missing(tools: tuple[str, ...]) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        raise ScreenshotError(
            f"missing tools: {', '.join(missing)} (Debian: tools/apt/wine.txt, tools/apt/packaging-windows.txt)"
        )


def screenshot(
    bundle: Path, out: Path, style: str = "classic", *, keep: bool = False, timeout: float = 120, settle: float = 4.0
) -> Path:
    _missing(TOOLS)
    if not (bundle / GUI_EXE).is_file():
        raise ScreenshotError(f"{bundle / GUI_EXE} is missing; run `make dist-windows` first")
    runtime = provision_windows_python()
    workdir = Path(tempfile.mkdtemp(prefix="offramp-wine-screenshot-"))
    bed = None
    app: subprocess.Popen[bytes] | None = None
    try:
        with virtual_display() as display:
            try:
                bed = WineBed.create(workdir / "bed", runtime, display=display)
                if not install_ui_fonts(bed):
                    print(
                        "note: Wine's Tahoma (Debian: fonts-wine) is missing; the wizard's text will be drawn in a "
                        "fallback font",
                        file=sys.stderr,
                    )
                env = bed.env({"WINEDLLOVERRIDES": WINE_OVERRIDES, "OFFRAMP_HOME": to_windows_path(workdir / "home")})
                args = ["wine", to_windows_path(bundle / GUI_EXE)]
                args += ["--wizard-style", style] if style != "native" else []
                # Windows programs need pipes for their standard streams; a thread drains them.
                app = subprocess.Popen(
                    args,
                    env=env,
                    cwd=workdir,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                )
                assert app.stdout is not None
                output = Drain(app.stdout)
                deadline = time.monotonic() + timeout
                window = None
                while window is None:
                    if app.poll() is not None:
                        output.join(5)  # its last words may still be in the pipe
                        raise ScreenshotError(
                            f"{GUI_EXE} exited {app.returncode} before showing a window:\n" + output.text()[-3000:]
                        )
                    if time.monotonic() > deadline:
                        raise ScreenshotError(f"no wizard window on {display} after {timeout} s")
                    time.sleep(0.5)
                    window = find_window(display, "Offramp", GUI_EXE)
                time.sleep(settle)  # the first paint, fonts and the welcome page's layout
                window = find_window(display, "Offramp", GUI_EXE) or window
                out.parent.mkdir(parents=True, exist_ok=True)
                grab = subprocess.run(
                    ["import", "-display", display, "-window", window.id, str(out)],
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                if grab.returncode != 0 or not out.is_file():
                    raise ScreenshotError(f"import -window {window.id} failed ({grab.returncode}): {grab.stderr}")
                print(f"{out}: {window.width}x{window.height} window {window.id} of {GUI_EXE} on {display}")
                return out
            finally:
                if bed is not None:
                    bed.kill_windows_processes()
                    bed.close(remove=not keep)
                if app is not None and app.poll() is None:
                    app.kill()
                    app.wait(10)
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def flow(installer: Path, out_dir: Path, *, keep: bool = False) -> list[Path]:
    """Every page of the installed wizard, walked from Welcome to Finish on a Kaspersky-shaped machine."""
    from offramp.core.data.catalogue import load_catalogue
    from tests.support.windows_fixtures import load_windows_fixtures
    from tests.support.wine_wizard import prepare, walk
    from tests.support.winegui import GuiError

    _missing(FLOW_TOOLS)
    if not installer.is_file():
        raise ScreenshotError(f"{installer} is missing; run `make dist-windows` first")
    kes = load_windows_fixtures().packages["kes"]
    ticks = len(load_catalogue(catalogue_id="kaspersky").product("kaspersky-endpoint-security-windows").data_at_risk)
    runtime = provision_windows_python()
    workdir = Path(tempfile.mkdtemp(prefix="offramp-wine-flow-"))
    shots = workdir / "shots"
    try:
        with virtual_display() as display:
            bed = WineBed.create(workdir / "bed", runtime, display=display)
            try:
                prepare(bed, installer, kes, workdir)
                walked = walk(bed, display, shots, ticks=ticks)
            except GuiError as exc:
                raise ScreenshotError(str(exc)) from exc
            finally:
                bed.kill_windows_processes()
                bed.close(remove=not keep)
        if walked.exit_code != 0:
            raise ScreenshotError(f"{GUI_EXE} exited {walked.exit_code}:\n{walked.output[-3000:]}")
        out_dir.mkdir(parents=True, exist_ok=True)
        for old in out_dir.glob("*.png"):
            old.unlink()
        written = []
        for shot in sorted(shots.glob("*.png")):
            written.append(Path(shutil.copy2(shot, out_dir / shot.name)))
            print(f"{out_dir / shot.name}", flush=True)
        print(f"Done page: {walked.done.get('title')} ({walked.done.get('tone')})", flush=True)
        return written
    finally:
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
    parser.add_argument(
        "--flow", action="store_true", help="install, then walk every page of the installed wizard, one PNG each"
    )
    parser.add_argument("--installer", type=Path, default=None, help="the NSIS installer (default: dist/windows/)")
    parser.add_argument("--out-dir", type=Path, default=FLOW_OUT, help="where --flow writes its PNGs")
    parser.add_argument("--keep", action="store_true", help="keep the Wine prefix for debugging")
    args = parser.parse_args(argv)
    build = [sys.executable, str(REPO / "packaging" / "windows" / "build_windows.py")]
    try:
        if args.flow:
            installer = args.installer or BUNDLE.parent / f"offramp-{_version()}-setup.exe"
            if args.installer is None and not installer.is_file():
                subprocess.run(build, check=True)
            flow(installer.resolve(), args.out_dir.resolve(), keep=args.keep)
            return 0
        if not (args.bundle / GUI_EXE).is_file() and args.bundle.resolve() == BUNDLE:
            subprocess.run([*build, "--no-installer"], check=True)
        screenshot(args.bundle.resolve(), args.out.resolve(), args.style, keep=args.keep)
    except ScreenshotError as exc:
        print(f"windows_screenshot: {exc}", file=sys.stderr)
        return 1
    return 0


def _version() -> str:
    from tests.support.windows_build import build_windows

    return str(build_windows.layout.version())


if __name__ == "__main__":
    sys.exit(main())
