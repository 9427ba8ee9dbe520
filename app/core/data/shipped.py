"""The playbooks that ship with Offramp, read through a compiled snapshot so a normal start parses no YAML.

Every scan and every wizard start reads the banned-product catalogue and the replacement playbooks.
Importing the YAML parser and parsing those files was most of a scan's start-up, so the parsed data is
kept in JSON beside them, one file per folder (playbooks/compiled/banned.json and replacements.json, so
the wizard's first page reads only the catalogue's), with the size and CRC-32 of each YAML file it came
from. A file whose size or checksum no longer matches is parsed from YAML again and the
snapshot rewritten, so an edited playbook takes effect on the next start, as with Python's bytecode
cache. The frozen build compiles the snapshot when it is built (`python -m offramp.core.data.shipped`).

Trust: the snapshot sits in the same folder as the YAML it mirrors and has the same owner, so it is
trusted exactly as much as the shipped YAML. The checksum notices edits; it is not a signature. A
snapshot that cannot be read, or a folder that cannot be written (a read-only install), only costs
the time to parse the YAML.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from offramp.core import paths

T = TypeVar("T")

SNAPSHOT_DIR = "compiled"
FORMAT = 1
# The folders under playbooks/ whose files ship with Offramp and are read at every start.
SHIPPED_FOLDERS = ("banned", "replacements")
# What a build from data can raise when the data does not have the shape the loaders expect.
_SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError)

_loaded: dict[tuple[Path, str], dict[str, Any]] = {}


class ShippedDataMissing(Exception):
    """Offramp's own playbooks are not where it looks: a broken install, never a clean result."""

    def __init__(self, folder: Path) -> None:
        super().__init__(
            f"Offramp's shipped playbooks are missing: there is no YAML file in {folder}. "
            "The installation is incomplete; reinstall Offramp."
        )
        self.folder = folder


def _stamp(raw: bytes) -> list[int]:
    return [len(raw), zlib.crc32(raw)]


def snapshot_path(root: Path, folder: str) -> Path:
    return root / SNAPSHOT_DIR / f"{folder}.json"


def _shipped_files(root: Path, folder: str) -> list[Path]:
    return sorted((root / folder).glob("*.yaml"))


def _read_snapshot(root: Path, folder: str) -> dict[str, Any]:
    try:
        snapshot = json.loads(snapshot_path(root, folder).read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(snapshot, dict) or snapshot.get("format") != FORMAT:
        return {}
    if not isinstance(snapshot.get("files"), dict):
        return {}
    return snapshot["files"]


def _parse(path: Path) -> Any:
    """The file's data, or None when it is not readable YAML (the validating load then says why)."""
    from offramp.core.data.yamlstrict import YamlError, load

    try:
        return load(path, trusted=True).data
    except YamlError:
        return None


def _write_snapshot(root: Path, folder: str, files: dict[str, Any]) -> bool:
    """Replaces the snapshot atomically; False (and nothing changed) when the folder is not writable."""
    from offramp.core import atomicfile  # only when writing: a normal start reads

    target = snapshot_path(root, folder)
    try:
        target.parent.mkdir(exist_ok=True)
        text = json.dumps({"format": FORMAT, "files": files}, ensure_ascii=False, separators=(",", ":"))
        # Readable by everyone, like the YAML beside it: a user's start reads what root's build wrote.
        atomicfile.write_text(target, text, mode=0o644)
        return True
    except OSError:
        return False


def _entries(root: Path, folder: str) -> dict[str, Any]:
    """Each shipped file's data in `folder`, by file name, refreshed where the YAML has changed."""
    cached = _loaded.get((root, folder))
    if cached is not None:
        return cached
    shipped = _shipped_files(root, folder)
    if not shipped:
        raise ShippedDataMissing(root / folder)
    snapshot = _read_snapshot(root, folder)
    current: dict[str, Any] = {}
    changed = False
    for path in shipped:
        key = path.name
        raw = path.read_bytes()
        entry = snapshot.get(key)
        if not (isinstance(entry, dict) and entry.get("stamp") == _stamp(raw) and "data" in entry):
            data = _parse(path)
            entry = {"stamp": _stamp(raw) if data is not None else None, "data": data}
            changed = True
        current[key] = entry
    if changed or set(snapshot) != set(current):
        _save(root, folder, current)
    _loaded[(root, folder)] = current
    return current


def _save(root: Path, folder: str, entries: dict[str, Any]) -> None:
    _write_snapshot(root, folder, {key: entry for key, entry in entries.items() if entry["stamp"] is not None})


def load_shipped(folder: str, build: Callable[[dict[str, Any], Path], T], root: Path | None = None) -> list[T]:
    """Builds an object from each shipped YAML file in `folder` ("banned" or "replacements"), in name order.

    The schema pass is skipped for shipped files (the test suite validates each on every change). If a
    file does not parse or does not build anyway, it is loaded through full validation, so the error still
    names its file, line and field."""
    root = root or paths.playbooks_dir()
    entries = _entries(root, folder)
    out = []
    repaired = False
    for key, entry in entries.items():
        path = root / folder / key
        try:
            if entry["data"] is None:
                raise ValueError("not parsed")
            out.append(build(entry["data"], path))
        except _SHAPE_ERRORS:
            from offramp.core.data.validation import load_checked

            data = load_checked(path).data  # raises InvalidPlaybook, naming file, line and field
            out.append(build(data, path))
            # The file is fine, so the snapshot's copy was not: replace it, or every start would pay for this.
            entries[key] = {"stamp": _stamp(path.read_bytes()), "data": data}
            repaired = True
    if repaired:
        _save(root, folder, entries)
    return out


def raw_documents(folder: str, root: Path | None = None) -> list[Any]:
    """The data of each shipped YAML file in `folder` as parsed, in name order, without building anything
    (None for a file that does not parse). For a glance at a field or two; load_shipped builds and checks."""
    return [entry["data"] for entry in _entries(root or paths.playbooks_dir(), folder).values()]


def forget() -> None:
    """Drops what this process has read, so the next load looks at the files again (tests, long runs)."""
    _loaded.clear()


def compile_snapshots(root: Path | None = None) -> list[Path]:
    """Writes the snapshots for the playbooks under root from scratch (the build calls this)."""
    root = root or paths.playbooks_dir()
    written = []
    for folder in SHIPPED_FOLDERS:
        files = {}
        for path in _shipped_files(root, folder):
            data = _parse(path)
            if data is None:
                from offramp.core.data.validation import load_checked

                load_checked(path)  # raises InvalidPlaybook, naming the file and line
            files[path.name] = {"stamp": _stamp(path.read_bytes()), "data": data}
        if not _write_snapshot(root, folder, files):
            raise OSError(f"cannot write {snapshot_path(root, folder)}")
        _loaded.pop((root, folder), None)
        written.append(snapshot_path(root, folder))
    return written


if __name__ == "__main__":
    for written in compile_snapshots():
        print(written)
