"""Checks a parsed playbook against its JSON Schema and Offramp's own rules, naming file:line:column for each error.

JSON Schema covers shapes and types; the rules it cannot express (anchored patterns with no wildcard,
unique ids, references that resolve, columns an osquery table really has) are checked here too, so
one `offramp playbooks validate` says everything that is wrong with a file at once.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from offramp.core import paths
from offramp.core.data.osquery_tables import TABLES, platforms_of
from offramp.core.data.patterns import check_pattern
from offramp.core.data.yamlstrict import Document, Path_, Position, YamlError, load

T = TypeVar("T")

KINDS = {
    "banned-catalogue": "catalogue.schema.json",
    "replacement": "replacement.schema.json",
    "policy": "policy.schema.json",
    "walkthrough": "walkthrough.schema.json",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, in the form editors and CI annotations understand."""

    path: Path
    position: Position
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.position.line}:{self.position.column}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class InvalidPlaybook(Exception):
    """Raised by loaders when a file has problems; carries all of them."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def field_name(at: Path_) -> str:
    out = ""
    for part in at:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


@functools.cache
def _validator(kind: str) -> Any:
    import jsonschema
    from referencing import Registry, Resource

    schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in paths.schema_dir().glob("*.schema.json")}
    registry: Registry = Registry()
    for name, schema in schemas.items():
        resource = Resource.from_contents(schema)
        registry = registry.with_resources([(schema["$id"], resource), (name, resource)])
    schema = schemas[KINDS[kind]]
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, registry=registry)


def schema_text(kind: str) -> str:
    return (paths.schema_dir() / KINDS[kind]).read_text(encoding="utf-8")


def _describe_type(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
        type(None): "nothing (null)",
    }.get(type(value), type(value).__name__)


def _schema_problems(doc: Document, kind: str) -> Iterator[Problem]:
    from jsonschema.exceptions import best_match

    for error in sorted(_validator(kind).iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))):
        error = best_match([error])
        at = tuple(error.absolute_path)
        validator = error.validator
        if validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            for key in error.instance:
                if key not in allowed:
                    yield Problem(
                        doc.path,
                        doc.where(at + (key,), key=True),
                        field_name(at + (key,)),
                        f"unknown field {key!r}; expected one of: {', '.join(sorted(allowed))}",
                    )
            continue
        if validator == "required":
            missing = re.findall(r"'([^']+)' is a required property", error.message)
            name = missing[0] if missing else error.message
            yield Problem(doc.path, doc.where(at), field_name(at + (name,)), "required field is missing")
            continue
        if validator == "type":
            expected = error.validator_value
            expected = " or ".join(expected) if isinstance(expected, list) else expected
            message = f"expected {expected}, got {_describe_type(error.instance)}"
        elif validator in ("enum", "const"):
            options = error.validator_value if validator == "enum" else [error.validator_value]
            message = f"expected one of {', '.join(map(repr, options))}, got {error.instance!r}"
        elif validator == "pattern":
            described = error.schema.get("description")
            message = f"{error.instance!r} does not have the expected form" + (f" ({described})" if described else "")
        else:
            message = error.message
        yield Problem(doc.path, doc.where(at), field_name(at), message)


_ROOT_START = re.compile(r"^([A-Za-z]:[\\]|HKEY_[A-Z_]+[\\]|/)")


def check_root(root: str) -> str | None:
    """Why a vendor root is unsafe, or None: everything under it counts as the vendor's, so it must be deep."""
    if not _ROOT_START.match(root):
        return "a root must be an absolute folder (C:\\..., /...) or registry key (HKEY_...)"
    if any(ch in root for ch in "*?"):
        return "a root is a literal folder or key, without wildcards"
    parts = [part for part in re.split(r"[\\/]", root) if part]
    if len(parts) < (3 if root[1:2] == ":" or root.startswith("HKEY_") else 2):
        return "a root must be at least two levels below the drive, hive or /, so it cannot hold other vendors' files"
    return None


def _walk_matchers(where: dict[str, Any], at: Path_) -> Iterator[tuple[Path_, str, Any]]:
    for column, matcher in where.items():
        yield at + (column,), column, matcher


def _detect_problems(doc: Document, detect: Any, at: Path_) -> Iterator[Problem]:
    if not isinstance(detect, dict):
        return
    for platform, signatures in detect.items():
        if not isinstance(signatures, list):
            continue
        for i, sig in enumerate(signatures):
            if not isinstance(sig, dict):
                continue
            sig_at = at + (platform, i)
            table = sig.get("table")
            yield from _where_problems(doc, table, platform, sig.get("where"), sig_at)


