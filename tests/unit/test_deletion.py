"""The one deletion function: links are removed as names and never followed out, `..` and unnamed paths are
refused, other users' files survive, and what was removed is reported with its type and size."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from offramp.core.platform import deletion
from tests.support import winacl_standin

ANYTHING = lambda _path: True  # noqa: E731 - these tests are about the other rules


def _tree(base: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    _tree(root, {"opt/vendor/product/bin/tool": "tool", "opt/vendor/product/data/db": "x" * 100})
    return root


def test_a_named_folder_goes_with_all_it_holds(root: Path) -> None:
    result = deletion.delete(root, "/opt/vendor/product", named=ANYTHING)
    assert result.ok and not (root / "opt/vendor/product").exists()
    assert (root / "opt/vendor").is_dir()
    assert (result.type, result.size, result.removed) == ("directory", 104, 5)
    assert result.record()["path"] == "/opt/vendor/product"


def test_nothing_is_touched_unless_the_caller_names_it(root: Path) -> None:
    result = deletion.delete(root, "/opt/vendor/product", named=lambda path: path == "/opt/other")
    assert not result.ok and "not a path the catalogue names" in result.kept[0][1]
    assert (root / "opt/vendor/product/bin/tool").exists()


@pytest.mark.parametrize("path", ["/", "/opt/../etc", "opt/vendor", "/opt/./vendor"])
def test_paths_that_are_not_plain_and_absolute_are_refused(root: Path, path: str) -> None:
    assert not deletion.delete(root, path, named=ANYTHING).ok
    assert (root / "opt/vendor/product/bin/tool").exists()


def test_a_linked_target_is_unlinked_and_its_target_kept(root: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    _tree(shared, {"user.txt": "mine"})
    (root / "opt/vendor/linked").symlink_to(shared)
    result = deletion.delete(root, "/opt/vendor/linked", named=ANYTHING)
    assert result.ok and result.type == "symlink"
    assert not (root / "opt/vendor/linked").is_symlink()
    assert (shared / "user.txt").read_text() == "mine"


def test_links_inside_the_tree_are_removed_as_names(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _tree(outside, {"keep/user.txt": "mine", "file.txt": "mine"})
    (root / "opt/vendor/product/dirlink").symlink_to(outside / "keep")
    (root / "opt/vendor/product/filelink").symlink_to(outside / "file.txt")
    assert deletion.delete(root, "/opt/vendor/product", named=ANYTHING).ok
    assert (outside / "keep/user.txt").exists() and (outside / "file.txt").exists()


@pytest.mark.parametrize("target", ["absolute", "relative-up"])
def test_a_link_on_the_way_that_could_lead_out_is_not_followed(root: Path, tmp_path: Path, target: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    _tree(elsewhere, {"vendor/product/bin/tool": "not the root's"})
    (root / "var").mkdir()
    (root / "var/opt").symlink_to(elsewhere if target == "absolute" else Path("../../elsewhere"))
    result = deletion.delete(root, "/var/opt/vendor/product", named=ANYTHING)
    assert not result.ok and "not followed" in result.kept[0][1]
    assert (elsewhere / "vendor/product/bin/tool").exists()


def test_a_system_link_that_points_down_is_resolved_inside_the_root(root: Path) -> None:
    # A merged /usr: /lib -> usr/lib, and macOS's /var -> private/var.
    _tree(root, {"usr/lib/systemd/system/product.service": "[Unit]\n"})
    (root / "lib").symlink_to("usr/lib")
    assert deletion.delete(root, "/lib/systemd/system/product.service", named=ANYTHING).ok
    assert not (root / "usr/lib/systemd/system/product.service").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_another_users_file_survives_with_its_folders(root: Path) -> None:
    mine = root / "opt/vendor/product/data/notes.txt"
    mine.write_text("a user's notes")
    os.chown(mine, 4321, 4321)
    result = deletion.delete(root, "/opt/vendor/product", named=ANYTHING)
    assert not result.ok
    assert result.kept == [
        ("/opt/vendor/product/data/notes.txt", "it belongs to user 4321, not to the system or the product")
    ]
    assert mine.read_text() == "a user's notes"
    assert not (root / "opt/vendor/product/bin").exists() and not (root / "opt/vendor/product/data/db").exists()


def test_mountinfo_escapes_are_read() -> None:
    assert deletion._unescape(r"/mnt/with\040space\011tab") == "/mnt/with space\ttab"


def test_the_by_path_walker_for_windows_keeps_to_the_same_rules(root: Path, tmp_path: Path) -> None:
    # Windows has no dir_fd; its walker runs here on the same kinds of trees (links stand in for junctions).
    outside = tmp_path / "outside"
    _tree(outside, {"user.txt": "mine"})
    (root / "opt/vendor/product/junction").symlink_to(outside)
    result = deletion.Deletion(str(root / "opt/vendor/product"))
    deletion._delete_by_path(root / "opt/vendor/product", result, winacl_standin.owner_of)
    assert result.ok and not (root / "opt/vendor/product").exists()
    assert (outside / "user.txt").exists()
    (root / "opt/link").symlink_to(outside)
    through = deletion.Deletion(str(root / "opt/link/user.txt"))
    deletion._delete_by_path(root / "opt/link/user.txt", through, winacl_standin.owner_of)
    assert not through.ok and (outside / "user.txt").exists()


def test_a_root_that_is_not_there_is_reported_not_raised(tmp_path: Path) -> None:
    result = deletion.delete(tmp_path / "missing", "/opt/vendor", named=ANYTHING)
    assert not result.ok and result.kept[0][1]


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_the_windows_walker_keeps_a_users_file_and_the_folders_holding_it(root: Path) -> None:
    mine = root / "opt/vendor/product/data/notes.txt"
    mine.write_text("a user's notes")
    os.chown(mine, 4321, 4321)
    result = deletion.Deletion(str(root / "opt/vendor/product"))
    deletion._delete_by_path(root / "opt/vendor/product", result, winacl_standin.owner_of)
    user = f"{winacl_standin.USER_DOMAIN}-4321"
    assert result.kept == [(str(mine), f"it belongs to {user}, not to the system or the product")]
    assert mine.read_text() == "a user's notes" and (root / "opt/vendor/product/data").is_dir()
    assert not (root / "opt/vendor/product/bin").exists() and not (root / "opt/vendor/product/data/db").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_the_windows_walker_trusts_the_targets_own_service_account_only(root: Path) -> None:
    product = root / "opt/vendor/product"
    for path in (product, *product.rglob("*")):
        os.chown(path, 123, 123)  # a service's own account (NT SERVICE\<name> on Windows)
    stranger = root / "opt/vendor/other"
    _tree(stranger, {"f": "x"})
    os.chown(stranger / "f", 124, 124)  # another service's file
    owned = deletion.Deletion(str(product))
    deletion._delete_by_path(product, owned, winacl_standin.owner_of)
    assert owned.ok and not product.exists()
    other = deletion.Deletion(str(stranger))
    deletion._delete_by_path(stranger, other, winacl_standin.owner_of)
    assert other.kept == [(str(stranger / "f"), "it belongs to S-1-5-80-124, not to the system or the product")]
