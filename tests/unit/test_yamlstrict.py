"""The strict YAML reader: refuses unsafe or malformed input with a position, and reads good input exactly."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offramp.core.data import yamlstrict
from offramp.core.data.yamlstrict import YamlError, load


def write(tmp_path: Path, content: str | bytes, name: str = "f.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


BAD: dict[str, tuple[str | bytes, str]] = {
    "empty": ("", "empty"),
    "syntax": ("a: [1, 2\nb: 3\n", "syntax error"),
    "tabs": ("a:\n\tb: 1\n", "tab"),
    "python tag": ("a: !!python/object/apply:os.system ['true']\n", "not allowed"),
    "custom tag": ("a: !secret x\n", "not allowed"),
    "duplicate key": ("a: 1\nb: 2\na: 3\n", "duplicate key 'a'"),
    "multiple documents": ("a: 1\n---\nb: 2\n", "more than one YAML document"),
    "merge key": ("x: &x {a: 1}\ny:\n  <<: *x\n", "merge keys"),
    "deep nesting": ("[" * 5000 + "]" * 5000, "nesting depth"),
    "binary": (bytes(range(256)) * 4, "not a text file"),
    "latin-1": ("a: caf\xe9\n".encode("latin-1"), "not UTF-8"),
    "control character": ("a: b\x1f\n", "not allowed in YAML"),
    "complex key": ("? [a, b]\n: 1\n", "mapping keys must be plain text"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_malformed_input_is_refused_with_a_position(tmp_path: Path, name: str) -> None:
    content, expected = BAD[name]
    with pytest.raises(YamlError) as caught:
        load(write(tmp_path, content))
    assert expected in caught.value.message
    assert caught.value.position.line >= 1 and caught.value.position.column >= 1


def test_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    with pytest.raises(YamlError) as caught:
        load(write(tmp_path, "\n".join(lines) + "\n"))
    assert "expands to more than" in caught.value.message


def test_too_many_aliases_are_refused(tmp_path: Path) -> None:
    body = "x: &x 1\ny: [" + ", ".join(["*x"] * 200) + "]\n"
    with pytest.raises(YamlError, match="aliases"):
        load(write(tmp_path, body))


def test_oversized_file_is_refused_without_parsing(tmp_path: Path) -> None:
    path = write(tmp_path, "a: " + "x" * (3 * 1024 * 1024) + "\n")
    with pytest.raises(YamlError, match="limit is"):
        load(path)


def test_python_tag_runs_no_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write(
        tmp_path, f"a: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ['{marker}']]\n"
    )
    with pytest.raises(YamlError):
        load(path)
    assert not marker.exists()


def test_dates_stay_text_and_positions_are_recorded(tmp_path: Path) -> None:
    doc = load(write(tmp_path, "when: 2024-09-29\nlist:\n  - one\n  - {k: v}\n"))
    assert doc.data == {"when": "2024-09-29", "list": ["one", {"k": "v"}]}
    assert doc.values[("when",)].line == 1
    assert doc.values[("list", 1, "k")].line == 4
    assert doc.keys[("list",)].line == 2


def test_duplicate_key_names_the_first_line(tmp_path: Path) -> None:
    with pytest.raises(YamlError) as caught:
        load(write(tmp_path, "top:\n  a: 1\n  b: 2\n  a: 3\n"))
    assert caught.value.position.line == 4
    assert "first defined on line 2" in caught.value.message


# --- properties ---------------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**9), 10**9)
    | st.text(alphabet=string.ascii_letters + string.digits + " -_.:/", max_size=20)
)
json_data = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(suppress_health_check=[*settings().suppress_health_check, HealthCheck.function_scoped_fixture])
@given(
    data=st.dictionaries(
        st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8), json_data, min_size=1, max_size=5
    )
)
def test_any_plain_data_round_trips(tmp_path: Path, data: dict) -> None:
    text = yaml.safe_dump(data, sort_keys=False)
    # YAML 1.1 reads some plain strings as other types; compare with what a safe loader makes of the text.
    expected = yaml.load(text, Loader=yamlstrict._Loader)
    doc = load(write(tmp_path, text))
    assert doc.data == expected
    for key in data:
        assert (key,) in doc.values


@settings(suppress_health_check=[*settings().suppress_health_check, HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_arbitrary_text_never_escapes_as_another_error(tmp_path: Path, text: str) -> None:
    try:
        load(write(tmp_path, text))
    except YamlError as exc:
        assert exc.position.line >= 1


@settings(suppress_health_check=[*settings().suppress_health_check, HealthCheck.function_scoped_fixture])
@given(
    keys=st.lists(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=6), min_size=2, max_size=8),
    pick=st.integers(min_value=0),
)
def test_a_repeated_key_is_always_caught(tmp_path: Path, keys: list[str], pick: int) -> None:
    keys = list(dict.fromkeys(keys))
    repeated = keys[pick % len(keys)]
    lines = [f"{k}: {i}" for i, k in enumerate(keys)] + [f"{repeated}: again"]
    with pytest.raises(YamlError) as caught:
        load(write(tmp_path, "\n".join(lines) + "\n"))
    assert caught.value.position.line == len(lines)
