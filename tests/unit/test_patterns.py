"""Detection patterns are parsed once: the validator checks the tree the osquery export translates."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from offramp.core.data.catalogue import load_catalogues
from offramp.core.data.patterns import Boundary, Cls, PatternError, Seq, check_pattern, parse_pattern
from offramp.core.export.osquery_regex import ExportError, ecmascript_patterns
from tests.conftest import REPO


def _catalogue_patterns() -> list[str]:
    found = []
    items: list[Any] = [item for c in load_catalogues() for item in (*c.products, *c.not_banned)]
    for item in items:
        for signatures in item.detect.values():
            for signature in signatures:
                for matcher in signature["where"].values():
                    if isinstance(matcher, dict) and "pattern" in matcher:
                        found.append(matcher["pattern"])
    return found


def test_the_catalogue_has_patterns_to_check() -> None:
    assert len(_catalogue_patterns()) >= 10


@pytest.mark.parametrize("pattern", _catalogue_patterns())
def test_every_shipped_pattern_is_admitted_and_translates(pattern: str) -> None:
    assert check_pattern(pattern) is None
    assert ecmascript_patterns(pattern)


@pytest.mark.parametrize(
    "pattern, words",
    [
        ("^(kl)\\1$", "back-references"),
        ("(?s)^klif$", "unsupported group or flag"),
        ("^kl[a-$", "not a valid regular expression"),
    ],
)
def test_what_the_parser_refuses_the_validator_and_the_export_refuse_alike(pattern: str, words: str) -> None:
    with pytest.raises(PatternError, match=words):
        parse_pattern(pattern)
    assert words in (check_pattern(pattern) or "")
    with pytest.raises(ExportError, match=words):
        ecmascript_patterns(pattern)


def test_a_dot_is_told_apart_from_the_class_it_stands_for() -> None:
    dot = parse_pattern("^a.$")
    spelled = parse_pattern("^a[^\\n]$")
    assert isinstance(dot, Seq) and isinstance(spelled, Seq)
    assert dot.items[0] == Boundary("^")
    dot_class, spelled_class = dot.items[2], spelled.items[2]
    assert isinstance(dot_class, Cls) and isinstance(spelled_class, Cls)
    assert dot_class.ranges == spelled_class.ranges and dot_class.dot and not spelled_class.dot
    assert check_pattern("^a.$") is not None
    assert check_pattern("^a[^\\n]$") is None


def test_validation_does_not_reach_up_into_the_export() -> None:
    code = (
        "import sys\nimport offramp.core.data.validation\n"
        "print(any(m.startswith('offramp.core.export') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
