"""Collects a Linux system's inventory: dpkg and rpm packages, systemd units, processes, and catalogue folders.

Packages are read through the package managers' own tools (`dpkg-query`, `rpm`) so a private or
mounted root is read exactly as its own system would read it. With a root other than "/", nothing
live is read: no processes, no unit states, and no program from the root is ever run.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from offramp.core.platform import commands
from offramp.core.platform.packagestate import DpkgStatus
from offramp.core.scan.collectors import files as file_rows
from offramp.core.scan.collectors.scope import Scope
from offramp.core.scan.inventory import Inventory
from offramp.core.scan.matching import match_value

UNIT_DIRS = ("etc/systemd/system", "run/systemd/system", "lib/systemd/system", "usr/lib/systemd/system")
RPM_DBPATHS = ("var/lib/rpm", "usr/lib/sysimage/rpm")
_DPKG_FORMAT = "${Package}\t${Version}\t${Architecture}\t${Status}\t${Maintainer}\t${Source}\n"


class PackageDatabaseUnreadable(ValueError):
    """dpkg-query failed on a database that exists: the scan stops rather than guess."""


def _deb_packages(root: Path) -> list[dict[str, Any]]:
    admindir = root / "var/lib/dpkg"
    if not (admindir / "status").exists() or not shutil.which("dpkg-query"):
        return []
    result = commands.run(
        ["dpkg-query", f"--admindir={admindir}", "-W", f"--showformat={_DPKG_FORMAT}"], timeout=60, log=False
    )
    if not result.ok:
        # An unreadable database must not read as "nothing installed": that would call the machine clean.
        detail = " / ".join(result.stderr.strip().splitlines()[-2:]) or result.error or "no message"
        raise PackageDatabaseUnreadable(
            f"dpkg cannot read its package database in {admindir} ({detail}), so Offramp cannot tell what is "
            "installed. Repair it (dpkg --configure -a, or restore status from status-old) and scan again."
        )
    rows = []
    for line in result.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) < 4:
            continue
        name, version, arch, status = parts[:4]
        # Every state but not-installed is kept, with dpkg's own words (as osquery's `status` column):
        # a half-installed or half-configured package is still installed (see platform/packagestate).
        if DpkgStatus.parse(status).status == "not-installed":
            continue
        rows.append(
            {
                "name": name,
                "version": version,
                "arch": arch,
                "status": status,
                "maintainer": parts[4] if len(parts) > 4 else "",
                "source": parts[5] if len(parts) > 5 else "",
                "admindir": str(admindir),
            }
        )
    return rows


def _rpm_packages(root: Path) -> list[dict[str, Any]]:
    if not shutil.which("rpm"):
        return []
    dbpath = next((d for d in RPM_DBPATHS if (root / d).is_dir() and any((root / d).iterdir())), None)
    if dbpath is None:
        return []
    result = commands.run(
        [
            "rpm",
            "--root",
            str(root),
            "--dbpath",
            "/" + dbpath,
            "-qa",
            "--qf",
            "%{NAME}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{EPOCHNUM}\t%{VENDOR}\n",
        ],
        timeout=60,
        log=False,
    )
    if not result.ok:
        return []
    rows = []
    for line in result.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) >= 4:
            rows.append(
                {
                    "name": parts[0],
                    "version": parts[1],
                    "release": parts[2],
                    "arch": parts[3],
                    "epoch": parts[4] if len(parts) > 4 else "",
                    "vendor": parts[5] if len(parts) > 5 else "",
                }
            )
    return rows


def _unit_description(path: Path) -> str:
    try:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("Description="):
                return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return ""


def _active_units(live: bool, names: list[str]) -> dict[str, str]:
    """The active state of the named units on the running system (only those: asking for every unit
    costs systemctl ten times as long)."""
    if not live or not names or not shutil.which("systemctl"):
        return {}
    result = commands.run(
        ["systemctl", "list-units", "--all", "--plain", "--no-legend", "--no-pager", "--", *names],
        timeout=30,
        log=False,
    )
    states = {}
    for line in result.stdout.splitlines() if result.ok else []:
        parts = line.split()
        if len(parts) >= 3:
            states[parts[0]] = parts[2]
    return states


def _systemd_units(root: Path, live: bool, wanted: tuple[Any, ...] | None) -> list[dict[str, Any]]:
    """Unit files under the root's unit folders; with `wanted` (the scope's matchers), only those it names."""
    found: dict[str, Path] = {}
    for folder in UNIT_DIRS:
        base = root / folder
        if not base.is_dir():
            continue
        for name in sorted(os.listdir(base)):
            if not name.endswith((".service", ".socket", ".timer", ".path")) or name in found:
                continue
            if wanted is None or any(match_value(name, matcher, frozenset()) for matcher in wanted):
                found[name] = base / name
    states = _active_units(live, list(found))
    return [
        {
            "id": name,
            "description": _unit_description(path),
            "load_state": "loaded",
            "active_state": states.get(name, "unknown" if not live else "inactive"),
            "fragment_path": "/" + str(path.relative_to(root)),
        }
        for name, path in found.items()
    ]


def _tool_output(root: Path, path: str, args: tuple[str, ...]) -> str | None:
    """Runs a vendor's status tool the catalogue names and returns what it printed, in English."""
    program = root / path.lstrip("/")
    if not program.is_file():
        return None
    env = {"LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8", "LANGUAGE": "en"}  # added to the minimal child env
    result = commands.run([str(program), *args], timeout=30, env=env)
    return result.stdout if result.ok else None


def collect(root: Path, scope: Scope, *, run_tools: bool | None = None) -> Inventory:
    """The inventory of the Linux system at `root`. `run_tools` (default: only for the live system) runs the
    status tools the catalogue names; a program inside a mounted root is never run unless a test asks."""
    root = Path(root)
    live = root.resolve() == Path("/")
    inventory: Inventory = {"platform": "linux"}
    # The package databases are read by dpkg-query and rpm, which take as long as the rest put together;
    # they run on their own thread (waiting on a child process does not hold the interpreter) meanwhile.
    packages = _Background(lambda: (_deb_packages(root), _rpm_packages(root)))
    inventory["systemd_units"] = _systemd_units(root, live, scope.units)
    inventory["file"] = file_rows.collect(
        root,
        scope.folders.get("linux", ()),
        scope.files.get("linux", ()),
        posix=True,
        filters=scope.filters.get("linux"),
    )
    if live if run_tools is None else run_tools:
        rows = {row["path"]: row for row in inventory["file"]}
        for path, args in scope.tools.get("linux", ()):
            output = _tool_output(root, path, args)
            if output is not None and path in rows:
                rows[path]["output"] = output
    if live:
        from offramp.core.scan.collectors import processes

        inventory["processes"] = processes.collect()
    inventory["deb_packages"], inventory["rpm_packages"] = packages.result()
    return inventory


class _Background:
    """Runs one function on a thread; result() waits for it and returns its value or raises its error."""

    def __init__(self, work: Callable[[], Any]):
        self._work = work
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="offramp-collect", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            self._error = exc

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value
