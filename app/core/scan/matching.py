"""Matches one inventory row against a catalogue signature: exact names, anchored patterns, folders, vendor names.

Comparison is case-insensitive because Windows names are, and because osquery and the registry
disagree about case ("KasperskyLab" vs "kasperskylab") from one machine to the next.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _norm_path(value: str) -> str:
    return value.replace("/", "\\").rstrip("\\").casefold() if "\\" in value else value.rstrip("/").casefold()


def is_under(value: str, folder: str) -> bool:
    """True when `value` is the folder (or key) itself or anything below it — never a sibling sharing a prefix."""
    v, f = _norm_path(value), _norm_path(folder)
    if v == f:
        return True
    sep = "\\" if "\\" in f else "/"
    return v.startswith(f + sep)


def match_value(value: Any, matcher: Any, publishers: frozenset[str]) -> bool:
    if value is None:
        return False
    text = str(value)
    if isinstance(matcher, str):
        return text.casefold() == matcher.casefold()
    if "one_of" in matcher:
        return text.casefold() in {m.casefold() for m in matcher["one_of"]}
    if "pattern" in matcher:
        return _compiled(matcher["pattern"]).fullmatch(text) is not None
    if "under" in matcher:
        return is_under(text, matcher["under"])
    if "vendor" in matcher:
        return text.strip().casefold() in publishers
    raise ValueError(f"unknown matcher {matcher!r}")


def match_row(row: Mapping[str, Any], where: Mapping[str, Any], publishers: frozenset[str]) -> bool:
    """A row matches when every column named in `where` matches; a missing column never matches."""
    return all(match_value(row.get(column), matcher, publishers) for column, matcher in where.items())


_META = set("()[]{}?*+|.$^")


def literal_prefix(pattern: str) -> str:
    """The text every match of an anchored pattern starts with ("^Kaspersky( Free)?$" gives "Kaspersky").

    "[\\\\]" and "[/]" (a lone path separator) and escaped punctuation count as literal text; the
    character before an optional quantifier does not.
    """
    text, i = "", 1 if pattern.startswith("^") else 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("[\\\\]", i):
            text, i = text + "\\", i + 4
            continue
        if pattern.startswith("[/]", i):
            text, i = text + "/", i + 3
            continue
        if ch == "\\" and i + 1 < len(pattern) and not pattern[i + 1].isalnum():
            text, i = text + pattern[i + 1], i + 2
            continue
        if ch in _META or ch == "\\":
            if ch in "?*{" and text:
                text = text[:-1]  # the character before an optional quantifier may be absent
            break
        text += ch
        i += 1
    return text


def publisher_set(names: Iterable[str]) -> frozenset[str]:
    return frozenset(n.strip().casefold() for n in names)