def _where_problems(doc: Document, table: Any, platform: str | None, where: Any, at: Path_) -> Iterator[Problem]:
    if table not in TABLES:
        return
    if platform is not None and platform not in platforms_of(table):
        yield Problem(
            doc.path,
            doc.where(at + ("table",)),
            field_name(at + ("table",)),
            f"osquery table {table!r} does not exist on {platform}",
        )
    if not isinstance(where, dict):
        return
    for column_at, column, matcher in _walk_matchers(where, at + ("where",)):
        if column not in TABLES[table]:
            yield Problem(
                doc.path,
                doc.where(column_at, key=True),
                field_name(column_at),
                f"table {table!r} has no column {column!r}; it has: {', '.join(TABLES[table])}",
            )
        if isinstance(matcher, dict) and isinstance(matcher.get("pattern"), str):
            why = check_pattern(matcher["pattern"])
            if why:
                pattern_at = column_at + ("pattern",)
                yield Problem(doc.path, doc.where(pattern_at), field_name(pattern_at), why)


def _unique_ids(doc: Document, items: Any, at: Path_) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    if not isinstance(items, list):
        return
    for i, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            if item["id"] in seen:
                first = doc.where(at + (seen[item["id"]], "id")).line
                yield Problem(
                    doc.path,
                    doc.where(at + (i, "id")),
                    field_name(at + (i, "id")),
                    f"id {item['id']!r} is already used on line {first}",
                )
            else:
                seen[item["id"]] = i


def _catalogue_rules(doc: Document) -> Iterator[Problem]:
    data = doc.data
    for section in ("timeline", "products", "data_at_risk", "not_banned"):
        yield from _unique_ids(doc, data.get(section), (section,))
    risk_ids = {item.get("id") for item in data.get("data_at_risk", []) if isinstance(item, dict)}
    for i, product in enumerate(data.get("products", [])):
        if not isinstance(product, dict):
            continue
        yield from _detect_problems(doc, product.get("detect"), ("products", i, "detect"))
        for j, definition in enumerate(product.get("definitions", []) or []):
            if isinstance(definition, dict):
                yield from _where_problems(
                    doc,
                    definition.get("table"),
                    definition.get("platform"),
                    definition.get("where"),
                    ("products", i, "definitions", j),
                )
        for j, ref in enumerate(product.get("data_at_risk", []) or []):
            if ref not in risk_ids:
                ref_at = ("products", i, "data_at_risk", j)
                yield Problem(doc.path, doc.where(ref_at), field_name(ref_at), f"no data_at_risk item has id {ref!r}")
        for platform, roots in (product.get("roots") or {}).items():
            for j, root in enumerate(roots or []):
                why = check_root(root) if isinstance(root, str) else None
                if why:
                    root_at = ("products", i, "roots", platform, j)
                    yield Problem(doc.path, doc.where(root_at), field_name(root_at), why)
        for platform in product.get("removal", {}) or {}:
            if platform not in (product.get("platforms") or []):
                at = ("products", i, "removal", platform)
                yield Problem(
                    doc.path,
                    doc.where(at, key=True),
                    field_name(at),
                    f"removal for {platform} but the product's platforms are {product.get('platforms')}",
                )
    for i, item in enumerate(data.get("not_banned", [])):
        if isinstance(item, dict):
            yield from _detect_problems(doc, item.get("detect"), ("not_banned", i, "detect"))
    marks = [e.get("marks") for e in data.get("timeline", []) if isinstance(e, dict)]
    headline = data.get("headline") if isinstance(data.get("headline"), dict) else {}
    # The headline's event is what the wizard, the scan and the report say first, so it must exist.
    needed = [headline.get("mark", "updates_cutoff")] + ([] if headline else ["sales_cutoff"])
    for mark in needed:
        if mark not in marks:
            yield Problem(doc.path, doc.where(("timeline",)), "timeline", f"no event marks the {mark}")
    text = headline.get("text")
    if isinstance(text, str):
        try:
            text.format(vendor="", date="")
        except (KeyError, IndexError, ValueError) as exc:
            text_at = ("headline", "text")
            yield Problem(
                doc.path,
                doc.where(text_at),
                field_name(text_at),
                f"only {{vendor}} and {{date}} may be filled in: {exc}",
            )


