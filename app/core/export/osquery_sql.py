r"""How one detection signature becomes SQL for osquery: its matchers as conditions, its patterns as regexes and paths.

The SQL is deliberately a superset of the catalogue's matchers: the classifier matches every returned row
again, so a row too many costs nothing, while a row too few would be a missed product. How each matcher
becomes SQL:

- exact string: `col = 'x' COLLATE NOCASE`; one_of: `col COLLATE NOCASE IN (...)` (SQLite compares an IN
  list with the left operand's collation). NOCASE folds ASCII only, so for a non-ASCII literal the lower-
  and upper-case spellings are listed as well.
- vendor: `trim(col, <every character Python's str.strip removes>) COLLATE NOCASE IN (publisher names)`.
- pattern: `regex_match(lower(col), '<pattern>', 0) IS NOT NULL`, the pattern rewritten for osquery's
  regex engine by app/core/export/osquery_regex.py (one regex per alternative when it is too long).
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

Patterns are parsed by app/core/data/patterns.py, the parser the catalogue's validator uses, so a pattern
that passed validation parses here too.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from offramp.core.data.osquery_tables import COMMAND_COLUMNS, TABLES
from offramp.core.data.patterns import Alt, Boundary, Cat, Cls, Empty, Lit, Node, Rep, Seq
from offramp.core.export.osquery_regex import WIDE_CATEGORIES, ExportError, ecmascript_patterns, parsed

MAX_VARIANTS = 16  # literal paths one pattern may expand to before its variable parts become globs
MIN_RECURSIVE_DEPTH = 2  # fixed folders required in front of a recursive '%%' glob

# Columns a `file` or `registry` query must constrain for osquery to read anything, best first.
ANCHOR_COLUMNS = {"file": ("path", "directory"), "registry": ("path", "key")}


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
        inside = any(lo <= ord(ch) <= hi for lo, hi in node.ranges) or any(c in WIDE_CATEGORIES for c in node.cats)
        return inside != node.negated
    if isinstance(node, Cat):
        return node.code in WIDE_CATEGORIES
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
    node = parsed(pattern)
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
