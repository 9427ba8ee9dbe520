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
    """The folder holding playbooks/ and resources/, wherever Offramp runs from.

    Frozen: the bundle's contents folder. Installed from a wheel: the package itself, where setup.py puts
    both folders. From the source checkout (an editable install included): the checkout's top folder. This
    is importlib.resources' answer for a package on disk, without importing it; Offramp never runs from a
    zip file, since it writes the playbook snapshot beside the YAML."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    package = Path(__file__).resolve().parents[1]
    if (package / "playbooks").is_dir():
        return package
    return package.parent


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


def playbook_updates_dir() -> Path:
    """Playbooks taken from the signed update repository (`offramp playbooks update`), and its TUF metadata."""
    return state_dir() / "playbook-updates"


def cache_dir() -> Path:
    """Where downloads are staged before they are verified."""
    return _user_dir("cache")
