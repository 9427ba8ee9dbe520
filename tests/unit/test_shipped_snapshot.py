"""The compiled snapshot of the shipped playbooks: used when it matches the YAML, rebuilt when it does not.

A start that finds a current snapshot must not parse YAML at all (that is the point of it), and a
snapshot must never hide an edit, a broken file, or survive being corrupt.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from offramp.core import paths
from offramp.core.data import catalogue, replacements, shipped
from offramp.core.data.validation import InvalidPlaybook
from tests.conftest import REPO


@pytest.fixture
def playbooks(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "playbooks"
    shutil.copytree(paths.playbooks_dir(), root, ignore=shutil.ignore_patterns(shipped.SNAPSHOT_DIR))
    shipped.forget()
    yield root
    shipped.forget()


def _catalogue(root: Path) -> catalogue.Catalogue:
    return next(c for c in shipped.load_shipped("banned", catalogue.from_data, root=root) if c.id == "kaspersky")


def _snapshot(root: Path, folder: str) -> dict:
    return json.loads(shipped.snapshot_path(root, folder).read_text(encoding="utf-8"))


def test_each_folder_gets_a_snapshot_of_its_own_files_when_first_read(playbooks: Path) -> None:
    _catalogue(playbooks)
    assert _snapshot(playbooks, "banned")["files"]["kaspersky.yaml"]["data"]["vendor"]["name"] == "Kaspersky"
    # The catalogue alone was read: the replacements are not touched until they are needed.
    assert not shipped.snapshot_path(playbooks, "replacements").exists()
    shipped.load_shipped("replacements", replacements.from_data, root=playbooks)
    names = {p.name for p in (playbooks / "replacements").glob("*.yaml")}
    assert set(_snapshot(playbooks, "replacements")["files"]) == names


def test_a_current_snapshot_is_read_without_the_yaml_parser() -> None:
    shipped.compile_snapshots()
    code = (
        "import sys\nfrom offramp.core.data.catalogue import load_catalogue\n"
        "from offramp.core.data.replacements import load_replacements\nc = load_catalogue(catalogue_id='kaspersky')\n"
        "r = load_replacements(include_test_only=True)\n"
        "print(c.vendor.name, len(r), 'yaml' in sys.modules, 'jsonschema' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    count = len(list((paths.playbooks_dir() / "replacements").glob("*.yaml")))
    assert out.stdout.split() == ["Kaspersky", str(count), "False", "False"]


def test_an_edited_playbook_takes_effect_on_the_next_start(playbooks: Path) -> None:
    assert _catalogue(playbooks).vendor.name == "Kaspersky"
    source = playbooks / "banned" / "kaspersky.yaml"
    source.write_text(
        source.read_text(encoding="utf-8").replace("name: Kaspersky\n", "name: Kaspersky Edited\n", 1), encoding="utf-8"
    )
    shipped.forget()  # a new process
    assert _catalogue(playbooks).vendor.name == "Kaspersky Edited"
    assert _snapshot(playbooks, "banned")["files"]["kaspersky.yaml"]["data"]["vendor"]["name"] == "Kaspersky Edited"


def test_a_corrupt_snapshot_is_ignored_and_rewritten(playbooks: Path) -> None:
    target = shipped.snapshot_path(playbooks, "banned")
    target.parent.mkdir()
    target.write_text('{"format": 1, "files": {"kasp', encoding="utf-8")
    assert _catalogue(playbooks).vendor.name == "Kaspersky"
    assert _snapshot(playbooks, "banned")["format"] == shipped.FORMAT


def test_snapshot_data_of_the_wrong_shape_is_checked_and_repaired(playbooks: Path) -> None:
    # Same owner, same trust as the YAML: but data of the wrong shape must still end in a precise error.
    _catalogue(playbooks)
    path = shipped.snapshot_path(playbooks, "banned")
    snapshot = json.loads(path.read_text(encoding="utf-8"))
    del snapshot["files"]["kaspersky.yaml"]["data"]["vendor"]
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    shipped.forget()
    # The YAML itself is fine, so the validating reload succeeds and the catalogue is whole...
    assert _catalogue(playbooks).vendor.name == "Kaspersky"
    # ...and the snapshot is repaired, so the next start does not pay for full validation again.
    assert _snapshot(playbooks, "banned")["files"]["kaspersky.yaml"]["data"]["vendor"]["name"] == "Kaspersky"


def test_an_unwritable_snapshot_only_costs_a_parse(playbooks: Path) -> None:
    # A directory where the snapshot should be can be neither read nor replaced, like a read-only install
    # (a folder's permissions would not stop the root user the suite runs as in CI).
    (playbooks / shipped.SNAPSHOT_DIR).write_text("not a folder", encoding="utf-8")
    assert _catalogue(playbooks).vendor.name == "Kaspersky"
    assert len(shipped.load_shipped("replacements", replacements.from_data, root=playbooks)) >= 10
    assert (playbooks / shipped.SNAPSHOT_DIR).read_text(encoding="utf-8") == "not a folder"
    assert [p.name for p in playbooks.iterdir() if p.name.endswith(".tmp")] == []


def test_a_shipped_file_that_is_not_yaml_names_file_and_line(playbooks: Path) -> None:
    source = playbooks / "banned" / "kaspersky.yaml"
    source.write_text(source.read_text(encoding="utf-8") + "\nbroken: [unclosed\n", encoding="utf-8")
    with pytest.raises(InvalidPlaybook) as caught:
        _catalogue(playbooks)
    [problem] = caught.value.problems
    assert problem.path == source and problem.position.line > 1
    assert "kaspersky.yaml" not in _snapshot(playbooks, "banned")["files"]


def test_compile_refuses_a_broken_playbook(playbooks: Path) -> None:
    source = playbooks / "replacements" / "avira-free-security.yaml"
    source.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(InvalidPlaybook):
        shipped.compile_snapshots(playbooks)
