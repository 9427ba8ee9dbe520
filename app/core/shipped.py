"""The playbooks that ship with Offramp, read through a compiled snapshot so a normal start parses no YAML.

Every scan and every wizard start reads the banned-product catalogue and the replacement playbooks.
Importing the YAML parser and parsing those files was most of a scan's start-up, so the parsed data is
kept in one JSON file beside them, playbooks/compiled.json, together with the size and CRC-32 of each
YAML file it came from. A file whose size or checksum no longer matches is parsed from YAML again and the
snapshot rewritten, so an edited playbook takes effect on the next start, as with Python's bytecode
cache. The frozen build compiles the snapshot when it is built (`python -m app.core.shipped`).

Trust: the snapshot sits in the same folder as the YAML it mirrors and has the same owner, so it is
trusted exactly as much as the shipped YAML. The checksum notices edits; it is not a signature. A
snapshot that cannot be read, or a folder that cannot be written (a read-only install), only costs
the time to parse the YAML.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from app.core import paths

T = TypeVar("T")

SNAPSHOT_NAME = "compiled.json"
FORMAT = 1
# The folders under playbooks/ whose files ship with Offramp and are read at every start.
SHIPPED_FOLDERS = ("banned", "replacements")
# What a build from data can raise when the data does not have the shape the loaders expect.
_SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError)

_loaded: dict[Path, dict[str, Any]] = {}


def _stamp(raw: bytes) -> list[int]:
    return [len(raw), zlib.crc32(raw)]


def _shipped_files(root: Path) -> Iterator[Path]:
    for folder in SHIPPED_FOLDERS:
        yield from sorted((root / folder).glob("*.yaml"))


def _read_snapshot(root: Path) -> dict[str, Any]:
    try:
        snapshot = json.loads((root / SNAPSHOT_NAME).read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(snapshot, dict) or snapshot.get("format") != FORMAT:
        return {}
    if not isinstance(snapshot.get("files"), dict):
        return {}
    return snapshot["files"]


def _parse(path: Path) -> Any:
    """The file's data, or None when it is not readable YAML (the validating load then says why)."""
    from app.core.yamlstrict import YamlError, load

    try:
        return load(path, trusted=True).data
    except YamlError:
        return None


def _write_snapshot(root: Path, files: dict[str, Any]) -> bool:
    """Replaces the snapshot atomically; False (and nothing changed) when the folder is not writable."""
    target = root / SNAPSHOT_NAME
    temporary = target.with_name(f".{SNAPSHOT_NAME}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump({"format": FORMAT, "files": files}, out, ensure_ascii=False, separators=(",", ":"))
        os.replace(temporary, target)
        return True
    except OSError:
        temporary.unlink(missing_ok=True)
        return False


def _entries(root: Path) -> dict[str, Any]:
    """Every shipped file's data, by path relative to root, refreshed where the YAML has changed."""
    cached = _loaded.get(root)
    if cached is not None:
        return cached
    snapshot = _read_snapshot(root)
    current: dict[str, Any] = {}
    changed = False
    for path in _shipped_files(root):
        key = path.relative_to(root).as_posix()
        raw = path.read_bytes()
        entry = snapshot.get(key)
        if not (isinstance(entry, dict) and entry.get("stamp") == _stamp(raw) and "data" in entry):
            data = _parse(path)
            entry = {"stamp": _stamp(raw) if data is not None else None, "data": data}
            changed = True
        current[key] = entry
    if changed or set(snapshot) != set(current):
        valid = {key: entry for key, entry in current.items() if entry["stamp"] is not None}
        _write_snapshot(root, valid)
    _loaded[root] = current
    return current


def load_shipped(folder: str, build: Callable[[dict[str, Any], Path], T], root: Path | None = None) -> list[T]:
    """Builds an object from each shipped YAML file in `folder` ("banned" or "replacements"), in name order.

    The schema pass is skipped for shipped files (the test suite validates each on every change). If a
    file does not parse or does not build anyway, it is loaded through full validation, so the error still
    names its file, line and field."""
    root = root or paths.playbooks_dir()
    out = []
    for key, entry in _entries(root).items():
        if not key.startswith(folder + "/"):
            continue
        path = root / key
        try:
            if entry["data"] is None:
                raise ValueError("not parsed")
            out.append(build(entry["data"], path))
        except _SHAPE_ERRORS:
            from app.core.validation import load_checked

            out.append(build(load_checked(path).data, path))
    return out


def forget() -> None:
    """Drops what this process has read, so the next load looks at the files again (tests, long runs)."""
    _loaded.clear()


def compile_snapshot(root: Path | None = None) -> Path:
    """Writes the snapshot for the playbooks under root from scratch (the build calls this)."""
    root = root or paths.playbooks_dir()
    files = {}
    for path in _shipped_files(root):
        data = _parse(path)
        if data is None:
            from app.core.validation import load_checked

            load_checked(path)  # raises InvalidPlaybook, naming the file and line
        files[path.relative_to(root).as_posix()] = {"stamp": _stamp(path.read_bytes()), "data": data}
    if not _write_snapshot(root, files):
        raise OSError(f"cannot write {root / SNAPSHOT_NAME}")
    _loaded.pop(root, None)
    return root / SNAPSHOT_NAME


if __name__ == "__main__":
    print(compile_snapshot())
