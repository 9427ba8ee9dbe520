"""Reads untrusted YAML into plain data plus the line and column of every value, refusing anything unsafe.

Playbooks and policies are edited by hand and handed around by admins, so a file here is input to
distrust: no tags that build objects, no duplicate keys (YAML silently keeps the last one), no alias
bombs, no unbounded nesting, no giant or binary files, one document only. Every refusal says where.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml is ~10x faster; fall back to the pure-Python parser where it is missing.
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 50_000
MAX_ALIASES = 100

Path_ = tuple[str | int, ...]

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


class _Loader(_BaseLoader):
    """A safe loader that leaves dates as text: the schemas check their shape, JSON has no date type."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Position:
    line: int  # 1-based, as editors show it
    column: int  # 1-based


@dataclass
class Document:
    """A parsed file: its data and where each value (and each mapping key) stands in the text."""

    path: Path
    data: Any
    values: dict[Path_, Position] = field(default_factory=dict)
    keys: dict[Path_, Position] = field(default_factory=dict)

    def where(self, at: Path_, *, key: bool = False) -> Position:
        """The closest known position for a field path: the field itself, else its nearest parent."""
        table = self.keys if key else self.values
        probe = tuple(at)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), Position(1, 1))


class YamlError(Exception):
    """A file that cannot be read as safe YAML. Carries the position so callers can name it."""

    def __init__(self, path: Path, position: Position, message: str, field_path: Path_ = ()):
        super().__init__(message)
        self.path = path
        self.position = position
        self.message = message
        self.field_path = field_path


def _pos(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1) if mark is not None else Position(1, 1)


def read_text(path: Path) -> str:
    """Reads a file as UTF-8 text, refusing what is too big, not a regular file or not text before any parsing
    starts (app/core/inputs.py: opened once, checked through the open handle, never read past the cap)."""
    from offramp.core import inputs

    try:
        raw, _ = inputs.read_bytes(path, MAX_BYTES)
    except inputs.InputError as exc:
        raise YamlError(path, Position(1, 1), exc.reason) from None
    if b"\x00" in raw:
        raise YamlError(path, Position(1, 1), "not a text file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError(path, Position(line, 1), "not UTF-8 text") from None
    return text


def _prescan(path: Path, text: str) -> None:
    """Walks the event stream (iteratively, so depth cannot blow the stack) enforcing the limits."""
    depth = 0
    documents = 0
    aliases = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise YamlError(path, _pos(event.start_mark), "more than one YAML document; keep one per file")
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlError(path, _pos(event.start_mark), f"exceeds the maximum nesting depth of {MAX_DEPTH}")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise YamlError(path, _pos(event.start_mark), f"more than {MAX_ALIASES} aliases")
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(path, text, exc) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(path, text, exc) from None


def _reader_error(path: Path, text: str, exc: yaml.reader.ReaderError) -> YamlError:
    before = text[: exc.position]
    line = before.count("\n") + 1
    column = exc.position - (before.rfind("\n") + 1) + 1
    return YamlError(path, Position(line, column), f"character {exc.character!r} is not allowed in YAML ({exc.reason})")


def _syntax_error(path: Path, text: str, exc: yaml.MarkedYAMLError) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    position = _pos(mark)
    lines = text.splitlines()
    # libyaml reports a tab as "a character that cannot start any token"; say what it really is.
    if 0 < position.line <= len(lines) and "\t" in lines[position.line - 1][: position.column]:
        problem += " (a tab: indent with spaces, not tabs)"
    return YamlError(path, position, f"YAML syntax error: {problem}")


class _Builder:
    """Turns a composed node graph into plain data, recording positions and counting expansions."""

    def __init__(self, path: Path, doc: Document):
        self.path = path
        self.doc = doc
        self.nodes = 0
        self.scalars = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, at: Path_, depth: int) -> Any:
        # Aliases share node objects, so a small file can expand to millions of values: count every visit.
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlError(self.path, _pos(node.start_mark), f"expands to more than {MAX_NODES:,} values")
        if depth > MAX_DEPTH:
            raise YamlError(self.path, _pos(node.start_mark), f"exceeds the maximum nesting depth of {MAX_DEPTH}")
        if node.tag not in _STANDARD_TAGS:
            raise YamlError(self.path, _pos(node.start_mark), f"tag {node.tag!r} is not allowed (plain YAML only)", at)
        self.doc.values.setdefault(at, _pos(node.start_mark))
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise YamlError(self.path, _pos(key_node.start_mark), "merge keys ('<<') are not allowed", at)
                if not isinstance(key_node, yaml.ScalarNode):
                    raise YamlError(self.path, _pos(key_node.start_mark), "mapping keys must be plain text", at)
                key = str(key_node.value)
                if key in result:
                    first = self.doc.keys[at + (key,)]
                    raise YamlError(
                        self.path,
                        _pos(key_node.start_mark),
                        f"duplicate key {key!r} (first defined on line {first.line})",
                        at + (key,),
                    )
                self.doc.keys[at + (key,)] = _pos(key_node.start_mark)
                result[key] = self.build(value_node, at + (key,), depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, at + (i,), depth + 1) for i, item in enumerate(node.value)]
        try:
            return self.scalars.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise YamlError(self.path, _pos(node.start_mark), f"bad value: {exc.problem}", at) from None


def load(path: Path, text: str | None = None, *, trusted: bool = False) -> Document:
    """Parses one YAML file safely. Raises YamlError naming the line and column of the first problem.

    `trusted` skips the pre-scan for bombs and runaway nesting, for files that ship with Offramp; tags,
    duplicate keys and the value count are still checked while building."""
    path = Path(path)
    if text is None:
        text = read_text(path)
    if not trusted:
        _prescan(path, text)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(path, text, exc) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(path, text, exc) from None
    doc = Document(path=path, data=None)
    if node is None:
        raise YamlError(path, Position(1, 1), "file is empty")
    doc.data = _Builder(path, doc).build(node, (), 0)
    return doc
