"""Rows for osquery's `processes` table (pid, name, path, parent) on the machine Offramp runs on.

Windows and macOS are read through psutil. On Linux the same four columns are read straight from
/proc: importing psutil and walking it took about 25 ms of a 100 ms scan here, reading /proc takes
under 2 ms. The rules below are psutil's (the long-name and command-line rules, " (deleted)" paths),
so both give the same row for every process psutil reads; a test compares them. One difference is
deliberate: psutil leaves out a process whose program path it may not read (another user's, when
Offramp does not run as root), while this lists it by name with an empty path, which is still enough
to see that a vendor's service is running.
"""

from __future__ import annotations

import os
import sys
from typing import Any

_COMM_LIMIT = 15  # the kernel cuts /proc/<pid>/stat's name to 15 characters
_DELETED = " (deleted)"


def collect() -> list[dict[str, Any]]:
    if sys.platform.startswith("linux"):
        return from_proc()
    return from_psutil()


def from_psutil() -> list[dict[str, Any]]:
    import psutil

    rows = []
    for proc in psutil.process_iter(["pid", "ppid"]):
        try:
            try:
                name = proc.name()
                path = proc.exe()
            except OSError:
                # Wine does not implement the call psutil uses for names; the command line still works.
                cmdline = proc.cmdline()
                path = cmdline[0] if cmdline else ""
                name = os.path.basename(path.replace("\\", "/"))
            rows.append(
                {
                    "pid": str(proc.info["pid"]),
                    "name": name,
                    "path": path or "",
                    "parent": str(proc.info.get("ppid") or ""),
                }
            )
        except (psutil.Error, OSError):
            continue  # gone, or not ours to read
    return rows


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def command_line(raw: str) -> list[str]:
    """The words of /proc/<pid>/cmdline. The kernel ends each with a NUL, but a program that rewrites its
    title (browsers, daemons) may leave one string with spaces, with or without a final NUL."""
    if not raw:
        return []  # a zombie, or a kernel thread
    separator = "\0" if raw.endswith("\0") else " "
    words = raw.removesuffix(separator).split(separator)
    if separator == "\0" and len(words) == 1 and " " in words[0]:
        words = words[0].split(" ")
    return words


def _proc_row(proc: str, pid: str) -> dict[str, Any]:
    base = f"{proc}/{pid}/"
    stat = _read(base + "stat").decode("utf-8", "replace")
    # "pid (name) state ppid ...": the name may itself hold spaces and parentheses, so cut at the last ")".
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    ppid = stat[stat.rindex(")") + 2 :].split()[1]
    if len(name) >= _COMM_LIMIT:
        # As psutil does: the command line's first word holds the whole name when it starts with the cut one.
        try:
            words = command_line(_read(base + "cmdline").decode("utf-8", "replace"))
        except OSError:
            words = []
        if words and os.path.basename(words[0]).startswith(name):
            name = os.path.basename(words[0])
    try:
        path = os.readlink(base + "exe")
    except OSError:
        path = ""  # a kernel thread, or another user's process
    if path.endswith(_DELETED) and not os.path.exists(path):
        path = path[: -len(_DELETED)]  # the program was replaced on disk (an upgrade) after it started
    return {"pid": pid, "name": name, "path": path, "parent": "" if ppid == "0" else ppid}


def from_proc(proc: str = "/proc") -> list[dict[str, Any]]:
    rows = []
    for pid in os.listdir(proc):
        if not pid.isdigit():
            continue
        try:
            rows.append(_proc_row(proc, pid))
        except (OSError, ValueError, IndexError):
            continue  # gone while we read it
    return rows
