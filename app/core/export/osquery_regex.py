"""A detection pattern as the ECMAScript regexes osquery's regex_match runs, over lower-cased UTF-8 bytes.

osquery's regex_match runs C++ std::regex (ECMAScript grammar, which has no inline (?i) flag) over the
UTF-8 bytes, and refuses patterns over 256 bytes. So the parsed Python pattern (app/core/data/patterns.py)
is rewritten: letters are lower-cased and the column is lower()ed (expanding every letter to [kK] would
blow the 256-byte limit), classes get both cases, the whole pattern is wrapped in ^(?:...)$ for Python's
fullmatch, and constructs that differ between the engines are widened, never narrowed: a negated class
(which can meet a multi-byte character) matches one or more bytes, and lookarounds and \\b are dropped. A
pattern still too long is split on its alternatives. How the result is used in SQL: app/core/export/osquery_sql.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from offramp.core.data.patterns import Alt, Boundary, Cat, Cls, Empty, Lit, Node, PatternError, Rep, Seq, parse_pattern

REGEX_MAX_BYTES = 256  # osquery's hidden --regex_max_size default: a longer pattern is an SQL error


class ExportError(ValueError):
    """A signature that cannot be turned into an osquery query; the message names it."""


def parsed(pattern: str) -> Node:
    """The pattern's tree, or an ExportError saying why the export cannot translate it."""
    try:
        return parse_pattern(pattern)
    except PatternError as exc:
        raise ExportError(str(exc)) from None


_ECMA_SPECIAL = set("^$\\.*+?()[]{}|")
_CLASS_SPECIAL = set("\\]^-[")
WIDE_CATEGORIES = {"D", "W", "S"}  # they match non-ASCII characters, which are several bytes each


def _ascii_case_closure(ranges: Iterable[tuple[int, int]]) -> set[int]:
    points: set[int] = set()
    for lo, hi in ranges:
        points.update(range(lo, min(hi, 0x7F) + 1))
    for cp in list(points):
        ch = chr(cp)
        if ch.isalpha():
            points.update((ord(ch.lower()), ord(ch.upper())))
    return points


def _class_char(cp: int) -> str:
    ch = chr(cp)
    if ch in _CLASS_SPECIAL:
        return "\\" + ch
    if cp < 0x20 or cp == 0x7F:
        return f"\\x{cp:02x}"
    return ch


def _compress(points: set[int]) -> str:
    out, ordered, i = [], sorted(points), 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        if j - i >= 2:
            out.append(f"{_class_char(ordered[i])}-{_class_char(ordered[j])}")
        else:
            out.extend(_class_char(cp) for cp in ordered[i : j + 1])
        i = j + 1
    return "".join(out)


def _is_wide(node: Node) -> bool:
    """True for a one-character atom that can match a non-ASCII character, i.e. more than one byte."""
    if isinstance(node, Cls):
        return node.negated or any(c in WIDE_CATEGORIES for c in node.cats)
    return isinstance(node, Cat) and node.code in WIDE_CATEGORIES


def _literal(ch: str) -> tuple[str, bool]:
    """(ECMAScript text, is one atom) for a literal character, lower-cased like the column."""
    if ch.isascii():
        if ch in _ECMA_SPECIAL:
            return "\\" + ch, True
        if ord(ch) < 0x20 or ord(ch) == 0x7F:
            return f"\\x{ord(ch):02x}", True
        return ch.lower(), True
    # SQLite's lower() leaves non-ASCII letters alone, so each one-character spelling must be allowed
    # (Python's IGNORECASE folds character by character too: 'ß' never matches 'ss').
    variants = sorted(v for v in {ch, ch.lower(), ch.upper(), ch.title()} if len(v) == 1)
    spelled = dict.fromkeys(_literal(v)[0] if v.isascii() else v for v in variants)
    return "(?:" + "|".join(spelled) + ")", True


def _emit(node: Node) -> tuple[str, bool]:
    """(ECMAScript text, is one atom) for a node; one-atom texts can take a quantifier as they are."""
    if isinstance(node, Lit):
        return _literal(node.ch)
    if isinstance(node, Cls | Cat):
        text = _emit_class(node)
        return (text + "+", False) if _is_wide(node) else (text, True)
    if isinstance(node, Boundary):
        return node.kind, False
    if isinstance(node, Empty):
        return "", False
    if isinstance(node, Seq):
        parts = [_emit(item) for item in node.items]
        parts = [p for p in parts if p[0]]
        if len(parts) == 1:
            return parts[0]
        return "".join(p[0] for p in parts), False
    if isinstance(node, Alt):
        return "(?:" + "|".join(dict.fromkeys(_emit(b)[0] for b in node.branches)) + ")", True
    if isinstance(node, Rep):
        lo, hi = node.lo, node.hi
        if isinstance(node.node, Cls | Cat):
            text, atom = _emit_class(node.node), True
            if _is_wide(node.node):
                hi = None  # n characters may be up to 4n bytes
        else:
            text, atom = _emit(node.node)
        if not text:
            return "", False
        if not atom:
            text = f"(?:{text})"
        quantifier = {(0, None): "*", (1, None): "+", (0, 1): "?"}.get((lo, hi))
        if quantifier is None:
            quantifier = f"{{{lo},}}" if hi is None else (f"{{{lo}}}" if lo == hi else f"{{{lo},{hi}}}")
        return text + quantifier, False  # not one atom: quantifying it again needs a group
    raise TypeError(node)


def _emit_class(node: Cls | Cat) -> str:
    if isinstance(node, Cat):
        return "\\" + node.code
    if not node.negated and any(hi > 0x7F for _, hi in node.ranges):
        raise ExportError("non-ASCII characters in a character class cannot be exported: osquery matches bytes")
    # A negated class may ignore non-ASCII exclusions: it then matches more, never less.
    body = _compress(_ascii_case_closure(node.ranges)) + "".join("\\" + c for c in node.cats)
    if not body:
        return "[\\s\\S]" if node.negated else "[^\\s\\S]"
    return ("[^" if node.negated else "[") + body + "]"


def _split(node: Node) -> list[Node]:
    """The node as several simpler ones (its alternatives), or [] when it has none at the top."""
    if isinstance(node, Alt):
        return list(node.branches)
    if isinstance(node, Seq):
        for k, item in enumerate(node.items):
            if isinstance(item, Alt):
                return [Seq(node.items[:k] + (branch,) + node.items[k + 1 :]) for branch in item.branches]
    return []


def ecmascript_patterns(pattern: str) -> list[str]:
    """ECMAScript patterns that, on the lower-cased value, together match at least what `pattern`
    fullmatches case-insensitively; more than one only when one would exceed osquery's size limit."""
    out: list[str] = []
    todo = [parsed(pattern)]
    while todo:
        node = todo.pop(0)
        body = node
        edges = (Boundary("^"), Boundary("$"))
        if isinstance(node, Seq) and (node.items[:1] + node.items[-1:]) == edges:
            body = Seq(node.items[1:-1])  # the wrapper below anchors it already
        text = "^(?:" + _emit(body)[0] + ")$"
        if len(text.encode("utf-8")) <= REGEX_MAX_BYTES:
            out.append(text)
            continue
        parts = _split(node)
        if not parts:
            raise ExportError(
                f"pattern {pattern!r} is longer than osquery's {REGEX_MAX_BYTES}-byte limit "
                "once translated and has no alternatives to split it on"
            )
        todo = parts + todo
    return list(dict.fromkeys(out))
