"""Collects a macOS system's inventory from its files: apps, launchd jobs, package receipts, kernel and
system extensions, catalogue folders, and (on the Mac itself) processes.

Everything comes from property lists read with plistlib, which reads the XML and the binary format
alike, so a mounted Mac volume is read on any host as it would be on the Mac, and no program from it
is ever run. Rows show paths as the Mac sees them ("/Applications/X.app") whatever the root is, and
values as osquery prints them: booleans "1"/"0", dates as unix seconds.

Where this differs from osquery, which asks the running system:
* kernel_extensions lists the kexts *installed* in /Library/Extensions and /Library/StagedExtensions;
  osquery lists the ones *loaded*, which a mounted volume cannot tell.
* apps comes from folders (/Applications with one level of subfolders, and each user's ~/Applications)
  instead of LaunchServices' list.
* package_receipts reads /var/db/receipts directly, as osquery does when PackageKit is unavailable.
/System is skipped throughout: it is Apple's sealed volume, where no third-party product can live.
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import plistlib
import sys
from pathlib import Path
from typing import Any

from offramp.core import eventlog
from offramp.core.scan.collectors import files as file_rows
from offramp.core.scan.collectors.scope import Scope
from offramp.core.scan.inventory import Inventory

log = eventlog.get("collect.macos")

# Info.plists and receipts are kilobytes; anything this large is not one, and reading it would cost memory.
MAX_PLIST_BYTES = 16 * 1024 * 1024
LAUNCHD_DIRS = ("Library/LaunchDaemons", "Library/LaunchAgents")
# On a Mac /var is a link to /private/var; osquery reports the /private path, so it is tried first.
RECEIPT_DIRS = ("private/var/db/receipts", "var/db/receipts")
KEXT_DIRS = ("Library/Extensions",)
STAGED_KEXT_DIR = "Library/StagedExtensions"
SYSEXT_DB = "Library/SystemExtensions/db.plist"
SYSTEM_VERSION = "System/Library/CoreServices/SystemVersion.plist"


def is_macos_root(root: Path) -> bool:
    """True when `root` holds a macOS system: every macOS version has this file, no other system does."""
    try:
        return (Path(root) / SYSTEM_VERSION).is_file()
    except OSError:
        return False


def _text(value: Any) -> str:
    """A plist value as osquery prints it (its plist reader turns NSNumber booleans into 1/0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        # plistlib returns naive datetimes in UTC.
        return str(calendar.timegm(value.utctimetuple()))
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (dict, list)):
        return ""
    return str(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class _Reader:
    """Reads the folders and plists of one root, never following a link out of it; counts what it skips."""

    def __init__(self, root: Path):
        self.root = root
        self.real_root = root.resolve()
        self.skipped = 0

    def inside(self, path: Path) -> bool:
        # A mounted volume may hold absolute links ("/Library/...") that point into the host; reading
        # through them would report the host's files as the volume's.
        try:
            return path.resolve().is_relative_to(self.real_root)
        except (OSError, RuntimeError):  # RuntimeError: a link loop
            return False

    def is_dir(self, path: Path) -> bool:
        try:
            return self.inside(path) and path.is_dir()
        except OSError:
            return False

    def shown(self, path: Path) -> str:
        return "/" + path.relative_to(self.root).as_posix()

    def children(self, folder: Path) -> list[Path]:
        if not self.is_dir(folder):
            return []
        try:
            return sorted(folder.iterdir())
        except OSError as exc:
            log.debug("cannot list %s: %s", self.shown(folder), exc)
            return []

    def homes(self, *, shared: bool = False) -> list[Path]:
        """The folders under /Users, which are the users' homes (and, when asked, /Users/Shared)."""
        return [
            p
            for p in self.children(self.root / "Users")
            if not p.name.startswith(".") and (shared or p.name != "Shared") and self.is_dir(p)
        ]

    def plist(self, path: Path) -> dict[str, Any] | None:
        """The dictionary stored at `path`, or None. A file that cannot be used is logged and counted."""
        try:
            if not path.is_file():
                return None
        except OSError:
            return None
        if not self.inside(path):
            self._skip(path, "links outside the root")
            return None
        try:
            if path.stat().st_size > MAX_PLIST_BYTES:
                self._skip(path, "too large for a property list")
                return None
            with path.open("rb") as handle:
                data = plistlib.load(handle)
        # plistlib raises many kinds of error on damaged input (ExpatError, struct.error, IndexError,
        # OverflowError, ...); one bad file must cost its own row, never the scan.
        except Exception as exc:  # noqa: BLE001
            self._skip(path, f"{type(exc).__name__}: {exc}")
            return None
        if not isinstance(data, dict):
            self._skip(path, f"holds a {type(data).__name__}, not a dictionary")
            return None
        return data

    def _skip(self, path: Path, why: str) -> None:
        self.skipped += 1
        log.debug("skipped %s: %s", self.shown(path), why, extra={"event": "collect.macos.skip"})


def _apps(reader: _Reader) -> list[dict[str, Any]]:
    folders = [reader.root / "Applications"] + [home / "Applications" for home in reader.homes(shared=True)]
    bundles: list[Path] = []
    for folder in folders:
        for entry in reader.children(folder):
            if entry.suffix.lower() == ".app":
                bundles.append(entry)
            elif reader.is_dir(entry):
                # A folder of apps, such as /Applications/Utilities or a vendor's own folder.
                bundles += [e for e in reader.children(entry) if e.suffix.lower() == ".app"]
    rows = []
    for bundle in bundles:
        info = reader.plist(bundle / "Contents" / "Info.plist")
        if info is None:
            continue
        rows.append(
            {
                "name": bundle.name,
                "path": reader.shown(bundle),
                "bundle_identifier": _text(info.get("CFBundleIdentifier")),
                "bundle_name": _text(info.get("CFBundleName")),
                "bundle_short_version": _text(info.get("CFBundleShortVersionString")),
                "bundle_version": _text(info.get("CFBundleVersion")),
                "display_name": _text(info.get("CFBundleDisplayName")),
            }
        )
    return rows


def _launchd(reader: _Reader) -> list[dict[str, Any]]:
    folders = [reader.root / d for d in LAUNCHD_DIRS]
    folders += [home / "Library" / "LaunchAgents" for home in reader.homes()]
    rows = []
    for folder in folders:
        for path in reader.children(folder):
            if path.suffix.lower() != ".plist":
                continue
            job = reader.plist(path)
            if job is None:
                continue
            arguments = job.get("ProgramArguments")
            rows.append(
                {
                    "path": reader.shown(path),
                    "name": path.name,
                    "label": _text(job.get("Label")),
                    "program": _text(job.get("Program")),
                    # osquery joins the argument array with spaces.
                    "program_arguments": " ".join(map(_text, arguments)) if isinstance(arguments, list) else "",
                    "run_at_load": _text(job.get("RunAtLoad")),
                    "disabled": _text(job.get("Disabled")),
                }
            )
    return rows


def _package_receipts(reader: _Reader) -> list[dict[str, Any]]:
    rows = []
    seen: set[Path] = set()
    for folder in (reader.root / d for d in RECEIPT_DIRS):
        if not reader.is_dir(folder) or folder.resolve() in seen:
            continue
        seen.add(folder.resolve())
        for path in reader.children(folder):
            if path.suffix.lower() != ".plist":
                continue  # the .bom next to each receipt lists its files; it is not a receipt
            receipt = reader.plist(path)
            if receipt is None or not receipt.get("PackageIdentifier"):
                continue
            rows.append(
                {
                    "package_id": _text(receipt.get("PackageIdentifier")),
                    "package_filename": _text(receipt.get("PackageFileName")),
                    "version": _text(receipt.get("PackageVersion")),
                    "location": _text(receipt.get("InstallPrefixPath")),
                    "install_time": _text(receipt.get("InstallDate")),
                    "path": reader.shown(path),
                }
            )
    return rows


def _kext_bundles(reader: _Reader) -> list[Path]:
    bundles = [e for d in KEXT_DIRS for e in reader.children(reader.root / d) if e.suffix.lower() == ".kext"]
    # Staged copies keep their original path below this folder (StagedExtensions/Library/Extensions/x.kext).
    pending = [(reader.root / STAGED_KEXT_DIR, 0)]
    while pending:
        folder, depth = pending.pop()
        for entry in reader.children(folder):
            if entry.suffix.lower() == ".kext":
                bundles.append(entry)
            elif depth < 4 and reader.is_dir(entry):
                pending.append((entry, depth + 1))
    return sorted(bundles)


def _kernel_extensions(reader: _Reader) -> list[dict[str, Any]]:
    rows = []
    for bundle in _kext_bundles(reader):
        info = reader.plist(bundle / "Contents" / "Info.plist") or reader.plist(bundle / "Info.plist")
        if info is None or not info.get("CFBundleIdentifier"):
            continue
        rows.append(
            {
                "name": _text(info["CFBundleIdentifier"]),
                "version": _text(info.get("CFBundleVersion")),
                "path": reader.shown(bundle),
            }
        )
    return rows


def _system_extensions(reader: _Reader) -> list[dict[str, Any]]:
    db = reader.plist(reader.root / SYSEXT_DB)
    extensions = db.get("extensions") if db else None
    rows = []
    for ext in extensions if isinstance(extensions, list) else []:
        if not isinstance(ext, dict):
            continue
        version = _dict(ext.get("bundleVersion"))
        container = _dict(ext.get("container"))
        categories = ext.get("categories")
        categories = categories if isinstance(categories, list) else []
        # The same keys osquery's system_extensions table reads from this file.
        rows.append(
            {
                "path": _text(ext.get("originPath")),
                "UUID": _text(ext.get("uniqueID")),
                "state": _text(ext.get("state")),
                "identifier": _text(ext.get("identifier")),
                "version": _text(version.get("CFBundleShortVersionString")),
                "category": ", ".join(_text(c) for c in categories),
                "bundle_path": _text(container.get("bundlePath")),
                "team": _text(ext.get("teamID")),
            }
        )
    return rows


def _per_user(reader: _Reader, paths: tuple[str, ...]) -> tuple[str, ...]:
    """The catalogue's paths with "~/" made into each user's home; only those inside the root."""
    homes = [reader.shown(h) for h in reader.homes()]
    out: list[str] = []
    for path in paths:
        out += [f"{home}/{path[2:]}" for home in homes] if path.startswith("~/") else [path]
    return tuple(p for p in dict.fromkeys(out) if reader.inside(reader.root / p.lstrip("/")))


def collect(root: Path, scope: Scope) -> Inventory:
    """The inventory of the macOS system at `root` ("/" for this Mac)."""
    root = Path(root)
    reader = _Reader(root)
    inventory: Inventory = {"platform": "darwin"}
    inventory["apps"] = _apps(reader)
    inventory["launchd"] = _launchd(reader)
    inventory["package_receipts"] = _package_receipts(reader)
    inventory["kernel_extensions"] = _kernel_extensions(reader)
    inventory["system_extensions"] = _system_extensions(reader)
    filters = {
        folder: patterns
        for home_folder, patterns in scope.filters.get("darwin", {}).items()
        for folder in _per_user(reader, (home_folder,))
    }
    inventory["file"] = file_rows.collect(
        root,
        _per_user(reader, scope.folders.get("darwin", ())),
        _per_user(reader, scope.files.get("darwin", ())),
        posix=True,
        filters=filters,
    )
    # Processes belong to the running system; a mounted volume has none, and another host's are not its.
    if reader.real_root == Path("/") and sys.platform == "darwin":
        from offramp.core.scan.collectors import processes

        inventory["processes"] = processes.collect()
    log.debug(
        "read the macOS system at %s; %d property lists skipped",
        root,
        reader.skipped,
        extra={"event": "collect.macos.done", "skipped": reader.skipped},
    )
    return inventory
