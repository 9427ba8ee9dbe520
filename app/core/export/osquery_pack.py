r"""Exports the catalogue's detection signatures as an osquery pack, so a fleet can collect what a scan reads.

The pack has one snapshot query per osquery table, named exactly after the table, so osqueryd logs its
results as "pack/offramp/<table>" and `offramp scan --inventory` reads them back (app/core/scan/inventory.py).
A table used on several platforms (file, processes) gets one query with the union of their conditions and
a comma-separated platform list, which osquery's pack loader accepts.

Each query selects the columns app/core/data/osquery_tables.py lists, for the rows that at least one signature
could match: banned products, look-alikes (so their notes survive the round trip) and the rows product
definitions dates are read from. The SQL is deliberately a superset of the catalogue's matchers: the
classifier matches every returned row again, so a row too many costs nothing, while a row too few would be
a missed product. How each matcher becomes SQL:

- exact string: `col = 'x' COLLATE NOCASE`; one_of: `col COLLATE NOCASE IN (...)` (SQLite compares an IN
  list with the left operand's collation). NOCASE folds ASCII only, so for a non-ASCII literal the lower-
  and upper-case spellings are listed as well.
- vendor: `trim(col, <every character Python's str.strip removes>) COLLATE NOCASE IN (publisher names)`.
- pattern: `regex_match(lower(col), '<pattern>', 0) IS NOT NULL`. osquery's regex_match runs C++ std::regex
  (ECMAScript grammar, which has no inline (?i) flag) over the UTF-8 bytes, and refuses patterns over 256
  bytes. So the Python pattern is parsed and rewritten: letters are lower-cased and the column is lower()ed
  (expanding every letter to [kK] would blow the 256-byte limit), classes get both cases, the whole
  pattern is wrapped in ^(?:...)$ for Python's fullmatch, and constructs that differ between the engines
  are widened, never narrowed: a negated class (which can meet a multi-byte character) matches one or
  more bytes, and lookarounds and \b are dropped. A pattern still too long is split on its alternatives.
  Non-ASCII case-folding beyond lower/upper and Unicode digits or letters behind \d and \w are not
  exported.
- under (folder or key): `col LIKE 'X' OR col LIKE 'X\%'`, with '/' rewritten to '\' first when X is a
  Windows path, as app/core/scan/matching.py does. LIKE is left without ESCAPE: a '_' or '%' in a folder name
  then matches a little more, which is harmless.

osquery's `file` table returns nothing unless the query names a path or directory, and the `registry`
table reads only the keys a query names. SQLite hands a virtual table only the constraints that sit at
the top of each OR branch, so for these two tables every branch starts with exactly one such anchor and
the rest of the signature is ANDed to it:

- file, `under` folder: `path = 'X'` (the folder) OR `path LIKE 'X\%'` (its children, one level). One
  level is what Offramp's own collector reads (app/core/scan/collectors/files.py), so a fleet report lists the
  same rows as a local scan instead of every file of a product's bases folder. Folders found through a
  LIKE come back with a trailing separator; the matchers ignore it.
- registry, `under` key: the key's own row (`path = 'X'`), its values and subkeys (`key = 'X'`) and
  everything below (`key LIKE 'X\%%'`, osquery's recursive form), as the collector reads keys recursively.
- pattern on path, directory or key: the pattern is expanded into the literal paths it can name, with
  `%` (osquery's one-level glob) for its variable parts: `^C:[\\]Program Files( \(x86\))?[\\]Acme[\\]?$`
  becomes `path = 'C:\Program Files\Acme'` OR `path = 'C:\Program Files (x86)\Acme'`. A variable part
  that can cross a separator ends the glob with `%%` (recursive), refused when fewer than two fixed
  folders precede it, so a pattern can never make osquery walk a whole disk or hive.
- exact or one_of on those columns: one equality per value.

osquery cannot read HKEY_CURRENT_USER (it logs a warning and returns nothing); signatures name
HKEY_USERS\<SID> instead. Only the catalogue is exported: the "other security products" a local scan
lists from Windows Security Center are not collected.
"""

