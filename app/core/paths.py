"""Where Offramp finds its own data and keeps its files, and how it makes folders and files only it may touch.

Every other module asks here, so a test or a portable run can move everything with one variable:
OFFRAMP_HOME puts state, logs and downloads under one folder instead of the per-OS folders.

An elevated Offramp (root, or an administrator on Windows) trusts only itself: it keeps its files in
the system's own folders (/var/lib, /var/cache and /var/log on Linux; /Library on macOS;
%ProgramData% on Windows), never in folders named by the caller's HOME or XDG_* variables, which
`sudo -E` keeps. OFFRAMP_HOME still works when elevated, but only for a folder that no one but root
can change. Folders are created 0700 and files 0600 whatever the umask; a symlink, FIFO or device
found at one of Offramp's names is refused, never followed or opened. On Windows, an elevated Offramp makes
its folders under %ProgramData%\\Offramp for SYSTEM and Administrators alone, and refuses one it finds there
that is a link or junction, or that anyone else owns or may change (app/core/winacl.py judges it).
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from offramp.core import winacl

APP_NAME = "Offramp"
APP_AUTHOR = "Offramp"

_SYSTEM_DIRS = {
    "linux": {"state": "/var/lib/offramp", "cache": "/var/cache/offramp", "logs": "/var/log/offramp"},
    "darwin": {
        "state": "/Library/Application Support/Offramp",
        "cache": "/Library/Caches/Offramp",
        "logs": "/Library/Logs/Offramp",
    },
}


class UntrustedFolder(PermissionError):
    """A folder Offramp would keep its files in, but that someone other than Offramp's user could change.

    A PermissionError, so whatever reports an unwritable record folder reports this one too."""


class NotARegularFile(OSError):
    """A symlink, FIFO, device or folder sits where Offramp keeps one of its own files."""


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


def elevated() -> bool:
    """True for root (effective uid 0) or a Windows administrator: then only system folders are used."""
    if os.name == "nt":
        try:
            import ctypes

            return bool(ctypes.windll.shell32.IsUserAnAdmin())  # type: ignore[attr-defined]
        except (AttributeError, OSError):
            return False
    return os.geteuid() == 0


def _home_override() -> Path | None:
    home = os.environ.get("OFFRAMP_HOME")
    return Path(home) if home else None


def check_override() -> None:
    """Refuses an OFFRAMP_HOME an elevated run must not trust; the command line calls it before anything else."""
    override = _home_override()
    if override is not None and elevated():
        check_trusted(override, what="OFFRAMP_HOME")


def _posix_system() -> str:
    """Which system folders a POSIX system uses: macOS's, or Linux's for every other one."""
    return "darwin" if sys.platform == "darwin" else "linux"


def _folder(kind: str) -> Path:
    override = _home_override()
    if override is not None:
        return override / kind
    if elevated():
        if os.name == "nt":
            return _windows_system_base() / kind
        return Path(_SYSTEM_DIRS[_posix_system()][kind])
    # Imported here so `offramp --help` does not pay for it.
    import platformdirs

    finders: dict[str, Callable[[str, str], str]] = {
        "state": platformdirs.user_state_dir,
        "logs": platformdirs.user_log_dir,
        "cache": platformdirs.user_cache_dir,
    }
    return Path(finders[kind](APP_NAME, APP_AUTHOR))


def _windows_system_base() -> Path:
    """%ProgramData%\\Offramp, with %ProgramData% as Windows reports it (a known folder), not as the caller's
    environment says."""
    import platformdirs

    return Path(platformdirs.site_data_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    """Where a migration's state file and journal live (they must survive a reboot)."""
    return _folder("state")


def log_dir() -> Path:
    return _folder("logs")


def playbook_updates_dir() -> Path:
    """Playbooks taken from the signed update repository (`offramp playbooks update`), and its TUF metadata."""
    return state_dir() / "playbook-updates"


def cache_dir() -> Path:
    """Where downloads are staged before they are verified."""
    return _folder("cache")


# --- folders and files only Offramp may touch ---------------------------------------------------------


def check_trusted(path: Path, *, what: str = "folder") -> None:
    """Raises UntrustedFolder unless `path` (or, if it does not exist yet, the folder it would be made in) and
    every folder above it belong to root or to us and are writable by no one else (a sticky, root-owned
    folder such as /tmp is fine: others cannot rename what is in it). POSIX only; Windows uses ACLs."""
    if os.name == "nt":
        return
    me = os.geteuid()
    probe = Path(os.path.realpath(path))
    for folder in (probe, *probe.parents):
        try:
            st = os.stat(folder)
        except FileNotFoundError:
            continue  # created later by private_dir, 0700
        except OSError as exc:
            raise UntrustedFolder(f"{what} {path}: cannot check {folder}: {exc.strerror or exc}") from None
        problem = None
        if st.st_uid not in (0, me):
            problem = f"{folder} belongs to user id {st.st_uid}"
        elif st.st_mode & 0o022 and not (st.st_mode & stat.S_ISVTX and st.st_uid == 0 and folder != probe):
            problem = f"{folder} can be changed by other users (mode {stat.S_IMODE(st.st_mode):04o})"
        if problem:
            raise UntrustedFolder(
                f"{what} {path} is not safe for an elevated Offramp: {problem}. Use a folder only root can "
                "change (or unset OFFRAMP_HOME to use the system's folders)."
            )


