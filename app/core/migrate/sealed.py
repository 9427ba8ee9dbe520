"""Running a staged installer with no window between its hash check and its use.

The staged file is opened once (never through a symlink, never waiting on a FIFO) and copied,
while it is hashed, into a fresh folder that Offramp has just created 0700 under its own private
cache. The copy is what runs, and only when the bytes read through that one handle match the
playbook's SHA-256. Whoever swaps the staging folder or the file after the check swaps something that
is no longer used; nobody but Offramp (root, when elevated) can write where the copy is.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from offramp.core import paths

_BLOCK = 1024 * 1024


class SealError(Exception):
    """The staged installer cannot be run: missing, not a regular file, or not the file the playbook pins."""


@contextmanager
def sealed_copy(staged: Path, sha256: str, workroom: Path) -> Iterator[Path]:
    """A private copy of `staged` whose bytes hash to `sha256`, deleted again when the block ends."""
    paths.private_dir(workroom)
    folder = Path(tempfile.mkdtemp(prefix="run-", dir=workroom))  # 0700 and ours, whatever the umask
    try:
        st = os.lstat(folder)
        if not stat.S_ISDIR(st.st_mode) or (os.name != "nt" and st.st_uid != os.geteuid()):
            raise SealError(f"the folder {folder} was changed under Offramp; nothing was run")
        target = folder / staged.name
        digest = _copy(staged, target)
        if not hmac.compare_digest(digest.encode("ascii"), sha256.lower().encode("ascii")):
            raise SealError(
                "The staged installer changed since it was verified (its SHA-256 no longer matches the "
                "playbook); nothing was run. Run Offramp again to download it afresh."
            )
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _copy(source: Path, target: Path) -> str:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        src = os.open(source, flags)
    except OSError as exc:
        reason = exc.strerror or exc
        raise SealError(f"the staged installer {source} cannot be opened ({reason}); nothing was run") from None
    try:
        if not stat.S_ISREG(os.fstat(src).st_mode):
            raise SealError(f"{source} is not a regular file (a link, FIFO or device sits there); nothing was run")
        digest = hashlib.sha256()
        dst = paths.open_private(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        with open(dst, "wb") as out:
            while block := os.read(src, _BLOCK):
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        return digest.hexdigest()
    finally:
        os.close(src)
