"""Signed playbook updates against a real TUF repository on loopback HTTP, and the attacks TUF exists to stop.

Each attack is what a compromised or stale mirror can do; the update must refuse it and take nothing.
The class prints how many attacks it tried and how many were refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from offramp.core import paths
from offramp.core.data.updates import UpdateError, update
from tests.support import matrix
from tests.support.http_server import HttpServer
from tests.support.tufrepo import Repo

SHIPPED = paths.playbooks_dir() / "replacements" / "offramp-test-av.yaml"
NAME = "replacements/offramp-test-av.yaml"


def _playbook(verified_on: str, summary: str = "Updated test playbook") -> bytes:
    text = SHIPPED.read_text()
    text = re.sub(r'verified_on: "[0-9-]+"', f'verified_on: "{verified_on}"', text)
    text = re.sub(r"summary: .*", f"summary: {summary}", text, count=1)
    return text.encode()


NEWER = _playbook("2099-01-01")


def _run(repo: Repo, client: Path) -> list[str]:
    with HttpServer(directory=repo.folder) as server:
        return update(server.base_url, repo.trusted_root, client).taken


def test_a_newer_signed_playbook_is_taken(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.publish({NAME: NEWER})
    assert _run(repo, tmp_path / "client") == [NAME]
    assert (tmp_path / "client" / NAME).read_bytes() == NEWER


def test_an_update_never_goes_below_the_shipped_playbook(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.publish({NAME: _playbook("2000-01-01")})
    with HttpServer(directory=repo.folder) as server:
        result = update(server.base_url, repo.trusted_root, tmp_path / "client")
    assert result.taken == [] and "older than the shipped playbook" in result.skipped[0]
    assert not (tmp_path / "client" / NAME).exists()


def _rollback(repo: Repo, client: Path) -> None:
    repo.publish({NAME: NEWER})
    repo.publish({NAME: _playbook("2099-02-01")})
    _run(repo, client)  # the client has seen timestamp version 2
    repo.serve_old("timestamp")


def _freeze(repo: Repo, client: Path) -> None:
    repo.publish({NAME: NEWER})
    _run(repo, client)
    repo.resign_timestamp(expires_in_days=-1)  # the mirror keeps serving metadata past its expiry


def _mix_and_match(repo: Repo, client: Path) -> None:
    repo.publish({NAME: NEWER})
    repo.publish({NAME: _playbook("2099-02-01")})
    repo.serve_old("targets")  # validly signed, but not the version the snapshot vouches for


def _wrong_key(repo: Repo, client: Path) -> None:
    from securesystemslib.signer import CryptoSigner

    repo.publish({NAME: NEWER})
    repo.resign_timestamp(signer=CryptoSigner.generate_ed25519())


def _tampered_target(repo: Repo, client: Path) -> None:
    repo.publish({NAME: NEWER})
    (repo.targets_dir / NAME).write_bytes(NEWER.replace(b"Updated", b"Hostile"))


ATTACKS: dict[str, tuple[Callable[[Repo, Path], None], str, int]] = {
    "rollback": (_rollback, "BadVersionNumberError", 365),
    "freeze": (_freeze, "ExpiredMetadataError", 365),
    "mix-and-match": (_mix_and_match, "BadVersionNumberError", 365),
    "wrong key": (_wrong_key, "UnsignedMetadataError", 365),
    "expired root": (lambda repo, _client: repo.publish({NAME: NEWER}), "ExpiredMetadataError", -1),
    "tampered target": (_tampered_target, "LengthOrHashMismatchError", 365),
}


def test_every_attack_is_refused(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    failures = []
    for number, (name, (prepare, expected, root_days)) in enumerate(ATTACKS.items()):
        repo = Repo(tmp_path / f"repo{number}", root_expires_in_days=root_days)
        client = tmp_path / f"client{number}"
        prepare(repo, client)
        before = (client / NAME).read_bytes() if (client / NAME).exists() else None
        try:
            taken = _run(repo, client)
        except UpdateError as exc:
            if expected not in str(exc):
                failures.append(f"{name}: refused, but as {exc}")
        else:
            failures.append(f"{name}: accepted, took {taken}")
        after = (client / NAME).read_bytes() if (client / NAME).exists() else None
        if after != before:
            failures.append(f"{name}: the playbook changed")
    matrix.report(request.config, "tuf (attacks refused)", len(ATTACKS), failures)
    assert not failures


def test_the_command_takes_the_update_and_the_migration_uses_it(tmp_path: Path, private_home: Path) -> None:
    from offramp.core.data.replacements import find_replacement
    from tests.conftest import run_cli

    repo = Repo(tmp_path / "repo")
    repo.publish({NAME: NEWER})
    with HttpServer(directory=repo.folder) as server:
        args = ("playbooks", "update", "--repository", server.base_url, "--trusted-root", str(repo.trusted_root))
        done = run_cli(*args)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"updated: {NAME}" in done.stdout
        assert find_replacement("offramp-test-av").summary == "Updated test playbook"
        from offramp.core.migrate.report import provenance

        used = provenance(find_replacement("offramp-test-av"))
        assert (used["source"], used["verified_on"]) == ("signed update", "2099-01-01")
        from securesystemslib.signer import CryptoSigner

        repo.resign_timestamp(signer=CryptoSigner.generate_ed25519())
        refused = run_cli(*args)
    assert refused.returncode == 1 and "UnsignedMetadataError" in refused.stderr
    assert find_replacement("offramp-test-av").summary == "Updated test playbook"  # the refused update changed nothing
