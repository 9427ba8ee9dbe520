"""Matches one inventory row against a catalogue signature: exact names, anchored patterns, folders, vendor names.

Comparison is case-insensitive because Windows names are, and because osquery and the registry
disagree about case ("AcmeLab" vs "acmelab") from one machine to the next.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_USER_HIVE = re.compile(r"^HKEY_USERS[\\]S-1-5(-[0-9]+)+(_Classes)?(?=[\\]|$)", re.IGNORECASE)
_QUOTES = str.maketrans("", "", "\"'«»“”„‘’")


def _norm_path(value: str) -> str:
    if "\\" not in value:
        return value.rstrip("/").casefold()
    # Every user's hive stands for HKEY_CURRENT_USER: a vendor key is the vendor's whoever's hive holds it.
    value = _USER_HIVE.sub("HKEY_CURRENT_USER", value.replace("/", "\\"))
    return value.rstrip("\\").casefold()


def _without_separator(text: str) -> str | None:
    """The path without the trailing separator osquery writes for folders, or None when there is none."""
    if len(text) > 1 and text[-1] in "\\/" and text[-2] not in "\\/:":
        return text[:-1]
    return None


def image_path(value: str) -> str:
    """The executable of a service or process command line: quotes, arguments' quoting and \\??\\ removed.

    Unquoted command lines keep their arguments: `is_under` compares prefixes, so a path with
    arguments after it still lies under its folder.
    """
    text = value.strip()
    if text.startswith('"'):
        text = text[1:].split('"', 1)[0]
    if text.startswith("\\??\\"):
        text = text[4:]
    return text


def normalise_name(text: str) -> str:
    """A publisher or product name as compared: case, runs of spaces and quotation marks do not count.

    Uninstall entries write the same company as АО «Пример» and АО Пример (quoted or not, one space or two).
    """
    return " ".join(text.translate(_QUOTES).split()).casefold()


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
    if isinstance(matcher, dict) and "vendor" in matcher:
        return normalise_name(text) in publishers
    if isinstance(matcher, dict) and "under" in matcher:
        return is_under(text, matcher["under"])
    # osquery lists a folder as "C:\\Program Files\\Vendor\\": the same folder as the one the catalogue names.
    bare = _without_separator(text)
    return _match_text(text, matcher) or (bare is not None and _match_text(bare, matcher))


def _match_text(text: str, matcher: Any) -> bool:
    if isinstance(matcher, str):
        return text.casefold() == matcher.casefold()
    if "one_of" in matcher:
        return text.casefold() in {m.casefold() for m in matcher["one_of"]}
    if "pattern" in matcher:
        return _compiled(matcher["pattern"]).fullmatch(text) is not None
    raise ValueError(f"unknown matcher {matcher!r}")


def match_row(row: Mapping[str, Any], where: Mapping[str, Any], publishers: frozenset[str]) -> bool:
    """A row matches when every column named in `where` matches; a missing column never matches."""
    return all(match_value(row.get(column), matcher, publishers) for column, matcher in where.items())


def _missing(value: Any) -> bool:
    return value is None or not str(value).strip()


def match_certainty(
    row: Mapping[str, Any], where: Mapping[str, Any], publishers: frozenset[str], missing_ok: Iterable[str] = ()
) -> str | None:
    """ "certain" when every column matches, "probable" when only columns allowed to be missing are missing.

    An uninstall entry written without a Publisher, but with a product name no one else uses, is
    probably the product: it is found, and a person confirms it before anything is removed.
    """
    lenient = set(missing_ok)
    certainty = "certain"
    for column, matcher in where.items():
        value = row.get(column)
        if column in lenient and _missing(value):
            certainty = "probable"
            continue
        if not match_value(value, matcher, publishers):
            return None
    if certainty == "probable" and all(column in lenient for column in where):
        return None  # nothing but missing columns: no evidence at all
    return certainty


_META = set("()[]{}?*+|.$^")


def literal_prefix(pattern: str) -> str:
    """The text every match of an anchored pattern starts with ("^Acme( Free)?$" gives "Acme").

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


def common_prefix(pattern: str) -> str:
    """What every match of an anchored pattern starts with, also when the whole pattern is one group of
    alternatives ("^(Acme Free|Acme Pro)$" gives "Acme "): `literal_prefix` stops at the group.

    Only for the classifier's index, which looks rows up by their first letters; a collector that lists
    folders keeps `literal_prefix`, so a group of folders never widens what it lists.
    """
    alternatives = _whole_group(pattern[1:] if pattern.startswith("^") else pattern)
    if alternatives is None:
        return literal_prefix(pattern)
    return os.path.commonprefix([literal_prefix("^" + a) for a in alternatives])


def _whole_group(body: str) -> list[str] | None:
    """The top-level alternatives of a pattern that is one capturing group, nothing after it but "$"."""
    if not body.startswith("(") or body.startswith("(?"):
        return None
    depth, start, i = 0, 1, 0
    parts: list[str] = []
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            end = body.find("]", i + 2)  # "[]...]" and "[^]...]" hold a literal "]" first
            if end < 0:
                return None
            i = end + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                if body[i + 1 :] not in ("", "$"):
                    return None  # a quantifier or more text after the group
                return [*parts, body[start:i]]
        elif ch == "|" and depth == 1:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    return None


def publisher_set(names: Iterable[str]) -> frozenset[str]:
    return frozenset(normalise_name(n) for n in names)
