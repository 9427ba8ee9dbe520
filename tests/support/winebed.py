"""The Windows test bed: a throw-away 64-bit Wine prefix with the official Windows CPython in it.

Offramp's Windows back-end reads the registry with winreg, looks at services and runs msiexec. Those paths
are only really exercised inside Windows, so integration tests run them in Windows CPython under Wine 8,
against real MSI packages (``msibuild``) installed by Wine's real msiexec.

``WineBed.create(folder, runtime)`` makes a fresh prefix in ``folder`` (about 5 s), copies the cached runtime
from ``winpython`` to ``C:\\Python313`` and lists Offramp's repository in its ``python313._pth`` (the only way
to extend sys.path: the ._pth file puts Python in isolated mode, which ignores PYTHONPATH), so
``bed.offramp("scan")`` runs ``python -m offramp scan`` on the working tree. Share one bed per test session, and
run one command at a time in it.

Things learned the hard way, which the code below relies on:

* Output goes through pipes, read by ``wineproc.run_process`` (see there for why it never waits for EOF).
  The bed starts a persistent wineserver and boots the prefix with /dev/null as output, so Wine's own
  services do not hold a test's pipes in the first place.
* Creating a prefix under a persistent server leaves two services.exe behind, and COM users such as msiexec
  then stall 10 s ("Failed to start RpcSs service"); ``boot`` restarts the server once to avoid that.
* Because the wineserver is persistent (``wineserver -p``), ``wineserver -w`` would never return;
  ``wait_idle`` polls for Windows processes of this prefix that are not Wine's own services instead.
* A Unix exit status keeps only the low 8 bits of a Windows exit code: msiexec's 1605 arrives as 69 and
  1603 as 67. ``run_windows`` (and so ``msi_install``/``msi_uninstall``) starts the program from inside
  Windows Python, which sees the whole 32-bit code, and hands it back through a file.
* Killing ``wine X.exe`` at a timeout does not end the Windows processes X started; the bed kills every
  non-Wine process in the prefix after a timeout, so a hung msiexec cannot block the next test (1618).
* Windows programs print in the machine's code pages: Python writes pipes in the ANSI code page (cp1252)
  and console tools such as reg.exe in the OEM one (cp437). The bed pins ``LC_ALL=C.UTF-8`` so Wine picks
  US English code pages on every machine, and decodes accordingly.
* Wine's Mono and Gecko installers and winemenubuilder are switched off: they would slow every boot, and
  winemenubuilder writes menu entries into the real home folder. HOME points into the bed for the same reason.
* ``QT_*`` variables never reach Windows programs; Wine passes ``WINEQT_X`` through as ``QT_X``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from tests.support.packaging_scripts import load_script
from tests.support.wineproc import WineBedError, WineResult, WineTimeout, run_process
from tests.support.winpython import MINGW_GCC, WindowsRuntime, provision_windows_python

__all__ = [
    "PYTHON_EXE",
    "WINEBED_TOOLS",
    "WineBed",
    "WineBedError",
    "WineResult",
    "WineTimeout",
    "to_windows_path",
]

REPO = Path(__file__).resolve().parents[2]


def _import_root(repo: Path) -> Path:
    """The repository's import root (packaging/layout.py), loaded by path: packaging/ is no importable package."""
    return Path(load_script("packaging/layout.py", repo).import_root())


