"""What the catalogue asks collectors to look at: the folders, files and registry keys its signatures name.

Collectors read the whole package, program and service lists, but folders and registry keys are
too large to read whole; the catalogue's `under` and exact-path matchers say where to look, so no
vendor name or folder is written into collector code.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from app.core.catalogue import Catalogue


@dataclass(frozen=True)
class Scope:
    folders: dict[str, tuple[str, ...]] = field(default_factory=dict)  # platform -> folders to list
    files: dict[str, tuple[str, ...]] = field(default_factory=dict)  # platform -> exact paths to check
    registry_roots: tuple[str, ...] = ()  # windows keys to read recursively


def _collect(where: dict[str, Any], table: str, platform: str, folders: dict[str, set[str]],
             files: dict[str, set[str]], registry: set[str]) -> None:
    for column, matcher in where.items():
        if table == "file" and column in ("path", "directory"):
            if isinstance(matcher, dict) and "under" in matcher:
                folders[platform].add(matcher["under"])
            elif isinstance(matcher, str):
                files[platform].add(matcher)
            elif isinstance(matcher, dict) and "one_of" in matcher:
                files[platform].update(matcher["one_of"])
        elif table == "registry" and column in ("key", "path"):
            if isinstance(matcher, dict) and "under" in matcher:
                registry.add(matcher["under"])
            elif isinstance(matcher, str) and column == "key":
                registry.add(matcher)


def scope_from(catalogue: Catalogue) -> Scope:
    folders: dict[str, set[str]] = defaultdict(set)
    files: dict[str, set[str]] = defaultdict(set)
    registry: set[str] = set()
    detects = [p.detect for p in catalogue.products] + [n.detect for n in catalogue.not_banned]
    for detect in detects:
        for platform, signatures in detect.items():
            for sig in signatures:
                _collect(sig["where"], sig["table"], platform, folders, files, registry)
    for product in catalogue.products:
        for spec in product.definitions:
            _collect(spec["where"], spec["table"], spec["platform"], folders, files, registry)
    # A key below another one is read with it; keep only the outermost roots.
    roots = sorted(registry, key=lambda k: (len(k), k))
    outer: list[str] = []
    for key in roots:
        if not any(key.casefold().startswith(o.casefold() + "\\") or key.casefold() == o.casefold() for o in outer):
            outer.append(key)
    return Scope(folders={k: tuple(sorted(v)) for k, v in folders.items()},
                 files={k: tuple(sorted(v)) for k, v in files.items()}, registry_roots=tuple(outer))
