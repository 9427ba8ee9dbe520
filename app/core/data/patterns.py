"""The Python regular expressions of detection signatures, parsed once into a tree that both readers share.

The catalogue's validator (app/core/data/validation.py) checks its rules on the tree, and the osquery
export (app/core/export/osquery_sql.py) translates the same tree to SQL. The parser accepts the subset
of Python `re` syntax the export can translate and refuses everything else, so a pattern the validator
admits is one the export understands. It lives here, under data/, because validation may not import
the export layer above it; the export imports it downward.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass


class PatternError(ValueError):
    """A pattern that is not a regular expression, or uses syntax Offramp does not translate."""

    def __init__(self, pattern: str, reason: str):
        super().__init__(f"pattern {pattern!r}: {reason}")
        self.pattern = pattern
        self.reason = reason


@dataclass(frozen=True)
class Lit:
    ch: str


@dataclass(frozen=True)
class Cls:
    """A character class. `ranges` are (first, last) code points; `cats` are d, w, s, D, W, S. The dot is
    the class of everything but a newline, marked, since the catalogue's rules refuse it and nothing else
    that matches the same."""

    negated: bool
    ranges: tuple[tuple[int, int], ...]
    cats: tuple[str, ...] = ()
    dot: bool = False


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

    def fail(self, why: str) -> PatternError:
        return PatternError(self.s, f"{why} (at position {self.i})")

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
            return Cls(True, ((10, 10),), dot=True)  # any character but a newline
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
    """Parses a catalogue pattern (Python `re` syntax). Raises PatternError for what it cannot translate."""
    import re

    try:
        re.compile(pattern)
    except re.error as exc:
        raise PatternError(pattern, f"not a valid regular expression: {exc}") from None
    return _Parser(pattern).parse()


# ----------------------------------------------------------------------------------------------------------
# The catalogue's rules, checked on the tree
# ----------------------------------------------------------------------------------------------------------

_WILDCARDS = set("wWsSD")  # \d stays allowed: a run of digits is an exact shape (a version, a build)


def _items(node: Node) -> tuple[Node, ...]:
    return tuple(item for item in node.items if not isinstance(item, Empty)) if isinstance(node, Seq) else (node,)


def _anchored(node: Node, kind: str) -> bool:
    """Whether every way through `node` starts (kind '^') or ends ('$') at an anchor."""
    if isinstance(node, Alt):
        return all(_anchored(branch, kind) for branch in node.branches)
    items = _items(node)
    if not items:
        return False
    edge = items[0] if kind == "^" else items[-1]
    if isinstance(edge, Boundary):
        return edge.kind == kind
    return isinstance(edge, Seq | Alt) and _anchored(edge, kind)


def _nodes(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, Seq):
        children: tuple[Node, ...] = node.items
    elif isinstance(node, Alt):
        children = node.branches
    elif isinstance(node, Rep):
        children = (node.node,)
    else:
        children = ()
    for child in children:
        yield from _nodes(child)


def rule_broken(node: Node) -> str | None:
    """Which of the catalogue's rules a parsed pattern breaks, or None. Patterns must name exact shapes,
    never a bare prefix, and use only what the osquery export can translate."""
    if not (_anchored(node, "^") and _anchored(node, "$")):
        return "patterns must be anchored with ^ and $"
    for part in _nodes(node):
        wild = (isinstance(part, Cls) and (part.dot or bool(_WILDCARDS.intersection(part.cats)))) or (
            isinstance(part, Cat) and part.code in _WILDCARDS
        )
        if wild:
            return "patterns may not use a wildcard ('.', \\w, \\s, \\S, \\D): spell out the characters allowed"
        if isinstance(part, Cls) and not part.negated and any(hi > 0x7F for _, hi in part.ranges):
            return "non-ASCII characters in a character class cannot be exported: osquery matches bytes"
    return None


def check_pattern(pattern: str) -> str | None:
    """Why a detection pattern is refused, or None: the parser's refusals, then the catalogue's rules."""
    try:
        node = parse_pattern(pattern)
    except PatternError as exc:
        return exc.reason
    return rule_broken(node)
