"""What the catalogue asks collectors to look at: the folders, files and registry keys its signatures name.

Collectors read the whole package, program and service lists, but folders and registry keys are
too large to read whole; the catalogue's `under` and exact-path matchers say where to look, so no
vendor name or folder is written into collector code.
"""

from collections import defaultdict
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from offramp.core.data.catalogue import Catalogue
from offramp.core.scan.matching import literal_prefix

_NOTHING: Mapping[str, Any] = MappingProxyType({})  # a default no caller can change


class Scope(NamedTuple):
    folders: Mapping[str, tuple[str, ...]] = _NOTHING  # platform -> folders to list
    files: Mapping[str, tuple[str, ...]] = _NOTHING  # platform -> exact paths to check
    registry_roots: tuple[str, ...] = ()  # windows keys to read recursively
    # Folders named only by the fixed start of a pattern: list just the children the patterns match.
    filters: Mapping[str, Mapping[str, tuple[str, ...]]] = _NOTHING
    # Programs whose output holds a definitions date: platform -> ((path, args), ...). Live systems only.
    tools: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]] = _NOTHING
    # systemd units the signatures name (matchers on the unit's id); None: every unit.
    units: tuple[Any, ...] | None = None


def literal_folder(pattern: str) -> str | None:
    """The fixed folder a path pattern starts with ("^C:[\\\\]ProgramData[\\\\]Acme Lab[\\\\]AV[0-9]+$" gives
    "C:\\ProgramData\\Acme Lab"), so a collector knows where to look for what the pattern can match."""
    text = literal_prefix(pattern)
    cut = max(text.rfind("\\"), text.rfind("/"))
    return text[:cut] if cut > 0 else None


def _depth(path: str) -> int:
    return len([p for p in path.replace("/", "\\").split("\\") if p and not p.endswith(":")])


_PER_USER = {"darwin": "^/Users/[^/]+/", "linux": "^/home/[^/]+/"}


def _pattern_folder(pattern: str, platform: str) -> str | None:
    """The folder to list for a path pattern; per-user patterns become "~/..." (each user's home)."""
    per_user = _PER_USER.get(platform)
    if per_user and pattern.startswith(per_user):
        rest = literal_folder("^" + pattern[len(per_user) :])
        return f"~/{rest}" if rest else None
    folder = literal_folder(pattern)
    # Two levels at least: listing a whole drive to match one name costs too much.
    return folder if folder and _depth(folder) >= 2 else None


def _collect(
    where: dict[str, Any],
    table: str,
    platform: str,
    folders: dict[str, set[str]],
    files: dict[str, set[str]],
    registry: set[str],
    filters: dict[str, dict[str, set[str]]] | None = None,
    units: list[Any] | None = None,
) -> None:
    if table == "systemd_units" and units is not None:
        # Units are listed by name: a rule that does not name its unit (by id: text, one_of or pattern)
        # can only be matched by listing every unit, which None says.
        matcher = where.get("id")
        if isinstance(matcher, str) or (isinstance(matcher, dict) and ("one_of" in matcher or "pattern" in matcher)):
            units.append(matcher)
        else:
            units.append(None)
    for column, matcher in where.items():
        if table == "file" and column in ("path", "directory"):
            if isinstance(matcher, dict) and "under" in matcher:
                folders[platform].add(matcher["under"])
            elif isinstance(matcher, str):
                files[platform].add(matcher)
            elif isinstance(matcher, dict) and "one_of" in matcher:
                files[platform].update(matcher["one_of"])
            elif isinstance(matcher, dict) and "pattern" in matcher and column == "path" and filters is not None:
                folder = _pattern_folder(matcher["pattern"], platform)
                if folder:
                    filters[platform].setdefault(folder, set()).add(matcher["pattern"])
        elif table == "registry" and column in ("key", "path"):
            if isinstance(matcher, dict) and "under" in matcher:
                registry.add(matcher["under"])
            elif isinstance(matcher, str) and column == "key":
                registry.add(matcher)
            elif isinstance(matcher, dict) and "pattern" in matcher:
                key = literal_folder(matcher["pattern"])
                # Three levels at least (hive, SOFTWARE, vendor): never walk a whole hive.
                if key and _depth(key) >= 3:
                    registry.add(key)


def scope_from(catalogue: Catalogue) -> Scope:
    folders: dict[str, set[str]] = defaultdict(set)
    files: dict[str, set[str]] = defaultdict(set)
    registry: set[str] = set()
    filters: dict[str, dict[str, set[str]]] = defaultdict(dict)
    units: list[Any] = []
    detects = [p.detect for p in catalogue.products] + [n.detect for n in catalogue.not_banned]
    for detect in detects:
        for platform, signatures in detect.items():
            for sig in signatures:
                _collect(sig["where"], sig["table"], platform, folders, files, registry, filters, units)
    for product in catalogue.products:
        # A product's roots are read like `under` folders and keys: what lies below them is its evidence.
        for platform, product_roots in product.roots.items():
            for root in product_roots:
                (registry.add(root) if root.startswith("HKEY_") else folders[platform].add(root))
    tools: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    for product in catalogue.products:
        for spec in product.definitions:
            _collect(spec["where"], spec["table"], spec["platform"], folders, files, registry)
            path = spec["where"].get("path")
            if spec.get("run") and spec["table"] == "file" and isinstance(path, str):
                tools[spec["platform"]].append((path, tuple(spec["run"])))
    # A key below another one is read with it; keep only the outermost roots.
    roots = sorted(registry, key=lambda k: (len(k), k))
    outer: list[str] = []
    for key in roots:
        if not any(key.casefold().startswith(o.casefold() + "\\") or key.casefold() == o.casefold() for o in outer):
            outer.append(key)
    return Scope(
        folders={k: tuple(sorted(v)) for k, v in folders.items()},
        files={k: tuple(sorted(v)) for k, v in files.items()},
        registry_roots=tuple(outer),
        filters={k: {f: tuple(sorted(p)) for f, p in v.items()} for k, v in filters.items()},
        tools={k: tuple(v) for k, v in tools.items()},
        units=None if None in units else tuple(units),
    )
