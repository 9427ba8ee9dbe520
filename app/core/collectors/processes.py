"""Rows for osquery's `processes` table from psutil, on the machine Offramp runs on."""

from __future__ import annotations

import os
from typing import Any


def collect() -> list[dict[str, Any]]:
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
