"""The one map between the systems' names: what inventories store, what people type, what people read."""

from __future__ import annotations

from pathlib import Path

import pytest

from offramp.core.data import platforms

APP = Path(__file__).resolve().parents[2] / "app"


@pytest.mark.parametrize("typed", ["macos", "MacOS", "darwin", " macos "])
def test_what_people_type_for_a_mac_is_darwin(typed: str) -> None:
    assert platforms.from_typed(typed) == "darwin"


def test_every_choice_the_command_line_offers_names_a_system_and_comes_back() -> None:
    assert sorted(platforms.from_typed(c) for c in platforms.CHOICES) == sorted(platforms.ALL)
    assert [platforms.typed_name(platforms.from_typed(c)) for c in platforms.CHOICES] == list(platforms.CHOICES)


def test_an_unknown_name_is_refused_when_typed_and_shown_as_it_is_when_read() -> None:
    with pytest.raises(KeyError):
        platforms.from_typed("beos")
    assert platforms.display_name("beos") == "beos"
    assert platforms.display_name(None) == "unknown system"
    assert [platforms.display_name(p) for p in platforms.ALL] == ["Windows", "macOS", "Linux"]


def test_no_other_module_keeps_its_own_map_of_system_names() -> None:
    """A second map drifts: a page would call a Mac 'darwin' while another says 'macOS'."""
    offenders = [
        str(path.relative_to(APP))
        for path in APP.rglob("*.py")
        if path.name != "platforms.py" and '"macOS"' in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
