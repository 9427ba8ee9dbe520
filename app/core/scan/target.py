"""Whether a `--root` given by the person is a system Offramp can read, so bad input never reads as "clean".

A folder that does not exist, or that holds no system, would otherwise scan as "nothing found": the
most dangerous answer a scanner can give by mistake. The rule: the folder exists and holds at least
one of the folders every Linux or macOS system has at its top (etc, usr, var, opt; Library, System,
Applications). An empty folder, a home folder or a mount point with nothing mounted fails it.
"""

from __future__ import annotations

from pathlib import Path

# Top-level folders of which any one marks a system. Not the package database alone: a system whose
# packages were removed still has its leftovers under var and opt, and those must be found.
SYSTEM_MARKS = ("etc", "usr", "var", "opt", "Library", "System", "Applications")


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
        marked = any((path / mark).is_dir() for mark in SYSTEM_MARKS)
    except OSError as exc:
        raise TargetError(f"{path} cannot be read: {exc.strerror or exc}") from None
    if not marked:
        raise TargetError(
            f"{path} does not look like a Linux or macOS system (it has no etc, usr, var or opt folder, nor "
            "the macOS system folders): check that the system is mounted there"
        )
    return path
