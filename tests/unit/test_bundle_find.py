"""Finding the offline bundle a program was started in: real folders, nearest first, planted manifests passed over."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from offramp.core.migrate.bundlefind import MANIFEST, find_bundle

posix = pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")


def bundle_at(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text("{}")
    return folder


def test_a_program_or_working_folder_inside_a_bundle_finds_it(tmp_path: Path) -> None:
    outer = bundle_at(tmp_path / "usb" / "bundle")
    program = outer / "Offramp" / "offramp-gui"
    program.parent.mkdir()
    program.write_text("")
    assert find_bundle([program]) == outer
    assert find_bundle([tmp_path / "elsewhere", outer / "Offramp"]) == outer  # a start that is gone is passed over
    assert find_bundle([tmp_path]) is None  # the folder above a bundle is not in it


def test_the_nearest_bundle_wins(tmp_path: Path) -> None:
    bundle_at(tmp_path / "a")
    inner = bundle_at(tmp_path / "a" / "b")
    (inner / "installers").mkdir()
    assert find_bundle([inner / "installers"]) == inner


@posix
def test_a_manifest_anyone_could_have_written_is_passed_over(tmp_path: Path) -> None:
    shared = bundle_at(tmp_path / "shared")
    start = shared / "mine"
    start.mkdir()
    os.chmod(shared, 0o777)
    assert find_bundle([start]) is None
    os.chmod(shared, 0o755)
    os.chmod(shared / MANIFEST, 0o666)
    assert find_bundle([start]) is None
    os.chmod(shared / MANIFEST, 0o644)
    assert find_bundle([start]) == shared


@posix
def test_a_link_at_the_manifest_name_is_no_bundle(tmp_path: Path) -> None:
    real = bundle_at(tmp_path / "real")
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / MANIFEST).symlink_to(real / MANIFEST)
    assert find_bundle([fake]) is None
