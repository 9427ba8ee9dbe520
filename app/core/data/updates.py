"""Newer playbooks from an update repository secured with TUF: a compromised mirror cannot serve old or mixed files.

python-tuf's client checks the repository's signed metadata (root, timestamp, snapshot, targets):
versions never go backwards (rollback), metadata past its expiry is refused (freeze), every file's
version and hash must match what the snapshot and targets roles signed (mix-and-match), and each role
must be signed by keys the root names (a wrong key). Only then is a playbook downloaded, and it is
validated against its schema like any admin-supplied file. The shipped playbooks are the floor: an
update whose ``verified_on`` date is older than the shipped file's is not taken.

The repository's target ``index.json`` (itself verified by TUF) lists the playbook targets, named
``replacements/<id>.yaml`` or ``banned/<id>.yaml``; accepted files land in ``<folder>/replacements``
and ``<folder>/banned``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

_TARGET = re.compile(r"^(replacements|banned)/[a-z0-9][a-z0-9-]*\.yaml$")


class UpdateError(Exception):
    """The repository could not be trusted or reached; the message says which and what to do."""


@dataclass
class UpdateResult:
    taken: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "name: reason"


def _verified_on(path: Path) -> dt.date | None:
    from offramp.core.data.validation import load_checked

    data = load_checked(path).data
    value = data.get("verified_on") if isinstance(data, dict) else None
    return dt.date.fromisoformat(str(value)) if value else None


def update(repository_url: str, trusted_root: Path, folder: Path, *, shipped: Path | None = None) -> UpdateResult:
    """Refreshes the TUF metadata from ``repository_url`` and takes every newer, valid playbook into ``folder``."""
    from tuf.api import exceptions
    from tuf.ngclient import Updater

    from offramp.core import paths
    from offramp.core.data.validation import InvalidPlaybook, load_checked

    shipped = shipped or paths.playbooks_dir()
    folder = Path(folder)
    metadata_dir = folder / "tuf-metadata"
    download_dir = folder / "tuf-downloads"
    for directory in (metadata_dir, download_dir):
        paths.make_dirs(directory)
    base = repository_url.rstrip("/")
    updater = Updater(
        metadata_dir=str(metadata_dir),
        metadata_base_url=f"{base}/metadata/",
        target_base_url=f"{base}/targets/",
        target_dir=str(download_dir),
        # The root of trust ships with Offramp; TUF walks from it to the repository's current root.
        bootstrap=Path(trusted_root).read_bytes(),
    )
    result = UpdateResult()
    try:
        updater.refresh()
        names = json.loads(Path(_fetch(updater, "index.json", download_dir)).read_text()).get("playbooks", [])
        for name in names:
            if not isinstance(name, str) or not _TARGET.match(name):
                result.skipped.append(f"{name}: not a playbook path")
                continue
            path = _fetch(updater, name, download_dir)
            try:
                load_checked(Path(path))
            except InvalidPlaybook as exc:
                result.skipped.append(f"{name}: invalid ({exc.problems[0] if exc.problems else exc})")
                continue
            floor = shipped / name
            if floor.exists():
                new, old = _verified_on(Path(path)), _verified_on(floor)
                if new is not None and old is not None and new < old:
                    result.skipped.append(f"{name}: older than the shipped playbook ({new} < {old})")
                    continue
            target = folder / name
            paths.make_dirs(target.parent)
            shutil.copyfile(path, target)
            result.taken.append(name)
    except exceptions.RepositoryError as exc:
        raise UpdateError(
            f"The update repository was refused ({type(exc).__name__}: {exc}). The update stopped; "
            f"playbooks taken before it: {len(result.taken)}. The mirror may be compromised or stale."
        ) from None
    except exceptions.DownloadError as exc:
        raise UpdateError(f"The update repository could not be reached ({exc}). Nothing was updated.") from None
    return result


def _fetch(updater: object, name: str, download_dir: Path) -> str:
    """One target, downloaded (or taken from the cache) only once TUF has vouched for its length and hashes."""
    from tuf.ngclient import Updater

    assert isinstance(updater, Updater)
    info = updater.get_targetinfo(name)
    if info is None:
        from tuf.api import exceptions

        raise exceptions.RepositoryError(f"the repository's targets do not list {name}")
    local = str(download_dir / name.replace("/", "__"))
    return updater.find_cached_target(info, local) or updater.download_target(info, local)
