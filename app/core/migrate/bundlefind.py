"""Where an offline bundle is: its manifest's name, and the bundle folder a program was started in.

Cheap to import, because the wizard looks before its first page appears; opening and verifying a
bundle is `bundle.py`'s work.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

MANIFEST = "offramp-bundle.json"  # what makes a folder a bundle (`bundle.create` writes it, `open_bundle` reads it)


def find_bundle(starts: Sequence[Path]) -> Path | None:
    """The bundle folder a program started at one of ``starts`` (its executable, the working folder) lies in.

    Each start and every folder above it is looked at, nearest first, for a bundle manifest; only its
    presence counts here, the bundle is verified when it is opened. A manifest someone else could have
    put there is passed over: on POSIX the manifest and its folder must belong to root, to the user
    running Offramp or to the owner of the start folder, and must not be writable by everyone, so a
    manifest planted in a shared folder such as /tmp cannot steer a run started below it.
    """
    for start in starts:
        try:
            start = Path(start).resolve(strict=True)
        except OSError:
            continue  # a start that is not there (a working folder deleted under the program) says nothing
        for folder in (start, *start.parents):
            manifest = folder / MANIFEST
            if os.path.lexists(manifest) and _may_trust(manifest, start):
                return folder
    return None


def _may_trust(manifest: Path, start: Path) -> bool:
    try:
        found, folder = os.lstat(manifest), os.stat(manifest.parent)
    except OSError:
        return False
    if not stat.S_ISREG(found.st_mode):
        return False  # a link or a folder at the manifest's name is no bundle
    if os.name == "nt":
        return True  # Windows keeps who may write a folder in its ACL, not in these bits
    try:
        owners = {0, os.geteuid(), os.stat(start).st_uid}
    except OSError:
        return False
    return all(st.st_uid in owners and not st.st_mode & stat.S_IWOTH for st in (found, folder))
