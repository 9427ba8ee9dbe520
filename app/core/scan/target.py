"""Whether a `--root` given by the person is a system Offramp can read, so bad input never reads as "clean".

A folder that does not exist, or that holds no system, would otherwise scan as "nothing found": the
most dangerous answer a scanner can give by mistake. The rule: the folder exists and holds at least
one of the marks every Linux or macOS system has (a package database, an os-release file, or the
macOS system folders).
"""

from __future__ import annotations

from pathlib import Path

# Relative paths of which any one marks a system: dpkg's and rpm's databases (old and new places), the
# os-release file every systemd-era distribution has, and the folders every macOS volume has.
SYSTEM_MARKS = (
    "var/lib/dpkg",
    "var/lib/rpm",
    "usr/lib/sysimage/rpm",
    "etc/os-release",
    "usr/lib/os-release",
    "System/Library",
    "Library",
    "Applications",
)


class TargetError(ValueError):
    """The --root cannot be read as a system; the message says why, in words."""


def check_root(root: Path | str) -> Path:
    """The root as a Path, or TargetError saying why it is not a system Offramp can read."""
    path = Path(root)
    if not path.exists():
        raise TargetError(f"{path} does not exist: give --root the folder where the other system is mounted")
    if not path.is_dir():
        raise TargetError(f"{path} is not a folder: give --root the folder where the other system is mounted")
    try:
        marked = any((path / mark).exists() for mark in SYSTEM_MARKS)
    except OSError as exc:
        raise TargetError(f"{path} cannot be read: {exc.strerror or exc}") from None
    if not marked:
        raise TargetError(
            f"{path} does not look like a Linux or macOS system (no package database, no os-release file, "
            "no macOS system folders): check that the system is mounted there"
        )
    return path
