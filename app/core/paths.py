"""Where Offramp finds its own data and keeps its per-user files, in the source tree and in a frozen build.

Every other module asks here, so a test or a portable run can move everything with one variable:
OFFRAMP_HOME puts state, logs and downloads under one folder instead of the per-OS user folders.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "Offramp"
APP_AUTHOR = "Offramp"


def data_root() -> Path:
    """The folder holding playbooks/ and resources/: the bundle when frozen, else the source checkout."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parents[2]


def playbooks_dir() -> Path:
    return data_root() / "playbooks"


def schema_dir() -> Path:
    return playbooks_dir() / "schema"


def resources_dir() -> Path:
    return data_root() / "resources"


def _home_override() -> Path | None:
    home = os.environ.get("OFFRAMP_HOME")
    return Path(home) if home else None


def _user_dir(kind: str) -> Path:
    override = _home_override()
    if override is not None:
        return override / kind
    # Imported here so `offramp --help` does not pay for it.
    import platformdirs

    finder = {
        "state": platformdirs.user_state_dir,
        "logs": platformdirs.user_log_dir,
        "cache": platformdirs.user_cache_dir,
    }[kind]
    return Path(finder(APP_NAME, APP_AUTHOR))


def state_dir() -> Path:
    """Where a migration's state file and journal live (they must survive a reboot)."""
    return _user_dir("state")


def log_dir() -> Path:
    return _user_dir("logs")


def cache_dir() -> Path:
    """Where downloads are staged before they are verified."""
    return _user_dir("cache")