from __future__ import annotations

import functools
import math
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from app.core.data.catalogue import Catalogue
from app.core.data.osquery_tables import COMMAND_COLUMNS, PATH_COLUMNS, TABLES, platforms_of
from app.core.scan.implied import implied
from app.core.scan.inventory import PACK_NAME

PLATFORM_ORDER = ("windows", "darwin", "linux")
DEFAULT_INTERVAL = 3600  # hourly, like osquery's own example packs; a product comes and goes rarely
REGEX_MAX_BYTES = 256  # osquery's hidden --regex_max_size default: a longer pattern is an SQL error
MAX_VARIANTS = 16  # literal paths one pattern may expand to before its variable parts become globs
MIN_RECURSIVE_DEPTH = 2  # fixed folders required in front of a recursive '%%' glob

# Columns a `file` or `registry` query must constrain for osquery to read anything, best first.
ANCHOR_COLUMNS = {"file": ("path", "directory"), "registry": ("path", "key")}


class ExportError(ValueError):
    """A signature that cannot be turned into an osquery query; the message names it."""


# ----------------------------------------------------------------------------------------------------------
# A small parser for the Python regular expressions the catalogue uses
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    ch: str


@dataclass(frozen=True)
class Cls:
    """A character class. `ranges` are (first, last) code points; `cats` are d, w, s, D, W, S."""

    negated: bool
    ranges: tuple[tuple[int, int], ...]
    cats: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cat:
    code: str  # d w s D W S


@dataclass(frozen=True)
class Boundary:
    kind: str  # "^" (start) or "$" (end)


@dataclass(frozen=True)
class Empty:
    """A zero-width assertion dropped on purpose (lookarounds, \\b, \\B): dropping one only matches more."""


