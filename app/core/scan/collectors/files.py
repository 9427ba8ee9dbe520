"""Rows for osquery's `file` table: the folders and files the catalogue names, as they exist under a root."""

from __future__ import annotations

import os
import re
from pathlib import Path, PureWindowsPath
from typing import Any

MAX_CHILDREN = 200  # a folder listing is evidence, not an archive: keep it short


def _row(shown: str, real: Path) -> dict[str, Any]:
    is_link = real.is_symlink()
    is_dir = not is_link and real.is_dir()
    try:
        stat = real.stat()
        size, mtime = stat.st_size, int(stat.st_mtime)
    except OSError:
        size, mtime = 0, 0
    parent, _, name = shown.rstrip("/\\").replace("\\", "/").rpartition("/")
    sep = "\\" if "\\" in shown else "/"
    return {
        "path": shown,
        "directory": parent.replace("/", sep) or sep,
        "filename": name,
        "type": "symlink" if is_link else "directory" if is_dir else "regular",
        "size": str(size),
        "mtime": str(mtime),
    }


def _real(root: Path, shown: str, posix: bool) -> Path | None:
    """Where a path of the system at `root` is; None when a link on the way could lead out of it.

    The deletion rule (app/core/platform/deletion.py) applies: a link on the way is followed only when it
    points down (relative, no `..`), as /var -> private/var on macOS and /lib -> usr/lib on a merged /usr
    do. An absolute link inside a mounted system points into the machine reading it, not into the system.
    """
    if posix:
        real = root
        for part in Path(shown.lstrip("/")).parts[:-1]:
            real = real / part
            if real.is_symlink() and not _points_down(real):
                return None
        return root / shown.lstrip("/")
    # Windows paths are read as they are, on the machine itself (root is ignored).
    return Path(PureWindowsPath(shown))


def _points_down(link: Path) -> bool:
    try:
        target = os.readlink(link)
    except OSError:
        return False
    return bool(target) and not target.startswith("/") and ".." not in Path(target).parts


def collect(
    root: Path,
    folders: tuple[str, ...],
    files: tuple[str, ...],
    *,
    posix: bool,
    filters: dict[str, tuple[str, ...]] | None = None,
) -> list[dict[str, Any]]:
    """Each existing folder (and its immediate children) and each existing file, with paths as the system sees them.

    `filters` maps a folder to patterns: of its children, only those whose path matches are reported
    (a catalogue pattern names a few files in a busy folder such as /var/log).
    """
    rows: dict[str, dict[str, Any]] = {}
    sep = "/" if posix else "\\"
    for folder, patterns in (filters or {}).items():
        real = _real(root, folder, posix)
        if real is None or real.is_symlink() or not real.is_dir():
            continue
        compiled = [re.compile(p, re.IGNORECASE) for p in patterns]
        try:
            children = sorted(real.iterdir())
        except OSError:
            children = []
        for child in children:
            shown = folder.rstrip("/\\") + sep + child.name
            if any(c.fullmatch(shown) or c.fullmatch(shown + sep) for c in compiled):
                rows.setdefault(shown, _row(shown, child))
    for folder in folders:
        real = _real(root, folder, posix)
        if real is None or not (real.is_dir() or real.is_symlink()):
            continue
        rows[folder] = _row(folder, real)
        if real.is_symlink():
            continue  # a link is a name to remove, never a folder to list: its target is someone else's
        try:
            children = sorted(real.iterdir())[:MAX_CHILDREN]
        except OSError:
            children = []
        for child in children:
            shown = folder.rstrip("/\\") + sep + child.name
            rows.setdefault(shown, _row(shown, child))
    for path in files:
        real = _real(root, path, posix)
        if real is not None and (real.exists() or real.is_symlink()):
            rows.setdefault(path, _row(path, real))
    return list(rows.values())
