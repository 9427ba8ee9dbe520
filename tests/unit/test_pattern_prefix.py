"""The classifier's index looks a pattern rule up by the text all its matches start with, also when the whole
pattern is one group of alternatives; the folder a collector lists still comes from the plain literal start."""

from __future__ import annotations

import re

import pytest

from offramp.core.scan.collectors.scope import literal_folder
from offramp.core.scan.matching import common_prefix, literal_prefix


@pytest.mark.parametrize(
    ("pattern", "prefix"),
    [
        (r"^(Acme Security( [0-9]+)? for Servers|Acme Anti-Virus for Servers)$", "Acme "),
        (r"^(Acme Free|Acme Pro)$", "Acme "),
        (r"^Acme( Free)?$", "Acme"),
        (r"^(Acme|Other)$", ""),
        (r"^(Acme|Acme Pro)x$", ""),  # text after the group: not one group, so no common start is claimed
        (r"^(Acme|Acme Pro)?$", ""),  # an optional group can match nothing
        (r"^(Ab[)|]c|Abd)$", "Ab"),  # a ")" or "|" inside a character class does not end an alternative
        (r"^(?:Acme|Acme Pro)$", ""),
    ],
)
def test_the_common_start_of_a_pattern(pattern: str, prefix: str) -> None:
    assert common_prefix(pattern) == prefix


@pytest.mark.parametrize("pattern", [r"^(Acme Security for Servers|Acme Anti-Virus)$", r"^(Ab[)|]c|Abd)$"])
def test_every_match_starts_with_the_common_start(pattern: str) -> None:
    """The index may only skip rows that cannot match: each alternative's own text starts with the prefix."""
    prefix = common_prefix(pattern)
    for text in ("Acme Security for Servers", "Acme Anti-Virus", "Ab)c", "Ab|c", "Abd"):
        if re.fullmatch(pattern.strip("^$"), text):
            assert text.startswith(prefix), text


def test_a_group_of_folders_never_widens_what_a_collector_lists() -> None:
    pattern = r"^(C:[\\]Program Files[\\]Acme|C:[\\]Program Files \(x86\)[\\]Acme)$"
    assert common_prefix(pattern) == "C:\\Program Files"
    assert literal_prefix(pattern) == "" and literal_folder(pattern) is None
