"""Schema and rule validation: every problem names the file, line, column, field and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from offramp.core.data.validation import InvalidPlaybook, check_pattern, load_checked, validate_paths

GOOD = """\
kind: replacement
schema_version: 1
id: sample-av
name: Sample Antivirus
vendor: Sample Vendor
vendor_country: Nowhere
summary: A sample product used to test validation
platforms: [linux]
price: free
includes:
  antivirus: true
  firewall: false
  vpn: false
  password_manager: false
  parental_controls: false
  identity_protection: false
  sources: [https://example.org/features]
install:
  linux:
    - method: package
      silent: true
      manager: apt
      packages: [sample-av]
      sources: [https://example.org/install]
verify:
  linux:
    packages: [sample-av]
    sources: [https://example.org/verify]
sources: [https://example.org/]
verified_on: 2026-11-29
"""


def problems_for(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "sample.yaml"
    path.write_text(text)
    count, found = validate_paths([path])
    assert count == 1
    return [str(p) for p in found]


def test_the_good_sample_is_valid(tmp_path: Path) -> None:
    assert problems_for(tmp_path, GOOD) == []


def test_wrong_type_names_line_column_field_and_expectation(tmp_path: Path) -> None:
    found = problems_for(tmp_path, GOOD.replace("  firewall: false", "  firewall: maybe"))
    assert found == [f"{tmp_path / 'sample.yaml'}:12:13: includes.firewall: expected boolean, got text"]


def test_unknown_key_points_at_the_key(tmp_path: Path) -> None:
    found = problems_for(tmp_path, GOOD.replace("price: free\n", "price: free\ncolour: blue\n"))
    assert len(found) == 1
    assert ":10:1: colour: unknown field 'colour'" in found[0]


def test_missing_field_is_named(tmp_path: Path) -> None:
    found = problems_for(tmp_path, GOOD.replace("vendor_country: Nowhere\n", ""))
    assert any("vendor_country: required field is missing" in f for f in found)


def test_bad_enum_lists_the_choices(tmp_path: Path) -> None:
    found = problems_for(tmp_path, GOOD.replace("price: free", "price: cheap"))
    assert found and "price: expected one of 'free', 'paid', 'free-and-paid', got 'cheap'" in found[0]


def test_method_specific_fields_are_checked(tmp_path: Path) -> None:
    found = problems_for(tmp_path, GOOD.replace("      manager: apt\n", "      manager: apt\n      sha256: abc\n"))
    assert any("install.linux[0].sha256: unknown field" in f for f in found)


def test_platform_without_install_or_verify_is_refused(tmp_path: Path) -> None:
    found = problems_for(tmp_path, GOOD.replace("platforms: [linux]", "platforms: [linux, windows]"))
    assert any("install: platform 'windows' is listed but has no install entry" in f for f in found)
    assert any("verify: platform 'windows' is listed but has no verify entry" in f for f in found)


def test_top_level_list_and_scalar_are_refused(tmp_path: Path) -> None:
    assert "expected a mapping at the top level, got a list" in problems_for(tmp_path, "- a\n- b\n")[0]
    assert "expected a mapping at the top level, got text" in problems_for(tmp_path, "hello\n")[0]


def test_unknown_kind_is_refused(tmp_path: Path) -> None:
    found = problems_for(tmp_path, "kind: recipe\n")
    assert found == [
        f"{tmp_path / 'sample.yaml'}:1:7: kind: expected one of 'banned-catalogue', 'replacement', "
        "'policy', 'walkthrough', got 'recipe'"
    ]


def test_load_checked_raises_with_all_problems(tmp_path: Path) -> None:
    path = tmp_path / "sample.yaml"
    path.write_text(GOOD.replace("price: free", "price: 3").replace("id: sample-av", "id: Sample AV"))
    with pytest.raises(InvalidPlaybook) as caught:
        load_checked(path)
    fields = {p.field for p in caught.value.problems}
    assert fields == {"id", "price"}


@pytest.mark.parametrize(
    "pattern, ok",
    [
        ("^AVP[0-9]+(\\.[0-9]+)*$", True),
        ("^klif$", True),
        ("^kl.*$", False),  # a bare prefix in disguise
        ("^kl\\w+$", False),
        ("klif", False),  # not anchored
        ("^AVP[0-9+$", False),  # not a regular expression
        ("^HKEY_LOCAL_MACHINE\\\\SOFTWARE$", True),  # an escaped backslash before S is not \\S
        ("^a\\.b$", True),  # an escaped dot is a literal dot
        ("^[.]b$", True),  # so is a dot in a class
        ("^kl\\Sif$", False),
        ("^kl[\\w]if$", False),  # a wildcard inside a class is still one
        ("^kl[^\\\\]+$", True),  # a negated class names what may not appear: allowed
        ("^klif$|^avp$", True),  # every alternative anchored
        ("^klif|avp$", False),  # 'avp' is anchored at neither end: a bare prefix again
        ("\\Aklif\\Z", True),
        ("^(kl)\\1$", False),  # a back-reference: valid Python, but the osquery export cannot translate it
        ("(?s)^klif$", False),  # a flag the export does not translate
        ("^[é]$", False),  # non-ASCII in a class: osquery matches bytes
    ],
)
def test_detection_patterns_must_be_exact_shapes(pattern: str, ok: bool) -> None:
    assert (check_pattern(pattern) is None) is ok


def test_a_walkthrough_text_counted_in_two_forms_fills_in_the_same_names(tmp_path: Path) -> None:
    good = "kind: walkthrough\nschema_version: 1\ntexts:\n  steps: {one: '{n} step, {x}', other: '{n} steps, {x}'}\n"
    assert problems_for(tmp_path, good) == []
    bad = "kind: walkthrough\nschema_version: 1\ntexts:\n  steps: {one: 'one step', other: '{n} steps'}\n"
    assert problems_for(tmp_path, bad) == [
        f"{tmp_path / 'sample.yaml'}:4:10: texts.steps: 'one' and 'other' must fill in the same {{names}}, "
        "{n} among them"
    ]
