"""Hostile input files, at every reader: each one ends in exit 2 with a message naming the file, never in
exit 70, a traceback, a hang or an unbounded read.

Readers: `scan --inventory`, `plan --policy`, `plan --to PLAYBOOK`, `playbooks validate`, `report --input`,
and password files (read when a migration gathers its passwords). Inputs: a FIFO with no writer,
/dev/zero (directly and through a symlink), a folder, a sparse file past each size cap, NUL bytes,
invalid UTF-8, an empty file, nesting deep enough to reach Python's recursion limit, alias bombs,
object tags, and results logs whose lines have the wrong shape.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from offramp import cli
from offramp.core.data.policy import Policy
from offramp.core.migrate.secrets import SecretsError, gather
from tests.matrix.tally import Tally, bounded
from tests.support import linux_fixtures as fx
from tests.support.playbook_fixtures import TEST_PLAYBOOK

if TYPE_CHECKING:
    from tests.support.pkgbed import DpkgRoot
    from tests.support.pkgbed_fixtures import BuiltPackages

DEEP = 200_000  # far past Python's recursion limit (1000)
ESC = "\x1b[2J\x1b]0;owned\x07\x9b31m\u202eexe.txt"


def _sparse(size: int) -> Callable[[Path], object]:
    def make(path: Path) -> None:
        with open(path, "wb") as handle:
            handle.truncate(size)  # a hole: costs no disk, but stat and read see `size` bytes

    return make


def _text(text: str) -> Callable[[Path], object]:
    return lambda path: path.write_text(text, encoding="utf-8")


def _bytes(data: bytes) -> Callable[[Path], object]:
    return lambda path: path.write_bytes(data)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _folder(path: Path) -> None:
    path.mkdir()


def _zero_link(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _results(*lines: object) -> Callable[[Path], object]:
    return _text("\n".join(json.dumps(line) for line in lines) + "\n")


COMMON: dict[str, Callable[[Path], object]] = {
    "a FIFO with no writer": _fifo,
    "a symlink to /dev/zero": _zero_link,
    "a folder": _folder,
    "an empty file": _text(""),
    "NUL bytes": _bytes(b"\0" * 4096),
    "invalid UTF-8": _bytes(b"kind: \xff\xfe\xfa\n"),
    "a sparse file of 300 MB": _sparse(300 * 1024 * 1024),
}
JSON_ONLY: dict[str, Callable[[Path], object]] = {
    "JSON arrays nested 200 000 deep": _text("[" * DEEP + "]" * DEEP),
    "JSON objects nested 200 000 deep": _text('{"a":' * DEEP + "1" + "}" * DEEP),
    "a JSON list at the top": _text("[1, 2, 3]"),
    "a JSON number at the top": _text("42"),
}
RESULTS_LOG: dict[str, Callable[[Path], object]] = {
    "a results line that is an array": _results({"name": "pack/offramp/programs", "snapshot": []}, [1, 2]),
    "a snapshot that is a number": _results({"name": "pack/offramp/programs", "snapshot": 5}, {"name": "x"}),
    "columns that are text": _results({"name": "pack/offramp/programs", "action": "added", "columns": "x"}, {}),
    "a name that is a number": _results({"name": 7, "snapshot": []}, {"name": "x"}),
    "a snapshot row that is a list": _results({"name": "pack/offramp/programs", "snapshot": [[1]]}, {"name": "x"}),
    "a results line nested 200 000 deep": _text(json.dumps({"name": "x"}) + "\n" + "[" * DEEP + "]" * DEEP + "\n"),
}
YAML_ONLY: dict[str, Callable[[Path], object]] = {
    "YAML flow nesting 200 000 deep": _text("a: " + "[" * DEEP + "]" * DEEP + "\n"),
    "YAML block nesting 200 deep": _text("".join(f"{' ' * i}k{i}:\n" for i in range(200)) + " " * 200 + "v: 1\n"),
    "a billion-laughs alias bomb": _text(
        'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    ),
    "a Python object tag": _text("kind: !!python/object/apply:os.system ['true']\n"),
    "a list at the top": _text("- 1\n- 2\n"),
    "two documents": _text("kind: policy\n---\nkind: policy\n"),
    "a tab-indented mapping": _text("kind: policy\nreboot:\n\tallowed: true\n"),
}


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[bool, int | None, str]:
    finished, code = bounded(lambda: cli.main(argv))
    captured = capsys.readouterr()
    return (
        finished,
        code if isinstance(code, int) else None,
        captured.err + captured.out + ("" if isinstance(code, int) else repr(code)),
    )


def test_every_reader_refuses_hostile_files_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tally = Tally("hostile input files")
    # A system with nothing installed (a root with no system at all is refused before any file is read).
    root = tmp_path / "empty-root"
    (root / "var" / "lib" / "dpkg").mkdir(parents=True)
    readers: dict[str, tuple[Callable[[Path], list[str]], dict[str, Callable[[Path], object]], str]] = {
        "scan --inventory": (
            lambda f: ["scan", "--inventory", str(f)],
            {**COMMON, **JSON_ONLY, **RESULTS_LOG},
            ".json",
        ),
        "plan --policy": (
            lambda f: ["plan", "--remove-only", "--root", str(root), "--policy", str(f)],
            {**COMMON, **YAML_ONLY},
            ".yaml",
        ),
        "plan --to (a playbook file)": (
            lambda f: ["plan", "--root", str(root), "--to", str(f)],
            {**COMMON, **YAML_ONLY},
            ".yaml",
        ),
        "playbooks validate": (lambda f: ["playbooks", "validate", str(f)], {**COMMON, **YAML_ONLY}, ".yaml"),
        "report --input": (lambda f: ["report", "--input", str(f)], {**COMMON, **JSON_ONLY}, ".json"),
    }
    number = 0
    for reader, (argv_for, inputs, suffix) in readers.items():
        for label, make in inputs.items():
            number += 1
            path = tmp_path / f"input-{number}{suffix}"
            make(path)
            finished, code, output = _run(argv_for(path), capsys)
            survived = (
                finished
                and code == 2
                and str(path) in output
                and "Traceback" not in output
                and "internal error" not in output
            )
            tally.case(f"{reader} <- {label}", survived, "hung" if not finished else f"exit {code}: {output[-300:]}")
    tally.report()


def test_password_files_refuse_hostile_content_without_quoting_it(tmp_path: Path) -> None:
    tally = Tally("hostile password files")
    secret = "Correct-Horse-9"
    cases: dict[str, Callable[[Path], object]] = {
        **COMMON,
        **YAML_ONLY,
        "a syntax error next to the password": _text(f"kes_password: {secret}\n  : [unclosed {secret}\n"),
        "a duplicate key holding the password": _text(f"kes_password: {secret}\nkes_password: {secret}\n"),
        "a tag wrapping the password": _text(f"kes_password: !!binary {secret}\n"),
        "a nested value holding the password": _text(f"kes_password: {{inner: {secret}}}\n"),
        "a control character beside the password": _text(f"kes_password: {secret}\x01\n"),
    }
    for number, (label, make) in enumerate(cases.items()):
        path = tmp_path / f"passwords-{number}.yaml"
        make(path)
        if path.exists() and not path.is_symlink() and path.is_file():
            os.chmod(path, 0o600)
        policy = Policy(password_source="file", password_file=str(path))
        finished, result = bounded(functools.partial(gather, policy, {"kes_password"}, None))
        message = str(result)
        survived = finished and isinstance(result, SecretsError) and str(path) in message and secret not in message
        tally.case(label, survived, "hung" if not finished else message)
    tally.report()


def _playbook_with_url(folder: Path, url: str) -> Path:
    text = TEST_PLAYBOOK.read_text().replace("https://downloads.offramp.invalid/offramp-test-av_1.0_all.deb", url)
    path = folder / "playbook.yaml"
    path.write_text(text)
    return path


def test_download_urls_that_cannot_name_a_file_are_refused_at_validation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tally = Tally("playbook download URLs")
    bad = {
        "the last part is '..'": "https://downloads.example/pub/..",
        "the last part is '.'": "https://downloads.example/pub/.",
        "a colon (a Windows stream or drive)": "https://downloads.example/pub/a:b.deb",
        "a backslash": "https://downloads.example/pub/a\\b.deb",
        "a leading dot": "https://downloads.example/pub/.hidden.deb",
    }
    line = (
        TEST_PLAYBOOK.read_text()
        .splitlines()
        .index("      url: https://downloads.offramp.invalid/offramp-test-av_1.0_all.deb")
        + 1
    )
    for number, (label, url) in enumerate(bad.items()):
        folder = tmp_path / f"case-{number}"
        folder.mkdir()
        path = _playbook_with_url(folder, url)
        finished, code, output = _run(["playbooks", "validate", str(path)], capsys)
        survived = finished and code == 2 and f"{path}:{line}:" in output and "file name" in output
        tally.case(label, survived, f"exit {code}: {output[-300:]}")
    good = _playbook_with_url(tmp_path, "https://downloads.example/pub/offramp-test-av_1.0_all.deb")
    _finished, code, output = _run(["playbooks", "validate", str(good)], capsys)
    tally.case("a plain file name is accepted", code == 0, output)
    tally.report()


def test_text_from_data_reaches_the_terminal_and_the_log_defused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = tmp_path / "inventory.json"
    inventory.write_text(
        json.dumps(
            {
                "platform": "windows",
                "programs": [
                    {
                        "name": "Kaspersky Endpoint Security for Windows",
                        "version": "12.1" + ESC,
                        "publisher": "AO Kaspersky Lab",
                    }
                ],
                "windows_security_products": [{"type": "Antivirus", "name": "Acme AV" + ESC, "state": "On" + ESC}],
            }
        )
    )
    log = tmp_path / "log.jsonl"
    code = cli.main(["--log-file", str(log), "scan", "--inventory", str(inventory)])
    out = capsys.readouterr().out
    assert code == 1
    assert "Acme AV" in out and "\\x1b" in out  # shown, as visible escapes
    for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in out
        assert raw not in log.read_text(encoding="utf-8")


def _playbook_with_format(folder: Path, fmt: str) -> Path:
    text = TEST_PLAYBOOK.read_text().replace("      format: deb\n", f"      format: {fmt}\n", 1)
    path = folder / f"playbook-{fmt}.yaml"
    path.write_text(text)
    return path


def test_a_replacement_this_system_cannot_install_is_refused_before_anything_is_removed(
    dpkg_root: DpkgRoot, built_packages: BuiltPackages, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tally = Tally("installer formats this system cannot run")
    dpkg_root.install(built_packages.deb(fx.KESL))
    before = dpkg_root.installed()
    for fmt in ("exe", "msi", "pkg", "dmg", "rpm"):
        playbook = _playbook_with_format(tmp_path, fmt)
        for command in ("plan", "migrate"):
            argv = [command, "--root", str(dpkg_root.path), "--to", str(playbook)]
            finished, code, output = _run([*argv, "--silent"] if command == "migrate" else argv, capsys)
            after = dpkg_root.installed()
            survived = finished and code == 2 and f"comes as a .{fmt} installer" in output and after == before
            tally.case(
                f"{command}: .{fmt} on a dpkg system",
                survived,
                f"exit {code}, installed before {before}, after {after} ({dpkg_root.status_file_facts()}): "
                f"{output[-300:]}",
            )
    _finished, code, output = _run(
        ["plan", "--root", str(dpkg_root.path), "--to", str(_playbook_with_format(tmp_path, "deb"))], capsys
    )
    tally.case("plan: .deb on a dpkg system is accepted", code == 0, output[-300:])
    tally.report()
