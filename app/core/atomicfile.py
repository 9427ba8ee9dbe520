"""Replacing a file so that a crash leaves either the old one or the new one, never half of each; reading one back.

One helper for every record Offramp keeps (the migration state, the report, a staged installer's
final name, the compiled playbook snapshot): write a temporary file in the same folder, fsync it,
rename it over the target, then fsync the folder so the rename itself survives a power cut.
On Windows the rename can fail for a moment while another process (typically an antivirus scanner
looking at the new file) holds the target open; that is retried briefly instead of failing.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from pathlib import Path

# Pauses between attempts at a rename Windows refused; about 1.5 s in all, what a scanner needs.
RETRY_PAUSES = (0.05, 0.1, 0.2, 0.4, 0.8)
# Only Windows refuses a rename for a moment; on POSIX a refused rename stays refused.
RETRY_SHARING_VIOLATIONS = os.name == "nt"
# A folder on a file system that cannot fsync a directory says so with one of these; the file's
# own data is synced already, so that is not worth failing over. Any other error is real.
_NO_DIRECTORY_FSYNC = {errno.EINVAL, errno.ENOTSUP, errno.EBADF}


def write_bytes(path: Path | str, data: bytes, *, mode: int = 0o600) -> None:
    """Replaces `path` with `data` atomically; the folder must exist. `mode` applies on POSIX."""
    import tempfile  # here, not at the top: reading records is on the wizard's path to its first page

    target = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if os.name != "nt":
                os.fchmod(handle.fileno(), mode)  # mkstemp's 0600 is not what every caller wants
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # the data must be on disk before the name that vouches for it
        replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass  # already renamed, or the folder went away; the original error is the one to report
        raise


def write_text(path: Path | str, text: str, *, mode: int = 0o600) -> None:
    """Replaces `path` with `text` (UTF-8) atomically."""
    write_bytes(path, text.encode("utf-8"), mode=mode)


def replace(source: Path | str, target: Path | str) -> None:
    """Renames a finished, fsynced file over `target`, retrying Windows sharing violations, then syncs the folder."""
    for pause in (*RETRY_PAUSES, None):
        try:
            os.replace(source, target)
            break
        except PermissionError:
            if pause is None or not RETRY_SHARING_VIOLATIONS:
                raise
            time.sleep(pause)
    fsync_dir(Path(target).parent)


def fsync_dir(folder: Path | str) -> None:
    """Makes a rename in `folder` durable (POSIX); Windows cannot open a folder for fsync and NTFS journals renames."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _NO_DIRECTORY_FSYNC:
            raise
    finally:
        os.close(fd)


def read_regular(path: Path) -> bytes | None:
    """The file's bytes, or None when what is there is not a regular file (a folder, a FIFO, a device).

    Opened without blocking, so a FIFO at a record's name cannot hang Offramp, and checked through
    the open handle, so what is read is what was checked.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)
