"""Builds Offramp for Windows on Linux: build.spec under Windows CPython in Wine, then an NSIS installer.

    python packaging/windows/build_windows.py [--dist DIR] [--work DIR] [--no-installer] [--keep-prefix]

Run it with the Linux venv's Python (`make dist-windows`). It makes, by default:

    dist/windows/offramp/                     offramp-gui.exe (wizard), offramp.exe (console program), _internal/
    dist/windows/offramp-<version>-setup.exe  installs it under C:\\Program Files\\Offramp (/S: silently)

How, and why this way (tests/support/winebed.py explains what running Windows programs under Wine needs):

* PyInstaller only builds for the OS it runs on, so it runs inside a throw-away 64-bit Wine prefix, in the
  official Windows CPython 3.13 with win_amd64 wheels of PyInstaller and PySide6-Essentials 6.12 unzipped into
  it (``provision_windows_build_python`` in tests/support/winpython.py; cached, ~10 s when warm). The prefix is
  a ``WineBed``, which knows how to run Windows programs from Linux reliably (pipes, timeouts, Wine's services).
* The prefix's System32 holds test-only stand-ins for DLLs Wine 8 lacks (icuuc.dll: PySide6's hooks import
  QtCore while PyInstaller analyses; bcryptprimitives.dll for rpds-py; mscms.dll). PyInstaller never bundles
  anything from C:\\windows, and ``check_bundle`` fails the build if one of them shows up in the bundle anyway.
* PyInstaller under Wine skips Wine's built-in copies of DLLs ("Excluding Wine built-in DLL"), so the MSVC
  runtime (MSVCP140*.dll, VCRUNTIME140*.dll) is only bundled where a wheel or Python itself ships it next to
  the binaries that need it. PySide6/shiboken6 6.12 and the embeddable Python do; ``ensure_msvc_runtime``
  reads every PE file's import table and copies any runtime DLL still missing from those sources, and
  ``check_bundle`` fails the build if the bundle imports a DLL that is neither in it nor part of Windows,
  so it runs on a Windows without the VC++ redistributable.
* makensis (Debian's nsis) packs the bundle with packaging/windows/offramp.nsi; the uninstaller's file list is
  generated from the bundle, so it removes exactly what the installer put there.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import ModuleType

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # for tests.support: the Wine bed and the Windows runtime


def _load_layout() -> ModuleType:
    """packaging/layout.py, loaded by path: putting packaging/ on sys.path would shadow PyPI's `packaging`
    and `build` in whatever process imports this module (the packaging tests do)."""
    spec = importlib.util.spec_from_file_location("offramp_packaging_layout", REPO / "packaging" / "layout.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


layout = _load_layout()

from tests.support.winebed import WineBed, WineBedError, to_windows_path  # noqa: E402
from tests.support.winpython import (  # noqa: E402
    MINGW_GCC,
    ProvisionError,
    WindowsRuntime,
    provision_windows_build_python,
)

DIST = layout.DIST / "windows"
WORK = layout.WORK / "windows"
NSI = HERE / "offramp.nsi"
APT_LISTS = (REPO / "tools" / "apt" / "wine.txt", REPO / "tools" / "apt" / "packaging-windows.txt")
# The names build.spec gives the programs on Windows (layout.GUI_NAME/CLI_NAME as seen by Windows Python).
GUI_EXE = "offramp-gui.exe"
CLI_EXE = "offramp.exe"
BUILD_TOOLS = ("wine", "wineserver", MINGW_GCC)
INSTALLER_TOOLS = ("makensis",)
# Test-only System32 stand-ins (tests/support/wine_shims/*.c): never allowed in the bundle.
TEST_SHIMS = frozenset({"bcryptprimitives.dll", "icuuc.dll", "mscms.dll"})
# The Microsoft Visual C++ runtime: not part of Windows, so the bundle must carry every one it imports.
MSVC_RUNTIME = re.compile(r"^(msvcp140(_\w+)?|vcruntime140(_\w+)?|concrt140|vccorlib140|vcomp140)\.dll$", re.I)
# DLLs every Windows 10/11 (x64) has in System32; the bundle may import these without shipping them. Anything
# else imported but not in the bundle fails the build: it would be missing on a user's machine.
WINDOWS_DLLS = frozenset(
    {
        "advapi32.dll",
        "authz.dll",
        "bcrypt.dll",
        "bcryptprimitives.dll",
        "comctl32.dll",
        "comdlg32.dll",
        "crypt32.dll",
        "d2d1.dll",
        "d3d11.dll",
        "d3d12.dll",
        "d3d9.dll",
        "dcomp.dll",
        "dwmapi.dll",
        "dwrite.dll",
        "dxgi.dll",
        "dxva2.dll",
        "gdi32.dll",
        "gdiplus.dll",
        "icu.dll",
        "icuin.dll",
        "icuuc.dll",
        "imm32.dll",
        "iphlpapi.dll",
        "kernel32.dll",
        "mpr.dll",
        "mscms.dll",
        "msimg32.dll",
        "msvcrt.dll",
        "ncrypt.dll",
        "netapi32.dll",
        "ntdll.dll",
        "ole32.dll",
        "oleacc.dll",
        "oleaut32.dll",
        "pdh.dll",
        "powrprof.dll",
        "propsys.dll",
        "psapi.dll",
        "rpcrt4.dll",
        "secur32.dll",
        "setupapi.dll",
        "shcore.dll",
        "shell32.dll",
        "shlwapi.dll",
        "ucrtbase.dll",
        "uiautomationcore.dll",
        "user32.dll",
        "userenv.dll",
        "uxtheme.dll",
        "version.dll",
        "winhttp.dll",
        "wininet.dll",
        "winmm.dll",
        "winspool.drv",
        "wintrust.dll",
        "wtsapi32.dll",
        "ws2_32.dll",
        "wsock32.dll",
    }
)
WINE_OVERRIDES = "mscoree,mshtml,winemenubuilder.exe=d;mscms=n,b"
PYINSTALLER_TIMEOUT_S = 1200
MAKENSIS_TIMEOUT_S = 600


class BuildError(RuntimeError):
    """A step of the Windows build failed; the message names the step and what the tool printed."""


@dataclass
class WindowsBuild:
    bundle: Path
    installer: Path | None
    seconds: dict[str, float] = field(default_factory=dict)
    added_runtime_dlls: list[str] = field(default_factory=list)
    skipped_wine_builtins: list[str] = field(default_factory=list)


def missing_tools(installer: bool = True) -> list[str]:
    """The Linux commands the build needs that are not on PATH (Debian: tools/apt/wine.txt and
    tools/apt/packaging-windows.txt)."""
    return [tool for tool in (*BUILD_TOOLS, *(INSTALLER_TOOLS if installer else ())) if shutil.which(tool) is None]


def ensure_system_packages() -> None:
    """As root on Debian, apt-get installs what is missing; otherwise it only says what to install."""
    if sys.platform.startswith("linux") and shutil.which("dpkg-query"):
        subprocess.run(["bash", str(REPO / "tools" / "ensure-system-packages.sh"), *map(str, APT_LISTS)], check=True)


def installer_name(version: str) -> str:
    return f"offramp-{version}-setup.exe"


# ---- the bundle ---------------------------------------------------------------------------------------------


def build_bundle(
    dist: Path, work: Path, runtime: WindowsRuntime, *, keep_prefix: bool = False, result: WindowsBuild | None = None
) -> Path:
    """Runs `python -m PyInstaller build.spec` in a fresh Wine prefix; returns dist/offramp."""
    prefix_root = work / "wine"
    if prefix_root.exists():
        WineBed(prefix_root, runtime).close(remove=True)
    work.mkdir(parents=True, exist_ok=True)
    dist.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    bed = WineBed.create(prefix_root, runtime, repo=REPO)
    if result is not None:
        result.seconds["wine prefix"] = time.perf_counter() - started
    try:
        started = time.perf_counter()
        run = bed.python(
            [
                "-m",
                "PyInstaller",
                "--noconfirm",
                "--distpath",
                to_windows_path(dist),
                "--workpath",
                to_windows_path(work / "pyinstaller"),
                to_windows_path(REPO / "build.spec"),
            ],
            env={"WINEDLLOVERRIDES": WINE_OVERRIDES},
            cwd=REPO,
            timeout=PYINSTALLER_TIMEOUT_S,
        )
        log = work / "pyinstaller.log"
        log.write_text(run.stdout + run.stderr, encoding="utf-8")
        if run.returncode != 0:
            raise BuildError(
                f"PyInstaller under Wine exited {run.returncode} (full log: {log}):\n"
                f"{(run.stdout + run.stderr)[-4000:]}"
            )
        if result is not None:
            result.seconds["pyinstaller"] = time.perf_counter() - started
            result.skipped_wine_builtins = sorted(set(re.findall(r"Excluding Wine built-in DLL: (\S+)", run.stderr)))
    finally:
        bed.close(remove=not keep_prefix)
    bundle = dist / layout.BUNDLE_NAME
    if not (bundle / CLI_EXE).is_file():
        raise BuildError(f"PyInstaller reported success but {bundle / CLI_EXE} is missing")
    return bundle


def pe_imports(path: Path) -> set[str]:
    """Lower-case names of the DLLs a PE file imports, normal and delay-loaded; empty for a non-PE file."""
    data = path.read_bytes()
    if len(data) < 0x40 or data[:2] != b"MZ":
        return set()
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe : pe + 4] != b"PE\0\0":
        return set()
    sections_count = struct.unpack_from("<H", data, pe + 6)[0]
    optional_size = struct.unpack_from("<H", data, pe + 20)[0]
    optional = pe + 24
    pe32_plus = struct.unpack_from("<H", data, optional)[0] == 0x20B
    directories = optional + (112 if pe32_plus else 96)
    directory_count = struct.unpack_from("<I", data, directories - 4)[0]
    sections = []
    for index in range(sections_count):
        virtual_size, virtual_address, raw_size, raw_pointer = struct.unpack_from(
            "<IIII", data, optional + optional_size + 40 * index + 8
        )
        sections.append((virtual_address, max(virtual_size, raw_size), raw_pointer))

    def offset(rva: int) -> int:
        for address, size, raw in sections:
            if address <= rva < address + size:
                return rva - address + raw
        raise ValueError(f"RVA {rva:#x} is in no section of {path}")

    names: set[str] = set()
    # (data directory, descriptor size, offset of the name RVA): imports, then delay-load imports.
    for directory, size, name_at in ((1, 20, 12), (13, 32, 4)):
        if directory >= directory_count:
            continue
        rva = struct.unpack_from("<I", data, directories + 8 * directory)[0]
        if not rva:
            continue
        position = offset(rva)
        while True:
            descriptor = data[position : position + size]
            name_rva = struct.unpack_from("<I", descriptor, name_at)[0] if len(descriptor) == size else 0
            if not name_rva:
                break
            start = offset(name_rva)
            names.add(data[start : data.index(b"\0", start)].decode("ascii", "replace").lower())
            position += size
    return names


def unresolved_imports(bundle: Path) -> dict[str, set[Path]]:
    """DLL name -> the bundle's PE files importing it, for every imported DLL that is nowhere in the bundle.

    Anywhere is enough: Windows resolves an import by name against DLLs already loaded in the process (the Qt
    plugins in PySide6/plugins/* find Qt6Core.dll that way), and the bootloader and PySide6 add _internal/,
    PySide6/ and shiboken6/ to the DLL search path."""
    shipped = {path.name.lower() for path in bundle.rglob("*") if path.is_file()}
    missing: dict[str, set[Path]] = {}
    for path in sorted(bundle.rglob("*")):
        if path.suffix.lower() not in (".exe", ".dll", ".pyd") or not path.is_file():
            continue
        for name in pe_imports(path):
            if name.startswith(("api-ms-win-", "ext-ms-")):
                continue  # API sets: resolved by Windows 10+ itself
            if name not in shipped:
                missing.setdefault(name, set()).add(path)
    return missing


def ensure_msvc_runtime(bundle: Path, runtime: WindowsRuntime) -> list[str]:
    """Copies every MSVC runtime DLL the bundle imports but lacks into _internal/ (on the bootloader's DLL
    search path), from the build runtime's Python and PySide6/shiboken6 wheels, never from Wine. Returns the
    bundle paths it added."""
    sources: dict[str, Path] = {}
    site = runtime.python_dir / "Lib" / "site-packages"
    for folder in (runtime.python_dir, site / "shiboken6", site / "PySide6"):
        for path in folder.glob("*.dll"):
            if MSVC_RUNTIME.match(path.name):
                sources.setdefault(path.name.lower(), path)
    added = []
    for name, importers in sorted(unresolved_imports(bundle).items()):
        if not MSVC_RUNTIME.match(name):
            continue
        if name not in sources:
            raise BuildError(
                f"the bundle needs {name} (imported by {sorted(p.name for p in importers)}) and "
                "neither Python nor the PySide6/shiboken6 wheels ship it"
            )
        target = bundle / "_internal" / sources[name].name
        shutil.copy2(sources[name], target)
        added.append(str(PurePosixPath(target.relative_to(bundle))))
    return added


def check_bundle(bundle: Path) -> list[str]:
    """What would make the bundle fail on a clean Windows 10/11 x64, or ship something that must not ship."""
    problems = [f"{name} is missing" for name in (GUI_EXE, CLI_EXE) if not (bundle / name).is_file()]
    for path in bundle.rglob("*"):
        if path.name.lower() in TEST_SHIMS:
            problems.append(f"test-only Wine stand-in in the bundle: {path.relative_to(bundle)}")
    for name, importers in sorted(unresolved_imports(bundle).items()):
        if name not in WINDOWS_DLLS:
            problems.append(
                f"{name} is imported by {sorted(p.name for p in importers)} but is neither in the bundle "
                "nor part of Windows"
            )
    return problems


# ---- the installer ------------------------------------------------------------------------------------------


def uninstall_list(bundle: Path) -> str:
    """NSIS lines removing every file of the bundle, then its folders deepest first (RMDir without /r)."""

    def nsis(relative: Path) -> str:
        return "$INSTDIR\\" + str(PurePosixPath(relative)).replace("/", "\\").replace("$", "$$")

    files = sorted(p.relative_to(bundle) for p in bundle.rglob("*") if not p.is_dir())
    folders = sorted(
        (p.relative_to(bundle) for p in bundle.rglob("*") if p.is_dir()), key=lambda p: (-len(p.parts), str(p))
    )
    lines = ["; Generated by packaging/windows/build_windows.py from the bundle; do not edit."]
    lines += [f'Delete "{nsis(path)}"' for path in files]
    lines += [f'RMDir "{nsis(path)}"' for path in folders]
    return "\n".join(lines) + "\n"


def version_quad(version: str) -> str:
    """A.B.C.D for the installer's version resource (numbers only; pre-release tags dropped)."""
    numbers = [int(match) for match in re.findall(r"\d+", version.split("+")[0])[:4]] if version else []
    return ".".join(str(n) for n in (numbers + [0, 0, 0, 0])[:4])


def build_installer(bundle: Path, dist: Path, work: Path) -> Path:
    """dist/offramp-<version>-setup.exe from offramp.nsi with makensis."""
    version = layout.version()
    target = dist / installer_name(version)
    listing = work / "uninstall-files.nsh"
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text(uninstall_list(bundle), encoding="utf-8")
    defines = {
        "VERSION": version,
        "VERSION_QUAD": version_quad(version),
        "SRCDIR": str(bundle),
        "OUTFILE": str(target),
        "UNINSTALL_LIST": str(listing),
    }
    icon = work / "pyinstaller" / "build" / "offramp.ico"  # drawn by build.spec from the SVG
    if icon.is_file():
        defines["ICON"] = str(icon)
    cmd = ["makensis", "-V2", "-INPUTCHARSET", "UTF8", *(f"-D{k}={v}" for k, v in defines.items()), str(NSI)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=MAKENSIS_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise BuildError(f"makensis did not finish in {MAKENSIS_TIMEOUT_S} s") from exc
    if done.returncode != 0 or not target.is_file():
        raise BuildError(f"makensis exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return target


# ---- all of it ----------------------------------------------------------------------------------------------


def build(
    dist: Path = DIST, work: Path = WORK, *, installer: bool = True, keep_prefix: bool = False, log=print
) -> WindowsBuild:
    """The whole Windows build; raises BuildError (or ProvisionError, WineBedError) with the failing step."""
    dist, work = dist.resolve(), work.resolve()
    missing = missing_tools(installer)
    if missing:
        raise BuildError(
            f"missing tools: {', '.join(missing)} (Debian: apt-get install the packages in "
            "tools/apt/wine.txt and tools/apt/packaging-windows.txt)"
        )
    total = time.perf_counter()
    started = time.perf_counter()
    runtime = provision_windows_build_python()
    result = WindowsBuild(bundle=dist / layout.BUNDLE_NAME, installer=None)
    result.seconds["build runtime"] = time.perf_counter() - started
    log(f"build runtime: {runtime.root} ({result.seconds['build runtime']:.1f} s)")
    result.bundle = build_bundle(dist, work, runtime, keep_prefix=keep_prefix, result=result)
    log(
        f"bundle: {result.bundle} (prefix {result.seconds['wine prefix']:.1f} s, "
        f"PyInstaller {result.seconds['pyinstaller']:.1f} s)"
    )
    if result.skipped_wine_builtins:
        log(f"PyInstaller skipped Wine built-ins: {', '.join(result.skipped_wine_builtins)}")
    result.added_runtime_dlls = ensure_msvc_runtime(result.bundle, runtime)
    if result.added_runtime_dlls:
        log(f"added MSVC runtime DLLs: {', '.join(result.added_runtime_dlls)}")
    problems = check_bundle(result.bundle)
    if problems:
        raise BuildError("the Windows bundle is not shippable:\n  " + "\n  ".join(problems))
    if installer:
        started = time.perf_counter()
        result.installer = build_installer(result.bundle, dist, work)
        result.seconds["makensis"] = time.perf_counter() - started
        log(
            f"installer: {result.installer} ({result.installer.stat().st_size / 1e6:.1f} MB, "
            f"makensis {result.seconds['makensis']:.1f} s)"
        )
    result.seconds["total"] = time.perf_counter() - total
    size = sum(p.stat().st_size for p in result.bundle.rglob("*") if p.is_file())
    log(f"done in {result.seconds['total']:.1f} s; bundle {size / 1e6:.1f} MB")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=DIST, help="output folder (default: dist/windows/)")
    parser.add_argument("--work", type=Path, default=WORK, help="work folder (default: build/windows/)")
    parser.add_argument("--no-installer", action="store_true", help="stop after the bundle")
    parser.add_argument("--keep-prefix", action="store_true", help="keep the build's Wine prefix (~1 GB) to debug")
    args = parser.parse_args(argv)
    ensure_system_packages()
    try:
        build(
            args.dist,
            args.work,
            installer=not args.no_installer,
            keep_prefix=args.keep_prefix,
            log=lambda message: print(message, flush=True),
        )
    except (BuildError, ProvisionError, WineBedError) as exc:
        print(f"build_windows: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