# Everything the bed and its fixtures run on the Linux side (Debian packages: tools/apt/wine.txt).
WINEBED_TOOLS: tuple[str, ...] = ("wine", "wineserver", "wixl", MINGW_GCC)
PYTHON_DIR = "C:\\Python313"
PYTHON_EXE = PYTHON_DIR + "\\python.exe"
# Wine's own long-lived processes; anything else still running in the prefix is a test's program.
_WINE_SYSTEM_PROCESSES = frozenset(
    {
        "services.exe",
        "winedevice.exe",
        "plugplay.exe",
        "svchost.exe",
        "rpcss.exe",
        "explorer.exe",
        "conhost.exe",
        "wineboot.exe",
        "start.exe",
    }
)
# Prints nothing itself, so the child's own output is all the caller sees; the code goes to argv[1].
_EXIT_CODE_LAUNCHER = (
    "import subprocess, sys\ncode = subprocess.call(sys.argv[2:])\nopen(sys.argv[1], 'w').write(str(code))\n"
)
# A whole command line, read from the file in argv[2], started as a deployment engine starts one: CreateProcess
# with the line as written, %VARIABLES% expanded, in the folder argv[3]; the exit code goes to argv[1].
_COMMAND_LINE_LAUNCHER = (
    "import os, subprocess, sys\n"
    "line = os.path.expandvars(open(sys.argv[2], encoding='utf-8').read())\n"
    "code = subprocess.call(line, cwd=sys.argv[3])\n"
    "open(sys.argv[1], 'w').write(str(code))\n"
)
ServiceKind = Literal["own", "share", "kernel", "filesys"]
ServiceStart = Literal["boot", "system", "auto", "demand", "disabled"]


def to_windows_path(path: Path | str) -> str:
    """The Windows name of a Linux path: Wine maps / to drive Z:."""
    return "Z:" + str(Path(path).resolve()).replace("/", "\\")


