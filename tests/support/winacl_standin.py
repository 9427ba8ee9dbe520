"""POSIX stand-ins for app/core/winacl's live calls, so the Windows walks' rules also run on Linux.

Windows security descriptors exist only on Windows (and under Wine, see tests/integration/test_wine_acl.py),
and Wine 8 cannot make a junction at all. These read the same facts from a POSIX file the way Wine's server
derives a descriptor from one: the owner from the uid, the access list from the mode bits, and a symbolic
link as a reparse point. The user running the tests stands for Administrators (Offramp runs elevated on
Windows), root for SYSTEM, a system account (uid 1-999) for a service's own SID and anyone else for a user.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from offramp.core import winacl

USER_DOMAIN = "S-1-5-21-1111111111-2222222222-3333333333"
READ = 0x1200A9  # FILE_GENERIC_READ | FILE_GENERIC_EXECUTE, as Wine gives a readable mode
WRITE = 0x116 | 0x40 | 0x10000  # write data, append, EA, attributes, delete child, delete


def sid_of_uid(uid: int) -> str:
    if uid == os.geteuid():
        return winacl.ADMINISTRATORS
    if uid == 0:
        return winacl.SYSTEM
    if uid < 1000:
        return f"S-1-5-80-{uid}"
    return f"{USER_DOMAIN}-{uid}"


def _mask(bits: int) -> int:
    return (READ if bits & 4 else 0) | (WRITE if bits & 2 else 0)


def describe(path: str | os.PathLike[str]) -> winacl.Entry:
    st = os.lstat(path)
    owner = sid_of_uid(st.st_uid)
    inherit = 0x3 if stat.S_ISDIR(st.st_mode) else 0
    aces = [winacl.Ace(0, inherit, 0x1F01FF, winacl.SYSTEM)]
    for shift, sid in ((6, owner), (3, "S-1-5-32-545"), (0, "S-1-1-0")):
        mask = _mask((st.st_mode >> shift) & 7)
        if mask:
            aces.append(winacl.Ace(0, inherit, mask, sid))
    attributes = (winacl.DIRECTORY if stat.S_ISDIR(st.st_mode) else 0) | (
        winacl.REPARSE_POINT if stat.S_ISLNK(st.st_mode) else 0
    )
    return winacl.Entry(attributes, winacl.Security(owner, tuple(aces)))


def owner_of(path: Path) -> str | None:
    return describe(path).security.owner


def make_dir(path: str | os.PathLike[str]) -> bool:
    """Stands in for winacl.make_admin_dir: a folder only its owner may enter or change."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        return False
    os.chmod(path, 0o700)
    return True
