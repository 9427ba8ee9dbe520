"""The read-only record types on the scan's path stay NamedTuples (for start-up), but read like dataclasses.

A NamedTuple can be built by position, and with many fields that hides which value is which. So a record
with more than three fields is built by keyword everywhere in Offramp, as a frozen dataclass with
keyword-only fields would force (the decision and its figures: docs/architecture.md, "Fast start").
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
MAX_POSITIONAL = 3


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in sorted(APP.rglob("*.py"))]


def _record_fields() -> dict[str, int]:
    """Every NamedTuple class in app/ and its number of fields."""
    found = {}
    for _path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(base, ast.Name) and base.id == "NamedTuple" for base in node.bases
            ):
                found[node.name] = sum(isinstance(item, ast.AnnAssign) for item in node.body)
    return found


def _positional_builds(wide: set[str]) -> list[str]:
    found = []
    for path, tree in _modules():
        for klass in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)] + [tree]:
            for call in ast.walk(klass):
                if not isinstance(call, ast.Call):
                    continue
                func = call.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name == "cls" and isinstance(klass, ast.ClassDef):
                    name = klass.name
                if name in wide and len(call.args) > MAX_POSITIONAL:
                    where = f"{path.relative_to(APP.parent)}:{call.lineno}"
                    found.append(f"{where}: {name} with {len(call.args)} positional")
    return sorted(set(found))


def test_the_scan_path_records_are_found() -> None:
    fields = _record_fields()
    assert fields["InstalledProduct"] == 18 and fields["Product"] >= 10 and fields["Catalogue"] >= 8


def test_records_with_many_fields_are_built_by_keyword() -> None:
    wide = {name for name, count in _record_fields().items() if count > MAX_POSITIONAL}
    assert _positional_builds(wide) == []