@dataclass(frozen=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Alt:
    branches: tuple[Node, ...]


@dataclass(frozen=True)
class Rep:
    node: Node
    lo: int
    hi: int | None


Node = Lit | Cls | Cat | Boundary | Empty | Seq | Alt | Rep

_CATEGORIES = "dDwWsS"
_CONTROL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_HEX = "0123456789abcdefABCDEF"


class _Parser:
    """Python `re` syntax, the subset a detection pattern needs; anything else is refused, never guessed."""

    def __init__(self, pattern: str):
        self.s = pattern
        self.i = 0

    def fail(self, why: str) -> ExportError:
        return ExportError(f"pattern {self.s!r}: {why} (at position {self.i})")

    def peek(self, ahead: int = 0) -> str | None:
        j = self.i + ahead
        return self.s[j] if j < len(self.s) else None

    def take(self) -> str:
        ch = self.peek()
        if ch is None:
            raise self.fail("unexpected end")
        self.i += 1
        return ch

    def parse(self) -> Node:
        node = self.alternation()
        if self.i != len(self.s):
            raise self.fail("unbalanced ')'")
        return node

    def alternation(self) -> Node:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else Alt(tuple(branches))

    def sequence(self) -> Node:
        items: list[Node] = []
        while (ch := self.peek()) is not None and ch not in "|)":
            atom = self.atom()
            if atom is not None:
                items.append(self.quantified(atom))
        return items[0] if len(items) == 1 else Seq(tuple(items))

    def quantified(self, atom: Node) -> Node:
        ch = self.peek()
        bounds: tuple[int, int | None] | None = None
        if ch in ("*", "+", "?"):
            self.i += 1
            bounds = {"*": (0, None), "+": (1, None), "?": (0, 1)}[ch]
        elif ch == "{":
            bounds = self.braces()
        if bounds is None:
            return atom
        if self.peek() in ("?", "+"):  # lazy or possessive: the same strings can match (possessive: fewer)
            self.i += 1
        return Rep(atom, *bounds)

    def braces(self) -> tuple[int, int | None] | None:
        # Python reads {m}, {m,}, {,n} and {m,n} as repeats and any other '{' as a literal.
        j = self.i + 1
        lo = hi = ""
        while j < len(self.s) and self.s[j].isdigit():
            lo += self.s[j]
            j += 1
        comma = j < len(self.s) and self.s[j] == ","
        if comma:
            j += 1
            while j < len(self.s) and self.s[j].isdigit():
                hi += self.s[j]
                j += 1
        if j >= len(self.s) or self.s[j] != "}" or (not lo and not comma and not hi):
            return None
        self.i = j + 1
        low = int(lo) if lo else 0
        high = (int(hi) if hi else None) if comma else low
        return low, high

    def atom(self) -> Node | None:
        ch = self.take()
        if ch == "(":
            return self.group()
        if ch == "[":
            return self.char_class()
        if ch == "\\":
            return self.escape()
        if ch == ".":
            return Cls(True, ((10, 10),))  # any character but a newline
        if ch in "^$":
            return Boundary(ch)
        if ch in "*+?":
            raise self.fail("nothing to repeat")
        return Lit(ch)

    def group(self) -> Node | None:
        if self.peek() != "?":
            return self.closing(self.alternation())
        self.i += 1
        kind = self.take()
        if kind == ":" or kind == ">":  # non-capturing; atomic groups match a subset of the plain group
            return self.closing(self.alternation())
        if kind in "=!":
            self.closing(self.alternation())
            return Empty()
        if kind == "<" and self.peek() in ("=", "!"):
            self.i += 1
            self.closing(self.alternation())
            return Empty()
        if kind == "P" and self.peek() == "<":
            end = self.s.find(">", self.i)
            if end < 0:
                raise self.fail("unterminated group name")
            self.i = end + 1
            return self.closing(self.alternation())
        if kind == "#":
            end = self.s.find(")", self.i)
            if end < 0:
                raise self.fail("unterminated comment")
            self.i = end + 1
            return None
        flags = kind
        while (ch := self.peek()) is not None and ch not in ":)":
            flags += self.take()
        if set(flags) <= {"i"}:  # the matchers are case-insensitive already
            if self.take() == ")":
                return None
            return self.closing(self.alternation())
        raise self.fail(f"unsupported group or flag '(?{flags}'")

    def closing(self, node: Node) -> Node:
        if self.peek() != ")":
            raise self.fail("missing ')'")
        self.i += 1
        return node

    def number_escape(self, count: int, digits: str = _HEX) -> int:
        text = ""
        for _ in range(count):
            ch = self.take()
            if ch not in digits:
                raise self.fail("bad escape")
            text += ch
        return int(text, 16)

    def char_escape(self, ch: str) -> str | None:
        """The character an escape stands for, or None when it is not a single character."""
        if ch in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[ch]
        if ch == "x":
            return chr(self.number_escape(2))
        if ch == "u":
            return chr(self.number_escape(4))
        if ch == "U":
            return chr(self.number_escape(8))
        if ch == "N":
            end = self.s.find("}", self.i)
            if self.peek() != "{" or end < 0:
                raise self.fail("bad \\N escape")
            name, self.i = self.s[self.i + 1 : end], end + 1
            return unicodedata.lookup(name)
        if ch == "0":
            digits = ""
            while len(digits) < 2 and (nxt := self.peek()) is not None and nxt in "01234567":
                digits += self.take()
            return chr(int(digits or "0", 8))
        if ch.isdigit():
            raise self.fail("back-references are not supported")
        if ch.isascii() and ch.isalpha():
            return None
        return ch

    def escape(self) -> Node:
        ch = self.take()
        if ch in _CATEGORIES:
            return Cat(ch)
        if ch in "bB":
            return Empty()
        if ch == "A":
            return Boundary("^")
        if ch == "Z":
            return Boundary("$")
        literal = self.char_escape(ch)
        if literal is None:
            raise self.fail(f"unsupported escape \\{ch}")
        return Lit(literal)

    def char_class(self) -> Node:
        negated = self.peek() == "^"
        if negated:
            self.i += 1
        ranges: list[tuple[int, int]] = []
        cats: list[str] = []
        first = True
        while True:
            ch = self.take()
            if ch == "]" and not first:
                break
            first = False
            if ch == "\\":
                esc = self.take()
                if esc in _CATEGORIES:
                    cats.append(esc)
                    continue
                start = "\b" if esc == "b" else self.char_escape(esc)
                if start is None:
                    raise self.fail(f"unsupported escape \\{esc} in a class")
            else:
                start = ch
            end = start
            if self.peek() == "-" and self.peek(1) not in (None, "]"):
                self.i += 1
                nxt = self.take()
                if nxt == "\\":
                    esc = self.take()
                    end_ch = "\b" if esc == "b" else self.char_escape(esc)
                    if end_ch is None or esc in _CATEGORIES:
                        raise self.fail("bad character range")
                    end = end_ch
                else:
                    end = nxt
                if ord(end) < ord(start):
                    raise self.fail("bad character range")
            ranges.append((ord(start), ord(end)))
        return Cls(negated, tuple(ranges), tuple(cats))


def parse_pattern(pattern: str) -> Node:
    """Parses a catalogue pattern (Python `re` syntax). Raises ExportError for what it cannot translate."""
    import re

    try:
        re.compile(pattern)
    except re.error as exc:
        raise ExportError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from None
    return _Parser(pattern).parse()


# ----------------------------------------------------------------------------------------------------------
# Python pattern -> ECMAScript pattern over lower-cased UTF-8 bytes (what osquery's regex_match sees)
# ----------------------------------------------------------------------------------------------------------

_ECMA_SPECIAL = set("^$\\.*+?()[]{}|")
_CLASS_SPECIAL = set("\\]^-[")
_WIDE_CATEGORIES = {"D", "W", "S"}  # they match non-ASCII characters, which are several bytes each


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
        return node.negated or any(c in _WIDE_CATEGORIES for c in node.cats)
    return isinstance(node, Cat) and node.code in _WIDE_CATEGORIES


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
    todo = [parse_pattern(pattern)]
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


# ----------------------------------------------------------------------------------------------------------
# Pattern -> the literal paths (with globs) it can name, for the file and registry tables
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Wild:
    crosses: bool  # can match a path separator


_Piece = str | _Wild
_Variant = tuple[_Piece, ...]


def _may_match(node: Node, ch: str) -> bool:
    if isinstance(node, Lit):
        return node.ch.casefold() == ch.casefold()
    if isinstance(node, Cls):
        inside = any(lo <= ord(ch) <= hi for lo, hi in node.ranges) or any(c in _WIDE_CATEGORIES for c in node.cats)
        return inside != node.negated
    if isinstance(node, Cat):
        return node.code in _WIDE_CATEGORIES
    if isinstance(node, Seq):
        return any(_may_match(i, ch) for i in node.items)
    if isinstance(node, Alt):
        return any(_may_match(b, ch) for b in node.branches)
    if isinstance(node, Rep):
        return _may_match(node.node, ch)
    return False


def _class_spellings(node: Cls) -> list[str] | None:
    """The spellings of the one character (up to case) a class like [\\\\] or [kK] stands for, else None."""
    if node.negated or node.cats or any(hi - lo > 1 for lo, hi in node.ranges):
        return None
    points = sorted({cp for lo, hi in node.ranges for cp in range(lo, hi + 1)})
    return [chr(cp) for cp in points] if len({chr(cp).casefold() for cp in points}) == 1 else None


def _join(variant: Iterable[_Piece]) -> _Variant:
    out: list[_Piece] = []
    for piece in variant:
        if isinstance(piece, str):
            if not piece:
                continue
            if out and isinstance(out[-1], str):
                out[-1] += piece
                continue
        elif out and isinstance(out[-1], _Wild):
            out[-1] = _Wild(out[-1].crosses or piece.crosses)
            continue
        out.append(piece)
    return tuple(out)


def _expand(node: Node, sep: str) -> list[_Variant]:
    """The spellings a node can take, with globs for its variable parts (at most MAX_VARIANTS of them)."""
    wild: list[_Variant] = [(_Wild(_may_match(node, sep)),)]
    if isinstance(node, Lit):
        return [(node.ch,)]
    if isinstance(node, Cls):
        spellings = _class_spellings(node)
        return [(c,) for c in spellings] if spellings else wild
    if isinstance(node, Cat):
        return wild
    if isinstance(node, Boundary | Empty):
        return [()]
    if isinstance(node, Alt):
        branches = list(dict.fromkeys(v for b in node.branches for v in _expand(b, sep)))
        return branches if len(branches) <= MAX_VARIANTS else wild
    if isinstance(node, Seq):
        options = [_expand(item, sep) for item in node.items]
        # Too many combinations: turn the item with the most spellings into a glob, preferring one that stays
        # within a folder name, since a glob that crosses separators makes osquery read recursively.
        while math.prod(len(o) for o in options) > MAX_VARIANTS:
            k = max(range(len(options)), key=lambda j: (not _may_match(node.items[j], sep), len(options[j])))
            options[k] = [(_Wild(_may_match(node.items[k], sep)),)]
        spelled: list[_Variant] = [()]
        for option in options:
            spelled = list(dict.fromkeys(_join(a + o) for a in spelled for o in option))
        return spelled
    if isinstance(node, Rep):
        if node.hi is None or node.hi > 4:
            return wild
        inner = _expand(node.node, sep)
        repeats: list[_Variant] = []
        for count in range(node.lo, node.hi + 1):
            acc: list[_Variant] = [()]
            for _ in range(count):
                acc = [_join(a + o) for a in acc for o in inner]
            repeats += acc
        repeats = list(dict.fromkeys(repeats))
        return repeats if len(repeats) <= MAX_VARIANTS else wild
    raise TypeError(node)


@dataclass(frozen=True)
class _Anchor:
    """One way osquery can be told where to read: `column op 'value'`."""

    column: str
    op: str  # "=" or "LIKE"
    value: str

    def sql(self) -> str:
        if self.op == "=":
            return f"{self.column} = {_q(self.value)} COLLATE NOCASE"
        return f"{self.column} LIKE {_q(self.value)}"


def _separator(text: str, table: str) -> str:
    # The rule app/core/scan/matching.py uses: a path with a backslash is a Windows path.
    return "\\" if table == "registry" or "\\" in text else "/"


def _depth(prefix: str, sep: str) -> int:
    """Fixed folders (or keys) below the drive, root or hive."""
    parts = [part for part in prefix.split(sep) if part]
    return len(parts) - (1 if sep == "\\" else 0)


def _pattern_anchors(table: str, column: str, pattern: str, where: str) -> list[_Anchor]:
    node = parse_pattern(pattern)
    probe = "".join(p for p in _expand(node, "\\")[0] if isinstance(p, str))
    sep = _separator(probe, table)
    anchors: list[_Anchor] = []
    for variant in _expand(node, sep):
        text, recursive = "", False
        for piece in variant:
            if isinstance(piece, str):
                text += piece
            elif piece.crosses:
                # osquery globs '%' one level only; a part that can hold separators needs the recursive '%%',
                # which it accepts only at the end: keep the fixed folders in front of it.
                text, recursive = text[: text.rfind(sep) + 1] + "%%", True
                if _depth(text[:-2], sep) < MIN_RECURSIVE_DEPTH:
                    raise ExportError(
                        f"{where}: pattern {pattern!r} would make osquery read everything "
                        f"below {text[:-2] or sep!r}; name at least {MIN_RECURSIVE_DEPTH} "
                        "fixed folders"
                    )
                break
            else:
                text += "%"
        if not recursive:
            text = text.rstrip(sep) or text
        head = text.split(sep, 1)[0] if sep in text else text
        if "%" in head or not text or (sep == "/" and not text.startswith("/")):
            raise ExportError(
                f"{where}: pattern {pattern!r} does not start with a fixed "
                f"{'hive' if table == 'registry' else 'root or drive'}, which osquery needs"
            )
        if recursive and table == "registry" and column == "path":
            # A value's path is key\name: everything below a key is every row whose key is it or below it.
            base = text[:-3]
            anchors += [_Anchor("key", "=", base), _Anchor("key", "LIKE", base + "\\%%")]
        else:
            anchors.append(_Anchor(column, "LIKE" if "%" in text else "=", text))
    return _dedupe_anchors(anchors, table)


def _dedupe_anchors(anchors: list[_Anchor], table: str) -> list[_Anchor]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for anchor in anchors:
        # Windows and registry paths are case-insensitive; Linux and macOS globs are not.
        fold = table == "registry" or _separator(anchor.value, table) == "\\"
        key = (anchor.column, anchor.op, anchor.value.casefold() if fold else anchor.value)
        if key not in seen:
            seen.add(key)
            out.append(anchor)
    return out


def _under_anchors(table: str, column: str, folder: str) -> list[_Anchor]:
    sep = _separator(folder, table)
    base = folder.rstrip("/\\") or folder
    if table == "registry":
        own = [_Anchor("path", "=", base)] if column == "path" else []
        return own + [_Anchor("key", "=", base), _Anchor("key", "LIKE", base + "\\%%")]
    if column == "directory":
        return [_Anchor("directory", "=", base)]  # files directly in the folder, as the collector lists them
    return [_Anchor("path", "=", base), _Anchor("path", "LIKE", base + sep + "%")]


def _anchors(table: str, where: dict[str, Any], label: str) -> tuple[str, list[_Anchor]]:
    """The column a file or registry signature is read by, and the constraints that make osquery read it."""
    candidates = [(c, where[c]) for c in ANCHOR_COLUMNS[table] if c in where]

    def rank(item: tuple[str, Any]) -> int:
        matcher = item[1]
        if isinstance(matcher, str) or "one_of" in matcher:
            return 0
        return 1 if "under" in matcher else (2 if "pattern" in matcher else 3)

    for column, matcher in sorted(candidates, key=rank):
        if isinstance(matcher, str):
            return column, [_Anchor(column, "=", matcher)]
        if "one_of" in matcher:
            return column, _dedupe_anchors([_Anchor(column, "=", v) for v in matcher["one_of"]], table)
        if "under" in matcher:
            return column, _under_anchors(table, column, matcher["under"])
        if "pattern" in matcher:
            return column, _pattern_anchors(table, column, matcher["pattern"], label)
    raise ExportError(
        f"{label}: osquery's {table} table reads only what a query names; give this signature "
        f"an exact, one_of, under or pattern matcher on {' or '.join(ANCHOR_COLUMNS[table])}"
    )


# ----------------------------------------------------------------------------------------------------------
# SQL
# ----------------------------------------------------------------------------------------------------------


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _spellings(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.append(value)
        if not value.isascii():  # NOCASE folds ASCII only
            out += [value.lower(), value.upper()]
    return list(dict.fromkeys(out))


def _in_nocase(expr: str, values: Iterable[str]) -> str:
    values = list(values)
    wide = [v for v in values if sum(1 for c in v if not c.isascii() and c.lower() != c.upper()) > 1]
    if wide:
        # SQLite folds ASCII only, and listing the lower- and upper-case spellings covers one non-ASCII
        # letter. A name with several (Cyrillic) is matched by LIKE with '_' for each non-ASCII letter:
        # LIKE counts characters and ignores ASCII case, so this is a slight superset.
        likes = [f"{expr} LIKE {_q(''.join(c if c.isascii() and c not in '%_' else '_' for c in v))}" for v in wide]
        rest = [v for v in values if v not in wide]
        return "(" + " OR ".join(likes + ([_in_nocase(expr, rest)] if rest else [])) + ")"
    spellings = _spellings(values)
    if len(spellings) == 1:
        return f"{expr} = {_q(spellings[0])} COLLATE NOCASE"
    return f"{expr} COLLATE NOCASE IN ({', '.join(map(_q, spellings))})"


@functools.cache
def _trim_expr(column: str) -> str:
    # Every character Python's str.strip() removes, so SQL trim() is as forgiving as the vendor matcher.
    codes = ", ".join(str(cp) for cp in range(sys.maxunicode + 1) if chr(cp).isspace())
    return f"trim({column}, char({codes}))"


def _regex_sql(column: str, pattern: str) -> str:
    parts = [f"regex_match(lower({column}), {_q(p)}, 0) IS NOT NULL" for p in ecmascript_patterns(pattern)]
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def _under_sql(column: str, folder: str) -> str:
    base = folder.rstrip("/\\") or folder
    if "\\" in base:
        # As matching.is_under: a Windows path may be written with either separator.
        expr = f"replace({column}, '/', '\\')"
        return f"({expr} LIKE {_q(base)} OR {expr} LIKE {_q(base + chr(92) + '%')})"
    return f"({column} LIKE {_q(base)} OR {column} LIKE {_q(base + '/%')})"


def condition_sql(column: str, matcher: Any, publishers: Iterable[str]) -> str:
    """SQL that is true for at least every value `matcher` matches (app/core/scan/matching.py)."""
    if isinstance(matcher, str):
        return _in_nocase(column, [matcher])
    if "one_of" in matcher:
        return _in_nocase(column, matcher["one_of"])
    if "pattern" in matcher:
        return _regex_sql(column, matcher["pattern"])
    if "under" in matcher:
        return _under_sql(column, matcher["under"])
    if "vendor" in matcher:
        return _in_nocase(_trim_expr(column), [p.strip() for p in publishers])
    raise ExportError(f"unknown matcher {matcher!r}")


def _cost(matcher: Any) -> int:
    # Cheap comparisons first: SQLite stops at the first false term of an AND.
    return 1 if isinstance(matcher, dict) and "pattern" in matcher else 0


def signature_terms(
    table: str, where: dict[str, Any], publishers: Iterable[str], label: str, missing_ok: Iterable[str] = ()
) -> list[str]:
    """The OR branches that select every row this signature can match."""
    publishers = list(publishers)
    lenient = set(missing_ok)
    for column in where:
        if column not in TABLES[table]:
            raise ExportError(f"{label}: osquery table {table!r} has no column {column!r} in Offramp's list")
    ordered = sorted(where.items(), key=lambda item: _cost(item[1]))
    # Beside another matcher, a vendor matcher is left to the classifier: publishers differ in case (beyond
    # ASCII, which SQLite cannot fold), quotation marks and spacing, and the other matcher narrows enough.
    if len(where) > 1:
        ordered = [(c, m) for c, m in ordered if not (isinstance(m, dict) and "vendor" in m)]

    def condition(column: str, matcher: Any) -> str:
        sql = condition_sql(column, matcher, publishers)
        if column in lenient:
            return f"({sql} OR {column} IS NULL OR trim({column}) = '')"
        return sql

    if table not in ANCHOR_COLUMNS:
        return [" AND ".join(condition(c, m) for c, m in ordered) or "1"]
    anchor_column, anchors = _anchors(table, where, label)
    # The anchors already say everything an exact, one_of or under matcher says; a pattern is checked as well.
    rest = [condition(c, m) for c, m in ordered if c != anchor_column or (isinstance(m, dict) and "pattern" in m)]
    return [" AND ".join([a.sql()] + rest) for a in anchors]


def root_terms(table: str, column: str, root: str, label: str) -> list[str]:
    """The OR branches that select every row of `table` whose `column` lies under a product's root."""
    if table in ANCHOR_COLUMNS:
        return signature_terms(table, {column: {"under": root}}, [], label)
    if (table, column) not in COMMAND_COLUMNS:
        return [_under_sql(column, root)]
    base = root.rstrip("/\\")
    sep = "\\" if "\\" in base else "/"
    expr = f"replace({column}, '/', '\\')" if sep == "\\" else column
    # A command line may quote its image or start with \??\, as matching.image_path allows.
    starts = [base, '"' + base, "\\??\\" + base] if sep == "\\" else [base, '"' + base]
    return ["(" + " OR ".join(f"{expr} LIKE {_q(start + sep + '%')}" for start in starts) + ")"]


@dataclass
class _TableQuery:
    platforms: set[str]
    terms: list[str]
    signatures: int = 0


def _signatures(catalogue: Catalogue) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(label, platform, table, signature) for every detection signature and definitions source."""
    for product in catalogue.products:
        for platform, signatures in product.detect.items():
            for i, sig in enumerate(signatures):
                yield f"{product.id}/{platform}/{i}", platform, sig["table"], sig
            for i, sig in implied(platform, signatures):
                yield f"{product.id}/{platform}/{i}/image", platform, sig["table"], sig
        for i, spec in enumerate(product.definitions):
            column = spec.get("column", "data")
            # A date that only a program's output holds ("run") cannot come from osquery: the row is still
            # collected (it shows the tool is there), the date stays unknown in a fleet's report.
            if column not in TABLES[spec["table"]] and not spec.get("run"):
                raise ExportError(
                    f"{product.id}/definitions/{i}: column {column!r} is not collected from {spec['table']!r}"
                )
            yield f"{product.id}/definitions/{i}", spec["platform"], spec["table"], spec
    for item in catalogue.not_banned:
        for platform, signatures in item.detect.items():
            for i, sig in enumerate(signatures):
                yield f"{item.id}/{platform}/{i}", platform, sig["table"], sig
            for i, sig in implied(platform, signatures):
                yield f"{item.id}/{platform}/{i}/image", platform, sig["table"], sig


def _root_signatures(catalogue: Catalogue) -> Iterator[tuple[str, str, str, str, str]]:
    """(label, platform, table, column, root) for every product root and every path column on its platform."""
    for product in catalogue.products:
        for platform, roots in product.roots.items():
            for i, root in enumerate(roots):
                for table, columns in PATH_COLUMNS.items():
                    if platform in platforms_of(table):
                        for column in columns:
                            yield f"{product.id}/{platform}/root/{i}", platform, table, column, root


def build_pack(catalogue: Catalogue, interval: int = DEFAULT_INTERVAL) -> dict[str, Any]:
    """The osquery pack (as JSON-ready data) that collects every row the catalogue's signatures can match."""
    tables: dict[str, _TableQuery] = {}
    publishers = list(catalogue.vendor.publisher_names)
    for label, platform, table, sig in _signatures(catalogue):
        if platform not in platforms_of(table):
            raise ExportError(f"{label}: osquery table {table!r} does not exist on {platform}")
        query = tables.setdefault(table, _TableQuery(set(), []))
        query.platforms.add(platform)
        query.signatures += 1
        for term in signature_terms(table, sig["where"], publishers, label, sig.get("missing_ok", ())):
            if term not in query.terms:
                query.terms.append(term)
    for label, platform, table, column, root in _root_signatures(catalogue):
        query = tables.setdefault(table, _TableQuery(set(), []))
        query.platforms.add(platform)
        for term in root_terms(table, column, root, label):
            if term not in query.terms:
                query.terms.append(term)
    queries = {}
    for table in sorted(tables):
        query = tables[table]
        columns = ", ".join(TABLES[table])
        condition = " OR ".join(f"({t})" for t in query.terms)
        queries[table] = {
            "query": f"SELECT {columns} FROM {table} WHERE {condition};",
            "interval": interval,
            "platform": ",".join(p for p in PLATFORM_ORDER if p in query.platforms),
            "snapshot": True,
            "description": f"Offramp: {table} rows that {query.signatures} signatures of the "
            f"'{catalogue.id}' catalogue ({catalogue.vendor.name} products, look-alikes, "
            f"definitions dates) can match. Deploy as pack '{PACK_NAME}'; read the results "
            "with 'offramp scan --inventory'.",
        }
    return {"queries": queries}
