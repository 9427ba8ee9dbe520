"""One migration at a time: an operating-system lock on a file in the state folder, held while a migration runs.

The lock is the kernel's (flock on POSIX, a locked byte range on Windows), so it goes away with the
process however it ends — a crash or a power cut never leaves a stale lock for an admin to clear.
The file holds the owner's process id, for the message the second process prints.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from offramp.core import paths
from offramp.core.migrate.recorderrors import MigrationLocked, RecordsInaccessible


class RunLock:
    """Held from `acquire()` until `release()` (or the process ends)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> RunLock:
        """Takes the lock without waiting; MigrationLocked (exit 1618) when another process has it."""
        if self._fd is not None:
            return self
        try:
            paths.make_dirs(self.path.parent)  # on Windows, also checks who may change the state folder
            flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
            fd = os.open(self.path, flags, 0o600)
        except OSError as exc:
            raise RecordsInaccessible.from_os_error(exc, self.path, "open the lock") from None
        if not _try_lock(fd):
            owner = _owner(fd)
            os.close(fd)
            raise MigrationLocked(
                f"another Offramp migration is running on this machine{owner}: "
                "wait for it to finish, then run 'offramp resume' if it stopped half-way",
                str(self.path),
            )
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass  # the id is only for the message; the lock itself is already held
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        _unlock(fd)
        os.close(fd)

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()


def _owner(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        pid = os.read(fd, 32).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (process {pid})" if pid.isdigit() else ""


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        # Locks one byte past the id, so reading the owner's id is never refused by the lock itself.
        os.lseek(fd, 64, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 64, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass  # closing the handle releases it anyway

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
