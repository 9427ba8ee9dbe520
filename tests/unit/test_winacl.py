"""Who may own or change a folder an elevated Offramp keeps its records in on Windows: the judgement, and the
walk from %ProgramData%\\Offramp down that makes missing folders and refuses the rest, with POSIX stand-ins
for the live calls (the real Windows API runs in tests/integration/test_wine_acl.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from offramp.core import paths, winacl
from offramp.core.winacl import Ace, Security
from tests.support import winacl_standin

FA = 0x1F01FF
EVERYONE, USERS, CREATOR_OWNER = "S-1-1-0", "S-1-5-32-545", "S-1-3-0"
ADMINS_ONLY = (Ace(0, 3, FA, winacl.SYSTEM), Ace(0, 3, FA, winacl.ADMINISTRATORS))


def test_the_system_owning_it_and_alone_changing_it_passes() -> None:
    assert winacl.problems(Security(winacl.ADMINISTRATORS, ADMINS_ONLY)) == []
    read_only_users = (*ADMINS_ONLY, Ace(0, 3, 0x1200A9, USERS))
    assert winacl.problems(Security(winacl.TRUSTED_INSTALLER, read_only_users)) == []


def test_a_denial_never_counts_as_a_right() -> None:
    assert winacl.problems(Security(winacl.SYSTEM, (Ace(1, 3, FA, EVERYONE), *ADMINS_ONLY))) == []


@pytest.mark.parametrize(
    ("security", "words"),
    [
        (Security("S-1-5-21-1-2-3-1001", ADMINS_ONLY), "its owner is S-1-5-21-1-2-3-1001"),
        (Security(None, ADMINS_ONLY), "its owner is no one"),
        (Security(winacl.SYSTEM, None), "no access list"),
        (Security(winacl.SYSTEM, (*ADMINS_ONLY, Ace(0, 3, 0x1301BF, EVERYONE))), "Everyone (S-1-1-0) write"),
        (Security(winacl.SYSTEM, (*ADMINS_ONLY, Ace(0, 2, 0x116, USERS))), "lets Users (S-1-5-32-545) write"),
        (Security(winacl.SYSTEM, (Ace(0, 0xB, 0x10000000, CREATOR_OWNER),)), "full control (for what is made"),
        (Security(winacl.SYSTEM, (Ace(0, 0, 0x40000, USERS),)), "change its permissions"),
        (Security(winacl.SYSTEM, (Ace(0, 0, 0x80000, USERS),)), "take ownership"),
        (Security(winacl.SYSTEM, (Ace(0, 0, 0x10000, USERS),)), "Users (S-1-5-32-545) delete"),
        (Security(winacl.SYSTEM, (Ace(0x11, 0, 1, USERS),)), "of a kind Offramp does not judge"),
    ],
)
def test_anyone_else_owning_or_changing_it_is_named(security: Security, words: str) -> None:
    found = winacl.problems(security)
    assert found and words in "; ".join(found), found


def test_the_volume_roots_owner_is_trusted_like_the_system() -> None:
    user = "S-1-5-21-0-0-0-1000"
    security = Security(user, (Ace(0, 3, FA, winacl.SYSTEM), Ace(0, 3, FA, user)))
    assert winacl.problems(security) and winacl.problems(security, winacl.trusted_with(user)) == []


# --- the walk from %ProgramData%\Offramp down, with the POSIX stand-ins -----------------------------------
def _walk(base: Path, path: Path) -> None:
    paths._windows_private_tree(base, path, winacl_standin.describe, winacl_standin.make_dir)


@pytest.fixture
def base(tmp_path: Path) -> Path:
    os.chmod(tmp_path, 0o755)
    return tmp_path / "Offramp"


def test_missing_folders_are_made_and_accepted_on_the_next_run(base: Path) -> None:
    _walk(base, base / "state")
    assert (base / "state").is_dir()
    _walk(base, base / "state")
    _walk(base, base / "cache" / "run")


def test_a_folder_others_may_change_is_refused_and_nothing_is_made_in_it(base: Path) -> None:
    base.mkdir()
    os.chmod(base, 0o777)
    with pytest.raises(paths.UntrustedFolder, match=r"lets Everyone \(S-1-1-0\) write"):
        _walk(base, base / "state")
    assert list(base.iterdir()) == []


def test_a_sub_folder_others_may_change_is_refused(base: Path) -> None:
    _walk(base, base / "cache")
    os.chmod(base / "cache", 0o770)
    with pytest.raises(paths.UntrustedFolder, match=r"cache is not safe.*Users \(S-1-5-32-545\) write"):
        _walk(base, base / "cache" / "downloads")
    assert not (base / "cache" / "downloads").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_a_folder_another_user_made_is_refused(base: Path) -> None:
    base.mkdir(0o700)
    os.chown(base, 4321, 4321)
    with pytest.raises(paths.UntrustedFolder, match=f"its owner is {winacl_standin.USER_DOMAIN}-4321"):
        _walk(base, base / "logs")
    assert list(base.iterdir()) == []


@pytest.mark.parametrize("where", ["Offramp", "Offramp/state"])
def test_a_link_or_junction_at_one_of_the_names_is_refused(base: Path, tmp_path: Path, where: str) -> None:
    # A symbolic link stands in for a junction: both are reparse points, and Wine 8 cannot make either.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(0o700)
    if where != "Offramp":
        _walk(base, base)
    (tmp_path / where).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(paths.UntrustedFolder, match="is a link or junction"):
        _walk(base, base / "state" / "run")
    assert list(elsewhere.iterdir()) == []


def test_a_file_at_a_folders_name_is_refused(base: Path) -> None:
    _walk(base, base)
    (base / "logs").write_text("planted")
    with pytest.raises(paths.UntrustedFolder, match="is not a folder"):
        _walk(base, base / "logs")
