"""Offline bundles: replacement playbooks and their verified installers in a folder an admin can carry.

``create`` downloads each playbook's installer for one OS, verifies it (SHA-256 and, where pinned, the
signer), and writes the playbooks beside it with a manifest of every file's SHA-256. ``open_bundle``
checks the manifest and every file again before a migration uses any of it; a migration started with
``--offline`` then stages the installer from the bundle and never opens a network connection. The
manifest is a convenience against damage in transit, not a signature: the playbook's own hash and
signer pin are what the stage step checks, exactly as for a download.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from offramp.core import paths
from offramp.core.migrate.bundlefind import MANIFEST

KIND = "offramp-bundle"
SCHEMA_VERSION = 1
# Methods whose installer a folder can carry; the others need a package manager or a person online.
CARRIED = {"download", "builtin"}
# A manifest is a few hundred bytes a playbook, a playbook a few kilobytes: a bigger file is read no further.
MAX_MANIFEST = 1024 * 1024
MAX_PLAYBOOK = 1024 * 1024


class BundleError(Exception):
    """A bundle that cannot be made or used; the message says what to do, ``exit_code`` how silent mode ends."""

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        from offramp.core import exitcodes

        super().__init__(message)
        self.exit_code = exitcodes.USAGE if exit_code is None else exit_code


@dataclass(frozen=True)
class Entry:
    replacement_id: str
    playbook: Path  # absolute, inside the bundle
    installer: Path | None
    installer_sha256: str | None


@dataclass(frozen=True)
class Bundle:
    folder: Path
    platform: str
    entries: tuple[Entry, ...]
    created: str | None = None  # when `bundle create` wrote it (ISO 8601, UTC), as the manifest says

    def entry(self, ref: str | None) -> Entry:
        """The entry for a playbook id (or the only one when ``ref`` is None)."""
        if ref is None:
            if len(self.entries) != 1:
                ids = ", ".join(e.replacement_id for e in self.entries)
                raise BundleError(f"The bundle holds several playbooks ({ids}): choose one with --to.")
            return self.entries[0]
        for entry in self.entries:
            if ref in (entry.replacement_id, entry.playbook.name):
                return entry
        raise BundleError(
            f"The bundle holds no playbook {ref!r}; it holds " + ", ".join(e.replacement_id for e in self.entries)
        )


def open_plain(path: Path, *, within: Path | None = None, missing: str | None = None) -> BinaryIO:
    """Opens a file of a bundle for reading only if it is a plain file, judged on what was opened.

    A bundle may lie in a folder its carrier can change while an elevated Offramp reads it, so a file
    checked a moment ago can be swapped: a link is not followed, and a pipe or device at the name is
    refused without waiting on it (a pipe would hold root's read forever, a device give it endless data).
    With ``within`` (the bundle's folder), no folder between it and the file may be a link either: one to
    a folder only root may read would have root read the files there for its carrier. ``missing`` is what
    to say when there is no such file."""
    try:
        fd = _open_unlinked(within or path.parent, path.relative_to(within).parts if within else (path.name,))
    except OSError as exc:
        if missing is not None and exc.errno == errno.ENOENT:
            raise BundleError(missing) from None
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise BundleError(f"The bundle's {path.name} is not a plain file (a link is not followed).") from None
        raise BundleError(f"The bundle's {path.name} cannot be read ({exc.strerror or exc}).") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise BundleError(f"The bundle's {path.name} is not a plain file.")
    return os.fdopen(fd, "rb")


def _open_unlinked(folder: Path, parts: Sequence[str]) -> int:
    """A read-only descriptor for ``folder``/``parts``, no link followed below ``folder`` (where the system
    opens relative to a folder: not Windows, where only the file itself is not followed)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if os.open not in os.supports_dir_fd:
        return os.open(folder.joinpath(*parts), flags)
    below = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_NONBLOCK
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NONBLOCK)
    try:
        for part in parts[:-1]:
            inner = os.open(part, below, dir_fd=fd)
            os.close(fd)
            fd = inner
        return os.open(parts[-1], flags, dir_fd=fd)
    finally:
        os.close(fd)


def sha256_of(path: Path, *, within: Path | None = None, limit: int | None = None, bound: str = "it can be") -> str:
    """The file's SHA-256; with ``limit``, a file longer than that (than ``bound`` says) is refused as soon as
    the hash passes it."""
    digest = hashlib.sha256()
    read = 0
    with open_plain(path, within=within) as handle:
        while block := handle.read(1024 * 1024):
            read += len(block)
            if limit is not None and read > limit:
                raise BundleError(f"The bundle's {path.name} is larger than {bound} ({limit} bytes).")
            digest.update(block)
    return digest.hexdigest()


def create(
    refs: Sequence[str],
    platform: str,
    output: Path,
    *,
    fetch: Callable[[str, Path, dict[str, Any]], Path],
    check_signer: Callable[[Path, dict[str, Any]], str],
) -> Path:
    """Writes the bundle into ``output`` and returns its manifest's path.

    ``fetch(url, folder, details)`` downloads and hash-verifies one installer (the caller decides the
    network rules); ``check_signer(path, pin)`` raises when a pinned signer does not match.
    """
    from offramp.core.data.replacements import find_replacement

    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise BundleError(f"{output} is not empty: give a new or empty folder for the bundle.")
    (output / "playbooks").mkdir(parents=True, exist_ok=True)
    (output / "installers").mkdir(exist_ok=True)
    records = []
    for ref in refs:
        try:
            replacement = find_replacement(ref)
        except KeyError:
            raise BundleError(f"No playbook {ref!r}: give a playbook id or a playbook file.") from None
        methods = replacement.install.get(platform, ())
        if not methods:
            raise BundleError(f"{replacement.name} has no install method for {platform}.")
        method = methods[0]
        if method.method not in CARRIED:
            raise BundleError(
                f"{replacement.name} installs on {platform} through {method.method}, which needs the network; "
                "an offline bundle can only carry a downloaded installer."
            )
        record: dict[str, Any] = {"id": replacement.id, "playbook": f"playbooks/{replacement.id}.yaml"}
        shutil.copyfile(replacement.path, output / record["playbook"])
        record["playbook_sha256"] = sha256_of(output / record["playbook"])
        if method.method == "download":
            details = dict(method.details)
            staged = fetch(str(details["url"]), output / "installers", details)
            if method.signer:
                try:
                    record["signer"] = check_signer(staged, dict(method.signer))
                except Exception:
                    staged.unlink()  # a refused installer must not travel in the bundle
                    raise
            record["installer"] = f"installers/{staged.name}"
            record["installer_sha256"] = sha256_of(staged)
        records.append(record)
    manifest = {
        "kind": KIND,
        "schema_version": SCHEMA_VERSION,
        "platform": platform,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "playbooks": records,
    }
    path = output / MANIFEST
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return path


def installer_name(url: str, replacement_id: str) -> str:
    """The file name a download is staged under: the last part of its URL path (as the stage step names it)."""
    return PurePosixPath(urlsplit(url).path).name or f"{replacement_id}.download"


def _inside(folder: Path, relative: Any) -> Path:
    # Paths come from a file an admin carried around: plain relative paths inside the bundle, no links.
    if not isinstance(relative, str) or not relative or relative.startswith("/") or "\\" in relative:
        raise BundleError(f"The bundle's manifest names an invalid path {relative!r}.")
    parts = PurePosixPath(relative).parts
    if ".." in parts or any(p.startswith(".") for p in parts):
        raise BundleError(f"The bundle's manifest names a path outside the bundle: {relative!r}.")
    path = folder.joinpath(*parts)
    if path.is_symlink() or not path.is_file():
        raise BundleError(f"The bundle is incomplete: {relative} is missing or not a plain file.")
    return path


def _checked(folder: Path, relative: Any, sha256: Any, limit: int | None, bound: str) -> Path:
    path = _inside(folder, relative)
    if sha256_of(path, within=folder, limit=limit, bound=bound) != sha256:
        from offramp.core import exitcodes

        raise BundleError(
            f"{relative} in the bundle does not match its SHA-256 in the manifest: it was changed or damaged "
            "after the bundle was made. Make the bundle again; do not use this copy.",
            exitcodes.HASH_MISMATCH,
        )
    return path


def _read_manifest(folder: Path) -> dict[str, Any]:
    missing = f"{folder} is not an Offramp bundle: it has no {MANIFEST}."
    with open_plain(folder / MANIFEST, within=folder, missing=missing) as handle:
        data = handle.read(MAX_MANIFEST + 1)
    if len(data) > MAX_MANIFEST:
        raise BundleError(f"The bundle's {MANIFEST} is larger than any bundle manifest ({MAX_MANIFEST} bytes).")
    try:
        manifest = json.loads(data)
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, or nested deeper than any manifest is
        raise BundleError(f"The bundle's {MANIFEST} cannot be read ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise BundleError(f"{folder / MANIFEST} is not an Offramp bundle manifest.")
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise BundleError("The bundle was made by a newer Offramp: use that version, or make the bundle again.")
    records = manifest.get("playbooks") or []
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        raise BundleError(f"{folder / MANIFEST} is not an Offramp bundle manifest.")
    return manifest


def open_bundle(folder: Path, *, only: str | None = None, max_installer: int | None = None) -> Bundle:
    """Reads a bundle and verifies every file it names; raises BundleError with what is wrong.

    ``only``: the one playbook id a migration stages, whose entry alone is read (the manifest may name any
    number of other files, of any size); ``max_installer``: the most bytes its installer may have."""
    folder = Path(folder)
    manifest = _read_manifest(folder)
    entries = []
    for record in manifest.get("playbooks") or ():
        if only is not None and record.get("id") != only:
            continue
        playbook = _checked(folder, record.get("playbook"), record.get("playbook_sha256"), MAX_PLAYBOOK, "any playbook")
        installer = None
        if record.get("installer") is not None:
            installer = _checked(
                folder, record["installer"], record.get("installer_sha256"), max_installer, "its playbook says"
            )
        entries.append(Entry(str(record.get("id")), playbook, installer, record.get("installer_sha256")))
        if only is not None:
            break
    if not entries:
        raise BundleError(
            "The bundle holds no playbook." if only is None else f"The bundle holds no playbook {only!r}."
        )
    created = manifest.get("created")
    return Bundle(folder, str(manifest.get("platform")), tuple(entries), created if isinstance(created, str) else None)


def stage_from(bundle_dir: Path, replacement_id: str, dest: Path, *, max_size: int | None = None) -> Path:
    """Copies the bundle's installer for a playbook to ``dest`` (private, as downloads are), verified again.

    The caller verifies the copy, never the bundle's file, which its carrier may still change; a copy that
    grows past ``max_size`` (the size the playbook gives) is stopped and removed, so it cannot fill the disk."""
    entry = open_bundle(bundle_dir, only=replacement_id, max_installer=max_size).entry(replacement_id)
    if entry.installer is None:
        raise BundleError(f"The bundle holds no installer for {replacement_id}.")
    paths.make_dirs(dest.parent)
    part = dest.with_name(dest.name + ".part")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        with (
            open_plain(entry.installer, within=Path(bundle_dir)) as source,
            os.fdopen(os.open(part, flags, 0o600), "wb") as copy,
        ):
            copied = 0
            while block := source.read(1024 * 1024):
                copied += len(block)
                if max_size is not None and copied > max_size:
                    raise BundleError(
                        f"The bundle's {entry.installer.name} is larger than its playbook says ({max_size} bytes)."
                    )
                copy.write(block)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, dest)
    return dest