def make_dirs(path: Path) -> Path:
    """Creates the missing folders of `path` mode 0700 whatever the umask; folders that exist are left as they
    are (an admin's --report folder is theirs). For Offramp's own folders use private_dir.

    Elevated on Windows, a folder under %ProgramData%\\Offramp is different: every folder from there down is
    made for administrators alone, or checked when it exists (see _windows_private_tree)."""
    path = Path(path)
    if os.name == "nt" and elevated():
        base = _windows_system_base()
        if path == base or base in path.parents:
            _windows_private_tree(base, path)
            return path
    created = []
    probe = path
    while not os.path.lexists(probe) and probe != probe.parent:
        created.append(probe)
        probe = probe.parent
    for folder in reversed(created):
        try:
            # On Windows, mode 0o700 gives the new folder an ACL for its owner and administrators only
            # (Python 3.11.10+, CVE-2024-4030); on POSIX the umask filters it, so chmod follows.
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
        if os.name != "nt":
            os.chmod(folder, 0o700, follow_symlinks=False)
    return path


_UNTRUSTED_ADVICE = (
    "Someone other than an administrator may have made it: look at what it holds, then delete it as an "
    "administrator (Offramp makes it again, for administrators only) and run Offramp again."
)


def _windows_private_tree(
    base: Path,
    path: Path,
    describe: Callable[[Path], winacl.Entry] | None = None,
    make_dir: Callable[[Path], bool] | None = None,
) -> None:
    """Makes each missing folder from `base` down to `path` with an access list for SYSTEM and Administrators
    alone, and refuses (UntrustedFolder) any of them that is a link or junction, not a folder, owned by anyone
    else or changeable by anyone else. %ProgramData% lets every user create folders, so a folder found there
    may have been made by one to plant files; what Offramp made itself is read back and judged the same way.

    `describe` and `make_dir` are winacl's; a test elsewhere than Windows hands in stand-ins."""
    from offramp.core import winacl

    describe = describe or winacl.describe
    make_dir = make_dir or winacl.make_admin_dir
    try:
        volume_owner = describe(Path(base.anchor)).security.owner
    except OSError:
        volume_owner = None
    trusted = winacl.trusted_with(volume_owner)
    parts = path.relative_to(base).parts
    for depth in range(len(parts) + 1):
        folder = base.joinpath(*parts[:depth])
        try:
            entry = describe(folder)
        except FileNotFoundError:
            make_dir(folder)
            entry = describe(folder)
        if entry.is_reparse_point:
            raise UntrustedFolder(
                f"{folder} is a link or junction, not a folder: an elevated Offramp never keeps its records "
                f"through one. {_UNTRUSTED_ADVICE}"
            )
        if not entry.is_dir:
            raise UntrustedFolder(
                f"{folder} is not a folder (a file sits at Offramp's folder name). {_UNTRUSTED_ADVICE}"
            )
        found = winacl.problems(entry.security, trusted)
        if found:
            problems = "; ".join(found)
            raise UntrustedFolder(f"{folder} is not safe for an elevated Offramp: {problems}. {_UNTRUSTED_ADVICE}")


def private_dir(path: Path) -> Path:
    """Creates `path` (and missing parents) mode 0700 whatever the umask, and checks it is a real folder of
    ours that no one else can enter. Elevated, every folder above it must be root's too (check_trusted); on
    Windows, every folder of Offramp's own below %ProgramData% must be the administrators' alone (make_dirs)."""
    path = make_dirs(path)
    if os.name == "nt":
        return path
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise UntrustedFolder(f"{path} is not a folder (a link or a file sits at Offramp's folder name)")
    if st.st_uid != os.geteuid():
        raise UntrustedFolder(f"{path} belongs to user id {st.st_uid}, not to the user running Offramp")
    if stat.S_IMODE(st.st_mode) != 0o700:
        os.chmod(path, 0o700, follow_symlinks=False)  # ours, with a mode from an older run or another umask
    if elevated():
        check_trusted(path)
    return path


def open_private(path: Path, flags: int = os.O_WRONLY | os.O_APPEND | os.O_CREAT) -> int:
    """Opens (creating it 0600 when `flags` say so) one of Offramp's own files and returns the descriptor.

    Never follows a symlink and never waits on a FIFO (O_NONBLOCK while opening): anything but a regular
    file at the name raises NotARegularFile. The mode is set to 0600 on the open file whatever the umask."""
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        if os.path.islink(path) or (os.path.lexists(path) and not os.path.isfile(path)):
            raise NotARegularFile(exc.errno, "not a regular file (a link, FIFO, device or folder)", str(path)) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFile(0, "not a regular file (a FIFO, device or folder)", str(path))
        if os.name != "nt":
            if stat.S_IMODE(st.st_mode) != 0o600:
                os.fchmod(fd, 0o600)
            import fcntl

            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    except BaseException:
        os.close(fd)
        raise
    return fd