def _download_name_problems(doc: Document) -> Iterator[Problem]:
    """A download's file is staged under the last part of its URL's path: that must be a plain file name."""
    from urllib.parse import urlsplit

    from offramp.core.urls import filename_problem

    for platform, methods in (doc.data.get("install") or {}).items():
        for i, method in enumerate(methods or []):
            if not isinstance(method, dict) or method.get("method") != "download":
                continue
            path = urlsplit(str(method.get("url", ""))).path
            last = path.rsplit("/", 1)[-1]
            problem = filename_problem(last) if last else None
            if problem:
                at = ("install", platform, i, "url")
                yield Problem(
                    doc.path,
                    doc.where(at),
                    field_name(at),
                    f"the URL's last path part {last!r} cannot be a file name ({problem})",
                )


def _replacement_rules(doc: Document) -> Iterator[Problem]:
    yield from _download_name_problems(doc)
    data = doc.data
    platforms = set(data.get("platforms") or [])
    for section in ("install", "verify"):
        declared = set((data.get(section) or {}).keys())
        for platform in sorted(platforms - declared):
            yield Problem(
                doc.path,
                doc.where((section,)),
                field_name((section,)),
                f"platform {platform!r} is listed but has no {section} entry",
            )
        for platform in sorted(declared - platforms):
            yield Problem(
                doc.path,
                doc.where((section, platform), key=True),
                field_name((section, platform)),
                f"{platform!r} is not in the playbook's platforms",
            )


def _walkthrough_rules(doc: Document) -> Iterator[Problem]:
    """A counted text's two forms fill in the same names, and both say the count."""
    for key, text in doc.data["texts"].items():
        if not isinstance(text, dict):
            continue
        fields = {form: set(re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", text[form])) for form in ("one", "other")}
        if fields["one"] != fields["other"] or "n" not in fields["other"]:
            yield Problem(
                doc.path,
                doc.where(("texts", key)),
                field_name(("texts", key)),
                "'one' and 'other' must fill in the same {names}, {n} among them",
            )


RULES = {"banned-catalogue": _catalogue_rules, "replacement": _replacement_rules, "walkthrough": _walkthrough_rules}


def problems_in(doc: Document) -> list[Problem]:
    """Every problem with a parsed document: its kind, then its schema, then Offramp's own rules."""
    if not isinstance(doc.data, dict):
        return [
            Problem(doc.path, doc.where(()), "", f"expected a mapping at the top level, got {_describe_type(doc.data)}")
        ]
    kind = doc.data.get("kind")
    if kind not in KINDS:
        where = doc.where(("kind",)) if "kind" in doc.data else Position(1, 1)
        return [Problem(doc.path, where, "kind", f"expected one of {', '.join(map(repr, KINDS))}, got {kind!r}")]
    if not (paths.schema_dir() / KINDS[kind]).exists():
        return [Problem(doc.path, doc.where(("kind",)), "kind", f"no schema is installed for {kind!r}")]
    found = list(_schema_problems(doc, kind))
    if not found and kind in RULES:
        found = list(RULES[kind](doc))
    return found


def load_checked(path: Path, expect_kind: str | None = None) -> Document:
    """Parses and validates one file. Raises InvalidPlaybook with every problem found."""
    try:
        doc = load(Path(path))
    except YamlError as exc:
        raise InvalidPlaybook(
            [Problem(exc.path, exc.position, field_name(exc.field_path) if exc.field_path else "", exc.message)]
        ) from None
    found = problems_in(doc)
    if not found and expect_kind and doc.data.get("kind") != expect_kind:
        found = [Problem(doc.path, doc.where(("kind",)), "kind", f"expected a {expect_kind!r} file here")]
    if found:
        raise InvalidPlaybook(found)
    return doc


def yaml_files(targets: Iterable[Path]) -> Iterator[Path]:
    """The YAML files named, and those under the folders named, in a stable order."""
    for target in targets:
        target = Path(target)
        if target.is_dir():
            yield from sorted(p for p in target.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        else:
            yield target


def validate_paths(targets: Iterable[Path]) -> tuple[int, list[Problem]]:
    """Validates files and folders. Returns how many files were read and every problem found."""
    count = 0
    problems: list[Problem] = []
    for path in yaml_files(targets):
        count += 1
        if not path.exists():
            problems.append(Problem(path, Position(1, 1), "", "no such file or folder"))
            continue
        try:
            load_checked(path)
        except InvalidPlaybook as exc:
            problems.extend(exc.problems)
    return count, problems
