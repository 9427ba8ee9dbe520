"""`offramp playbooks validate` on malformed files of every kind: exit 2, the file and problem named, no traceback."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli
from tests.unit.test_validation import GOOD

MALFORMED: dict[str, bytes | str] = {
    "empty.yaml": "",
    "a-list.yaml": "- one\n- two\n",
    "a-scalar.yaml": "just text\n",
    "syntax.yaml": "kind: replacement\nid: [unclosed\n",
    "tabs.yaml": "kind: replacement\nincludes:\n\tvpn: true\n",
    "python-tag.yaml": "kind: !!python/object/apply:os.system ['touch {marker}']\n",
    "alias-bomb.yaml": "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
    + "".join(f"a{i}: &a{i} [{', '.join(['*a' if i == 1 else f'*a{i - 1}'] * 10)}]\n" for i in range(1, 8)),
    "deep.yaml": "a: " + "[" * 200 + "]" * 200 + "\n",
    "huge.yaml": "a: '" + "x" * (3 * 1024 * 1024) + "'\n",
    "binary.yaml": bytes(range(256)) * 8,
    "duplicate.yaml": GOOD + "price: paid\n",
    "wrong-type.yaml": GOOD.replace("schema_version: 1", "schema_version: one"),
    "unknown-key.yaml": GOOD.replace("price: free", "price: free\nrating: 5"),
    "two-docs.yaml": GOOD + "---\nkind: replacement\n",
}


def test_every_malformed_file_is_reported_and_nothing_runs(tmp_path: Path) -> None:
    marker = tmp_path / "code-ran"
    for name, content in MALFORMED.items():
        data = content.replace("{marker}", str(marker)).encode() if isinstance(content, str) else content
        (tmp_path / name).write_bytes(data)
    result = run_cli("playbooks", "validate", str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    for name in MALFORMED:
        assert any(line.startswith(f"{tmp_path / name}:") for line in result.stderr.splitlines()), name
    assert f"{len(MALFORMED)} of {len(MALFORMED)} files invalid" in result.stderr
    assert not marker.exists()


def test_a_valid_file_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    result = run_cli("playbooks", "validate", str(tmp_path / "good.yaml"))
    assert (result.returncode, result.stdout.strip()) == (0, "1 file valid")


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    result = run_cli("playbooks", "validate", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr


def test_error_lines_carry_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "dup.yaml").write_text(GOOD + "price: paid\n")
    result = run_cli("playbooks", "validate", str(tmp_path / "dup.yaml"))
    last_line = len(GOOD.splitlines()) + 1
    assert f"dup.yaml:{last_line}:1: price: duplicate key 'price' (first defined on line 9)" in result.stderr
