"""Rows for osquery's `processes` table (pid, name, path, parent) on the machine Offramp runs on.

Windows and macOS are read through psutil. On Linux the same four columns are read straight from
/proc: importing psutil and walking it took about 25 ms of a 100 ms scan here, reading /proc takes
under 2 ms, and the rules below are psutil's own, so both give the same rows (a test compares them).
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


def _proc_row(proc: str, pid: str) -> dict[str, Any]:
    base = f"{proc}/{pid}/"
    stat = _read(base + "stat").decode("utf-8", "replace")
    # "pid (name) state ppid ...": the name may itself hold spaces and parentheses, so cut at the last ")".
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    ppid = stat[stat.rindex(")") + 2 :].split()[1]
    if len(name) >= _COMM_LIMIT:
        # As psutil does: the command line's first word holds the whole name when it starts with the cut one.
        try:
            first = _read(base + "cmdline").split(b"\0", 1)[0].decode("utf-8", "replace")
        except OSError:
            first = ""
        if first and os.path.basename(first).startswith(name):
            name = os.path.basename(first)
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