class WineBed:
    """One Wine prefix under ``root`` (``root/prefix``) with Windows CPython at ``C:\\Python313``."""

    def __init__(self, root: Path, runtime: WindowsRuntime, *, repo: Path = REPO, display: str | None = None) -> None:
        self.root = root.resolve()
        self.prefix = self.root / "prefix"
        self.runtime = runtime
        self.repo = repo.resolve()
        self._display = display
        self._scratch = self.root / "scratch"
        self._serial = 0

    @classmethod
    def create(
        cls, root: Path, runtime: WindowsRuntime | None = None, *, repo: Path = REPO, display: str | None = None
    ) -> WineBed:
        """A booted bed in ``root`` (must be empty or missing). ``display`` is an X display for GUI tests."""
        bed = cls(root, runtime or provision_windows_python(), repo=repo, display=display)
        bed.boot()
        return bed

    def __enter__(self) -> WineBed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def drive_c(self) -> Path:
        return self.prefix / "drive_c"

    def host_path(self, windows_path: str) -> Path:
        """The Linux path of a ``C:\\...`` path inside the prefix (case as Wine created it)."""
        drive, _, rest = windows_path.replace("/", "\\").partition(":")
        if drive.upper() != "C":
            raise ValueError(f"only C: paths live in the prefix: {windows_path}")
        return self.drive_c.joinpath(*[p for p in rest.split("\\") if p])

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment every Wine process gets; ``extra`` also reaches Windows programs (not QT_*)."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("WINE", "XDG_", "LC_")) and k not in ("DISPLAY", "WAYLAND_DISPLAY", "LANG")
        }
        env.update(
            {
                "WINEPREFIX": str(self.prefix),
                "WINEARCH": "win64",
                "WINEDEBUG": "-all",
                "WINEDLLOVERRIDES": "mscoree,mshtml,winemenubuilder.exe=d",
                "HOME": str(self.root / "home"),
                "LC_ALL": "C.UTF-8",
            }
        )
        if self._display:
            env["DISPLAY"] = self._display
        env.update(extra or {})
        return env

    # ---- life cycle ------------------------------------------------------------------------------------

    def boot(self) -> None:
        """Create the prefix, make it Windows 10, install Python and the System32 shims."""
        self.prefix.mkdir(parents=True)
        (self.root / "home").mkdir(exist_ok=True)
        self._scratch.mkdir(exist_ok=True)
        # Started before anything else and with no inherited pipes; see the module docstring.
        self._quiet(["wineserver", "-p"], 30)
        try:
            self._quiet(["wine", "wineboot", "--init"], 180)
        except WineBedError as exc:
            # Seen once in many CI runs, on a loaded machine with a virtual display: wineboot --init exited 1
            # and left a half-made prefix. Make the prefix again from nothing, once, and say so.
            print(f"winebed: {exc}; making the prefix again")
            self._quiet(["wineserver", "-k"], 30, check=False)
            self._wait_gone(15)
            shutil.rmtree(self.prefix)
            self.prefix.mkdir(parents=True)
            self._quiet(["wineserver", "-p"], 30)
            self._quiet(["wine", "wineboot", "--init"], 180)
        # Wine 8 defaults to Windows 7; Offramp targets Windows 10/11 (CurrentVersion, build numbers).
        self._quiet(["wine", "winecfg", "/v", "win10"], 60)
        # Creating a prefix under a persistent server leaves two services.exe running. Then every COM
        # user, msiexec included, waits 10 s for "Failed to start RpcSs service" whenever rpcss.exe is not
        # already up. A clean restart leaves one (0.5 s), and msiexec takes 0.3 s instead of 10 s.
        self._quiet(["wineserver", "-k"], 30, check=False)
        self._wait_gone(15)
        self._quiet(["wineserver", "-p"], 30)
        self._quiet(["wine", "wineboot"], 120)
        for shim in self.runtime.shims_dir.iterdir():
            shutil.copy2(shim, self.drive_c / "windows" / "system32" / shim.name)
        python_dir = self.host_path(PYTHON_DIR)
        shutil.copytree(self.runtime.python_dir, python_dir)
        # The repository (for tests.support) and its import root, where app/ imports as `offramp`.
        repo, import_root = to_windows_path(self.repo), to_windows_path(_import_root(self.repo))
        pth = ["python313.zip", ".", "Lib\\site-packages", repo, import_root, "import site"]
        (python_dir / "python313._pth").write_text("\r\n".join(pth) + "\r\n", encoding="ascii")

    def close(self, remove: bool = False) -> None:
        """Kill everything in the prefix; with ``remove``, delete the bed folder (a prefix is ~700 MB)."""
        if self.prefix.is_dir():
            self._quiet(["wineserver", "-k"], 30, check=False)
            self._wait_gone(15)
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)

    def windows_processes(self) -> list[tuple[int, str]]:
        """(pid, command line) of every Windows process running in this prefix, Wine's services included."""
        return [(pid, cmd) for pid, cmd in self._prefix_pids() if not cmd.startswith("/")]

    def kill_windows_processes(self) -> list[str]:
        """Kill every Windows process in the prefix except Wine's own services; returns their command lines."""
        killed = []
        for pid, cmd in self.windows_processes():
            if _exe_name(cmd) not in _WINE_SYSTEM_PROCESSES:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(cmd)
                except ProcessLookupError:
                    pass
        return killed

    def wait_idle(self, timeout: float = 60) -> None:
        """Wait until only Wine's own services run, e.g. after an uninstaller that re-launches itself."""
        deadline = time.monotonic() + timeout
        while True:
            busy = [cmd for _, cmd in self.windows_processes() if _exe_name(cmd) not in _WINE_SYSTEM_PROCESSES]
            if not busy:
                return
            if time.monotonic() > deadline:
                raise WineTimeout(f"still running after {timeout} s: {busy}")
            time.sleep(0.1)

    # ---- running programs -------------------------------------------------------------------------------

    def wine(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        timeout: float = 60,
        cwd: Path | None = None,
        encoding: str = "cp437",
    ) -> WineResult:
        """``wine ARGS``: a Windows program or built-in tool (reg, sc, cmd...). Output decoded as ``encoding``;
        Wine's console tools print in the OEM code page. Returns the exit code modulo 256."""
        return self._run(["wine", *args], env=env, timeout=timeout, cwd=cwd, encoding=encoding)

    def python(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
        cwd: Path | None = None,
        utf8_mode: bool = False,
    ) -> WineResult:
        """Windows CPython with ``args``. By default it behaves like on a US Windows machine with redirected
        output (cp1252 pipes, locale-encoded open()); ``utf8_mode`` adds ``-X utf8``."""
        flags = ["-X", "utf8"] if utf8_mode else []
        return self._run(
            ["wine", PYTHON_EXE, *flags, *args],
            env=env,
            timeout=timeout,
            cwd=cwd,
            encoding="utf-8" if utf8_mode else "cp1252",
        )

    def offramp(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 120, utf8_mode: bool = False
    ) -> WineResult:
        """``python -m offramp ARGS`` in Windows CPython on the repository's source, from the repository folder."""
        return self.python(["-m", "offramp", *args], env=env, timeout=timeout, cwd=self.repo, utf8_mode=utf8_mode)

    def run_windows(
        self, argv: Sequence[str], *, env: Mapping[str, str] | None = None, timeout: float = 180
    ) -> WineResult:
        """Run ``argv`` (a Windows command line, e.g. ``["msiexec", "/x", code]``) with its full exit code."""
        self._serial += 1
        code_file = self._scratch / f"exit-{self._serial}.txt"
        result = self.python(["-c", _EXIT_CODE_LAUNCHER, to_windows_path(code_file), *argv], env=env, timeout=timeout)
        if not code_file.is_file():
            # Seen once in a full run, with nothing printed: these facts tell a launcher that never ran (its
            # own status) from an exit-code file that was written but not seen (a second look, the folder).
            seen = sorted(p.name for p in self._scratch.glob("exit-*"))
            raise WineBedError(
                f"could not start {argv[0]} from Windows Python (its status {result.returncode}; "
                f"{code_file.name} there on a second look: {code_file.is_file()}; exit files in the folder: {seen})",
                result,
            )
        code = int(code_file.read_text(encoding="ascii"))
        code_file.unlink()
        return WineResult(tuple(argv), code, result.stdout, result.stderr)

    def run_command_line(
        self, line: str, *, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 180
    ) -> WineResult:
        """Run ``line``, one Windows command line as written (``cmd /c a.exe /S && "b.exe" c``), in the folder
        ``cwd``, the way Intune and ConfigMgr start an install or uninstall command: no shell of its own,
        ``%VARIABLES%`` expanded from the Windows environment. Returns the full exit code."""
        self._serial += 1
        code_file = self._scratch / f"exit-{self._serial}.txt"
        line_file = self._scratch / f"line-{self._serial}.txt"
        line_file.write_text(line, encoding="utf-8")
        paths = [to_windows_path(p) for p in (code_file, line_file, cwd)]
        result = self.python(["-c", _COMMAND_LINE_LAUNCHER, *paths], env=env, timeout=timeout)
        line_file.unlink()
        if not code_file.is_file():
            raise WineBedError(f"could not start {line!r} from Windows Python", result)
        code = int(code_file.read_text(encoding="ascii"))
        code_file.unlink()
        return WineResult((line,), code, result.stdout, result.stderr)

    # ---- Windows Installer ------------------------------------------------------------------------------

    def msi_install(self, package: Path, *extra: str, log: Path | None = None, timeout: float = 180) -> int:
        """``msiexec /i PACKAGE /qn EXTRA...``; returns msiexec's real exit code (0, 1603, 3010...)."""
        return self._msiexec(["/i", to_windows_path(package)], extra, log, timeout)

    def msi_uninstall(self, product_code: str, *extra: str, log: Path | None = None, timeout: float = 180) -> int:
        """``msiexec /x {GUID} /qn EXTRA...``; returns msiexec's real exit code (0, 1605 if not installed...)."""
        return self._msiexec(["/x", product_code], extra, log, timeout)

    def _msiexec(self, action: list[str], extra: Sequence[str], log: Path | None, timeout: float) -> int:
        argv = ["msiexec", *action, "/qn", *extra]
        if log is not None:
            argv += ["/L*v", to_windows_path(log)]
        return self.run_windows(argv, timeout=timeout).returncode

    # ---- registry (reg.exe) -----------------------------------------------------------------------------

    def reg_add(self, key: str, name: str | None, value: str | int | Sequence[str], kind: str | None = None) -> None:
        """Set one value (``name=None``: the default value). int -> REG_DWORD, str -> REG_SZ,
        a list -> REG_MULTI_SZ unless ``kind`` (e.g. "REG_EXPAND_SZ", "REG_QWORD") says otherwise."""
        if isinstance(value, int):
            kind, data = kind or "REG_DWORD", str(value)
        elif isinstance(value, str):
            kind, data = kind or "REG_SZ", value
        else:
            kind, data = kind or "REG_MULTI_SZ", "\\0".join(value)
        target = ["/ve"] if name is None else ["/v", name]
        self.wine(["reg", "add", key, *target, "/t", kind, "/d", data, "/f"]).check()

    def reg_delete(self, key: str, name: str | None = None) -> bool:
        """Delete a value, or the whole key when ``name`` is None. False if it was not there."""
        target = ["/v", name] if name is not None else []
        return self.wine(["reg", "delete", key, *target, "/f"]).returncode == 0

    def reg_query(self, key: str) -> dict[str, tuple[str, str]] | None:
        """The key's values as {name: (REG_ type, data as reg.exe prints it)}; None if the key is missing.
        The default value is named "". DWORDs come as "0x..."; tests that need typed data use winreg."""
        result = self.wine(["reg", "query", key])
        if result.returncode != 0:
            return None
        values: dict[str, tuple[str, str]] = {}
        for line in result.stdout.splitlines():
            # Value lines are indented four spaces and separated by four spaces; key lines are not indented.
            if not line.startswith("    "):
                continue
            name, kind, data = (line[4:].split("    ", 2) + ["", ""])[:3]
            values["" if name == "(Default)" else name] = (kind, data)
        return values

    # ---- services (sc.exe) ------------------------------------------------------------------------------

    def create_service(
        self,
        name: str,
        binary_path: str,
        *,
        display_name: str | None = None,
        kind: ServiceKind = "own",
        start: ServiceStart = "demand",
    ) -> None:
        """``sc create``: a Win32 service (``own``/``share``) or a driver (``kernel`` Type 1, ``filesys`` Type 2)."""
        args = ["sc", "create", name, "type=", kind, "start=", start, "error=", "normal", "binPath=", binary_path]
        if display_name:
            args += ["DisplayName=", display_name]
        self.wine(args).check()

    def create_driver(
        self,
        name: str,
        binary_path: str,
        *,
        display_name: str | None = None,
        kind: Literal["kernel", "filesys"] = "kernel",
        start: ServiceStart = "system",
    ) -> None:
        """A kernel-driver service, as Kaspersky's klif/klids leave them (never loaded: the .sys is not real)."""
        self.create_service(name, binary_path, display_name=display_name, kind=kind, start=start)

    def delete_service(self, name: str) -> bool:
        """``sc delete``; False if there was no such service."""
        return self.wine(["sc", "delete", name]).returncode == 0

    # ---- internals --------------------------------------------------------------------------------------

    def _quiet(self, argv: list[str], timeout: float, check: bool = True) -> None:
        try:
            done = subprocess.run(
                argv,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            raise WineTimeout(f"{' '.join(argv)} did not finish in {timeout} s") from exc
        if check and done.returncode != 0:
            raise WineBedError(f"{' '.join(argv)} exited {done.returncode}")

    def _run(
        self, argv: list[str], *, env: Mapping[str, str] | None, timeout: float, cwd: Path | None, encoding: str
    ) -> WineResult:
        try:
            return run_process(argv, env=self.env(env), cwd=cwd or self.root, timeout=timeout, encoding=encoding)
        except WineTimeout:
            # Killing the wine process does not end what it started inside Windows (an msiexec launched by
            # run_windows, an uninstaller's child). Tests run one command at a time, so every non-Wine
            # process left in the prefix belongs to this call; a straggler would hold the MSI mutex (1618).
            self.kill_windows_processes()
            raise

    def _wait_gone(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self._prefix_pids() and time.monotonic() < deadline:
            time.sleep(0.1)

    def _prefix_pids(self) -> list[tuple[int, str]]:
        marker = f"WINEPREFIX={self.prefix}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if marker not in (entry / "environ").read_bytes().split(b"\0"):
                    continue
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:  # the process ended while we looked, or is not ours to read
                continue
            if cmd:  # zombies have an empty command line
                found.append((int(entry.name), cmd))
        return found


def _exe_name(cmdline: str) -> str:
    first = cmdline.split(" ", 1)[0] if not cmdline.startswith('"') else cmdline[1:].split('"', 1)[0]
    return first.replace("/", "\\").rsplit("\\", 1)[-1].lower()
