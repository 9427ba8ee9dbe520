"""The one place Offramp deletes files and folders, and the rules that keep each deletion inside what it names.

Every file-system removal of a product's leftovers goes through `delete`. The rules:

* **Only what the caller names.** `named(path)` must accept the path (the clean-up step passes the
  catalogue's own signatures); anything else is refused before a single call touches the disk.
* **No symbolic link is followed out.** On Linux and macOS the path is resolved component by component
  from a descriptor of the root (`openat` with `O_NOFOLLOW | O_DIRECTORY`), and the tree is walked by
  directory descriptor (`scandir(fd)`, `unlink(name, dir_fd=…)`, `rmdir(name, dir_fd=…)`), so a
  folder swapped for a link half-way cannot redirect the walk. A target that is itself a link is
  unlinked, never followed; a link inside the tree is unlinked as a name. A link on the way to the
  target is refused (`R/var/opt -> /elsewhere`), with one exception systems need: a link owned by the
  system that points down (relative, no `..`: macOS's /var -> private/var, a merged /usr's
  /lib -> usr/lib) is resolved from the folder it is in, component by component, by the same rules.
  On Windows, where Python has no `dir_fd`, the walk goes by path and checks every component for a
  reparse point (symbolic link, junction, mount point): reparse points are removed as names and
  never entered, and one on the way to the target is refused.
* **Never across a mount.** Nothing is deleted on another device than the target's own (`st_dev`),
  nor below a mount point that `/proc/self/mountinfo` lists (a bind mount of the same file system
  shares its `st_dev`); a target that is itself a mount point is refused, and so is one reached
  through a mount point at or below the first folder on its way that the caller names (a separate
  /var or /opt partition is the system's; a mount on the product's own folder is not).
* **Never outside the root.** The path is taken relative to the root's descriptor; `..` is refused.
* **Only files of the expected owners.** An entry owned by anyone but root (uid 0), the owner of the
  root folder (a sandbox or a mounted image built by one user), or the target's own owner when that
  is a system account (uid below 1000: a product's service user) is kept and reported. So a user's
  file that found its way into a product folder survives, and so does the folder holding it.
  On Windows the same rule reads owner SIDs (`app/core/winacl.py`, from the entry itself, never a
  link's target): SYSTEM, Administrators, TrustedInstaller, the owner of the volume's root folder, or
  the target's own owner when that is a service account (NT SERVICE\\…, LOCAL or NETWORK SERVICE).

What was removed and what was kept (with the reason) comes back in a `Deletion`, so the caller can
journal it and tell the person what is left.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath

from offramp.core import winacl

MAX_LINK_HOPS = 8
SYSTEM_UID_MAX = 999  # Debian policy: 0-999 are the system's own accounts (macOS: below 500)
REPARSE_POINT = 0x400  # FILE_ATTRIBUTE_REPARSE_POINT: symbolic links, junctions, mount points
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


@dataclass
class Deletion:
    """The outcome of one `delete`: what went, what stayed and why."""

    path: str
    type: str = "absent"  # directory, file, symlink, other, absent
    size: int = 0  # bytes of the regular files removed
    removed: int = 0  # entries removed, the target included
    kept: list[tuple[str, str]] = field(default_factory=list)  # (path, why it was kept)

    @property
    def ok(self) -> bool:
        return not self.kept

    def summary(self) -> str:
        if self.kept:
            return kept_message(self.kept)
        return f"removed {self.path}" if self.type != "absent" else f"{self.path} was already gone"

    def record(self) -> dict[str, object]:
        """What the journal keeps of it."""
        return {
            "path": self.path,
            "type": self.type,
            "size": self.size,
            "removed": self.removed,
            "kept": [{"path": p, "why": why} for p, why in self.kept],
        }


def kept_message(kept: list[tuple[str, str]]) -> str:
    shown = "; ".join(f"{path}: {why}" for path, why in kept[:3])
    return f"kept {len(kept)} item(s): {shown}" + (" …" if len(kept) > 3 else "")


def delete(root: Path | None, path: str, *, named: Callable[[str], bool]) -> Deletion:
    """Removes `path` (as the system at `root` sees it: "/opt/x", or "C:\\x" on Windows) by the rules above."""
    result = Deletion(path)
    if not named(path):
        result.kept.append((path, "not a path the catalogue names"))
        return result
    if os.name == "nt":
        if not _plain_windows_path(path):
            result.kept.append((path, "not an absolute, normal path"))
            return result
        _guarded(lambda: _delete_by_path(Path(PureWindowsPath(path)), result), result)
        return result
    parts = tuple(path.rstrip("/").split("/")[1:]) if path.startswith("/") else ()
    if not parts or any(p in ("", ".", "..") for p in parts):
        result.kept.append((path, "not an absolute, normal path below the root"))
        return result
    _guarded(lambda: _delete_posix(Path(root or "/"), parts, result, named), result)
    return result


def _guarded(work: Callable[[], None], result: Deletion) -> None:
    """A folder that cannot be read or changed under us stops this deletion, in words, not the whole run."""
    try:
        work()
    except OSError as exc:
        result.kept.append((str(exc.filename) if exc.filename else result.path, exc.strerror or str(exc)))


def _plain_windows_path(path: str) -> bool:
    """A drive-rooted path without `.` or `..` components and with at least one folder below the drive."""
    windows = PureWindowsPath(path)
    raw = path.replace("/", "\\").split("\\")[1:]
    return bool(windows.drive and windows.root and raw and all(p not in ("", ".", "..") for p in raw))


# --- Linux and macOS: by directory descriptor ---------------------------------------------------------
def _delete_posix(root: Path, parts: tuple[str, ...], result: Deletion, named: Callable[[str], bool]) -> None:
    root_real = os.path.realpath(root)
    mounts = mount_points()
    scoped = False  # below a folder the caller names, no mount may stand on the way
    root_fd = os.open(root_real, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    opened = [root_fd]
    try:
        root_stat = os.fstat(root_fd)
        parent = root_fd
        shown = root_real.rstrip("/")
        pending, hops = list(parts[:-1]), 0
        while pending:
            part = pending.pop(0)
            try:
                st = os.stat(part, dir_fd=parent, follow_symlinks=False)
            except FileNotFoundError:
                return  # nothing there: already gone
            if stat.S_ISLNK(st.st_mode):
                target = _downward_link(part, parent, st, {0, root_stat.st_uid})
                hops += 1
                if target is None or hops > MAX_LINK_HOPS:
                    where = _inside(shown + "/" + part, root_real)
                    result.kept.append((result.path, f"{where} is a link that could lead elsewhere; not followed"))
                    return
                pending[:0] = target
                continue
            if not stat.S_ISDIR(st.st_mode):
                return
            crossing = st.st_dev != os.fstat(parent).st_dev or shown + "/" + part in mounts
            shown += "/" + part
            scoped = scoped or named(_inside(shown, root_real))
            if scoped and crossing:
                where = _inside(shown, root_real)
                result.kept.append((result.path, f"{where} is a mount point; Offramp never deletes across a mount"))
                return
            parent = _open_dir(part, parent, st)
            opened.append(parent)
        walker = _Walker(root_real, root_stat.st_uid, result, mounts)
        walker.remove_target(parent, parts[-1], shown + "/" + parts[-1])
    finally:
        for fd in reversed(opened):
            os.close(fd)


def _downward_link(name: str, parent: int, st: os.stat_result, owners: set[int]) -> list[str] | None:
    """The parts of a link's target when it may be followed on the way to a target: it belongs to the system
    and points down (relative, no `..`), so it cannot leave the folder it is in. Otherwise None."""
    if st.st_uid not in owners:
        return None
    target = os.readlink(name, dir_fd=parent)
    parts = [p for p in target.split("/") if p not in ("", ".")]
    if not target or target.startswith("/") or ".." in parts or not parts:
        return None
    return parts


def _open_dir(name: str, parent: int, expected: os.stat_result) -> int:
    """Opens a folder without following a link and checks it is the one just looked at (not swapped since)."""
    fd = os.open(name, _DIR_FLAGS, dir_fd=parent)
    st = os.fstat(fd)
    if (st.st_dev, st.st_ino) != (expected.st_dev, expected.st_ino):
        os.close(fd)
        raise OSError(errno.ESTALE, f"{name} changed while Offramp was looking at it")
    return fd


def _inside(shown: str, root_real: str) -> str:
    return "/" + shown[len(root_real) :].lstrip("/") if root_real != "/" else shown


class _Walker:
    def __init__(self, root_real: str, root_owner: int, result: Deletion, mounts: frozenset[str]):
        self.root_real = root_real
        self.owners = {0, root_owner}
        self.mounts = mounts
        self.result = result

    def remove_target(self, parent: int, name: str, shown: str) -> None:
        result = self.result
        try:
            st = os.stat(name, dir_fd=parent, follow_symlinks=False)
        except FileNotFoundError:
            return
        if 0 < st.st_uid <= SYSTEM_UID_MAX:
            self.owners.add(st.st_uid)  # the product's own service account
        result.type = _kind(st.st_mode)
        if not stat.S_ISDIR(st.st_mode):
            self._unlink(parent, name, shown, st)
            return
        if st.st_dev != os.fstat(parent).st_dev or shown in self.mounts:
            self._keep(shown, "it is a mount point; Offramp never deletes across a mount")
            return
        if self._foreign(st):
            self._keep(shown, f"it belongs to user {st.st_uid}, not to the system or the product")
            return
        if self._empty_tree(parent, name, shown, st):
            self._rmdir(parent, name, shown)

    def _empty_tree(self, parent: int, name: str, shown: str, st: os.stat_result) -> bool:
        """Removes everything inside the folder it may; True when the folder is left empty."""
        try:
            fd = _open_dir(name, parent, st)
        except OSError as exc:
            self._keep(shown, f"could not open it safely: {exc.strerror or exc}")
            return False
        empty = True
        try:
            with os.scandir(fd) as entries:
                names = [entry.name for entry in entries]
            for child in names:
                child_shown = shown + "/" + child
                try:
                    cst = os.stat(child, dir_fd=fd, follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if self._foreign(cst):
                    empty = False
                    self._keep(child_shown, f"it belongs to user {cst.st_uid}, not to the system or the product")
                elif stat.S_ISDIR(cst.st_mode):
                    if cst.st_dev != st.st_dev or child_shown in self.mounts:
                        empty = False
                        self._keep(child_shown, "it is a mount point; Offramp never deletes across a mount")
                    elif self._empty_tree(fd, child, child_shown, cst):
                        empty = self._rmdir(fd, child, child_shown) and empty
                    else:
                        empty = False
                else:
                    empty = self._unlink(fd, child, child_shown, cst) and empty
        finally:
            os.close(fd)
        return empty

    def _foreign(self, st: os.stat_result) -> bool:
        return st.st_uid not in self.owners

    def _unlink(self, parent: int, name: str, shown: str, st: os.stat_result) -> bool:
        if self._foreign(st):
            self._keep(shown, f"it belongs to user {st.st_uid}, not to the system or the product")
            return False
        try:
            os.unlink(name, dir_fd=parent)  # a link is removed as a name: its target is never touched
        except FileNotFoundError:
            return True
        except OSError as exc:
            self._keep(shown, exc.strerror or str(exc))
            return False
        self.result.removed += 1
        if stat.S_ISREG(st.st_mode):
            self.result.size += st.st_size
        return True

    def _rmdir(self, parent: int, name: str, shown: str) -> bool:
        try:
            os.rmdir(name, dir_fd=parent)
        except FileNotFoundError:
            return True
        except OSError as exc:
            self._keep(shown, exc.strerror or str(exc))
            return False
        self.result.removed += 1
        return True

    def _keep(self, shown: str, why: str) -> None:
        self.result.kept.append((_inside(shown, self.root_real), why))


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "directory"
    return "file" if stat.S_ISREG(mode) else "other"


def mount_points(mountinfo: str = "/proc/self/mountinfo") -> frozenset[str]:
    """Every mount point this process sees (Linux); empty where there is no mountinfo (macOS)."""
    try:
        with open(mountinfo, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return frozenset()
    points = set()
    for line in lines:
        fields = line.split(" ")
        if len(fields) > 4:
            points.add(_unescape(fields[4]))
    return frozenset(points)


def _unescape(text: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes (\\040 …)."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 3 < len(text) and text[i + 1 : i + 4].isdigit():
            out.append(chr(int(text[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


# --- Windows: by path, with reparse points checked -----------------------------------------------------
def _is_link(st: os.stat_result) -> bool:
    return stat.S_ISLNK(st.st_mode) or bool(getattr(st, "st_file_attributes", 0) & REPARSE_POINT)


OwnerReader = Callable[[Path], "str | None"]


def _live_owner(path: Path) -> str | None:
    return winacl.describe(path).security.owner


class _Owners:
    """Whose entries the Windows walk may remove: the system's accounts, the owner of the volume's root (as the
    POSIX walk trusts the root folder's owner) and the target's own service account; the rest are kept."""

    def __init__(self, owner_of: OwnerReader, target: Path, result: Deletion):
        self.owner_of = owner_of
        self.result = result
        try:
            volume = owner_of(Path(target.anchor))
        except OSError:
            volume = None
        self.trusted = set(winacl.trusted_with(volume))

    def adopt(self, path: Path) -> None:
        """The target's own owner counts when it is a service account: the product's service made its files."""
        try:
            sid = self.owner_of(path)
        except OSError:
            return
        if winacl.is_service_account(sid):
            self.trusted.add(sid)  # type: ignore[arg-type]  # is_service_account is False for None

    def foreign(self, path: Path) -> bool:
        """True (and the entry recorded as kept) when someone else owns it, or its owner cannot be read."""
        try:
            sid = self.owner_of(path)
        except FileNotFoundError:
            return False
        except OSError as exc:
            self.result.kept.append((str(path), f"its owner cannot be read: {exc.strerror or exc}"))
            return True
        if sid in self.trusted:
            return False
        self.result.kept.append((str(path), f"it belongs to {winacl.name(sid)}, not to the system or the product"))
        return True


def _delete_by_path(target: Path, result: Deletion, owner_of: OwnerReader | None = None) -> None:
    """Windows has no dir_fd: each component is checked for a reparse point, and the walk never enters one.

    `owner_of` reads an entry's owner SID (winacl's on Windows; a test elsewhere hands in a stand-in)."""
    for ancestor in reversed(target.parents):
        try:
            if ancestor != Path(ancestor.anchor) and _is_link(os.lstat(ancestor)):
                result.kept.append(
                    (str(target), f"{ancestor} is a link or junction; Offramp never deletes through one")
                )
                return
        except FileNotFoundError:
            return
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return
    owners = _Owners(owner_of or _live_owner, target, result)
    owners.adopt(target)
    result.type = "symlink" if _is_link(st) else _kind(st.st_mode)
    if owners.foreign(target):
        return
    if _is_link(st) or not stat.S_ISDIR(st.st_mode):
        _remove_name(target, st, result)
        return
    if st.st_dev != os.lstat(target.parent).st_dev:
        result.kept.append((str(target), "it is on another volume; Offramp never deletes across one"))
        return
    if _empty_by_path(target, st.st_dev, result, owners):
        _remove_dir(target, result)


def _empty_by_path(folder: Path, device: int, result: Deletion, owners: _Owners) -> bool:
    empty = True
    with os.scandir(folder) as entries:
        children = list(entries)
    for entry in children:
        child = Path(entry.path)
        try:
            st = os.lstat(child)
        except FileNotFoundError:
            continue
        if owners.foreign(child):
            empty = False
        elif _is_link(st) or not stat.S_ISDIR(st.st_mode):
            empty = _remove_name(child, st, result) and empty
        elif st.st_dev != device:
            result.kept.append((str(child), "it is on another volume; Offramp never deletes across one"))
            empty = False
        elif _empty_by_path(child, device, result, owners):
            empty = _remove_dir(child, result) and empty
        else:
            empty = False
    return empty


def _remove_name(path: Path, st: os.stat_result, result: Deletion) -> bool:
    try:
        # A junction or a directory link is a directory to Windows: rmdir removes the link, not its target.
        if stat.S_ISDIR(st.st_mode) or (os.name == "nt" and getattr(st, "st_file_attributes", 0) & 0x10):
            os.rmdir(path)
        else:
            os.unlink(path)
    except FileNotFoundError:
        return True
    except OSError as exc:
        result.kept.append((str(path), exc.strerror or str(exc)))
        return False
    result.removed += 1
    if stat.S_ISREG(st.st_mode):
        result.size += st.st_size
    return True


def _remove_dir(path: Path, result: Deletion) -> bool:
    try:
        os.rmdir(path)
    except FileNotFoundError:
        return True
    except OSError as exc:
        result.kept.append((str(path), exc.strerror or str(exc)))
        return False
    result.removed += 1
    return True
