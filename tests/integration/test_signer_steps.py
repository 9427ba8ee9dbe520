"""The stage and install steps with a pinned signer: real downloads over loopback, real Authenticode signatures.

What a Linux machine cannot do is run the Windows installer, so the back-end records the install call
instead; everything before it (download, hash, signer, the policy on re-published installers, the
re-check right before the install) is the real code.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from offramp.core.data.catalogue import load_catalogue
from offramp.core.data.policy import Policy
from offramp.core.migrate.context import Context, Options
from offramp.core.migrate.journal import Journal
from offramp.core.migrate.plan import Plan, Step
from offramp.core.migrate.statefile import MigrationState
from offramp.core.migrate.steps import act_install, act_stage
from offramp.core.platform.base import ActionResult
from offramp.core.platform.linux import LinuxBackend
from tests.support import authenticode
from tests.support.http_server import HttpServer

pytestmark = pytest.mark.skipif(bool(authenticode.missing_tools()), reason="needs openssl, osslsigncode, mingw-w64")
PIN = {"authenticode": {"subject": {"common_name": "Example Security Ltd"}}}


class RecordingBackend(LinuxBackend):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.installed: list[bytes | None] = []

    def install(self, params: dict[str, Any], staged: Path | None, timeout: float) -> ActionResult:
        # What runs is a private copy that is deleted afterwards: keep the bytes the installer was given.
        self.installed.append(staged.read_bytes() if staged is not None else None)
        return ActionResult(True, "installed")


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("signed-steps")
    ca = authenticode.TestCA.create(folder / "ca", "Offramp Test Root")
    plain = authenticode.build_pe(folder / "plain.exe")
    good = ca.issue("good", "/CN=Example Security Ltd")
    v1 = authenticode.sign(plain, folder / "v1.exe", good)
    # A re-published build: different bytes (another description), same publisher.
    v2 = authenticode.sign(plain, folder / "v2.exe", good, description="Offramp test installer 2")
    wrong = authenticode.sign(plain, folder / "wrong.exe", ca.issue("bad", "/CN=Someone Else Ltd"))
    return {"v1": v1.read_bytes(), "v2": v2.read_bytes(), "wrong": wrong.read_bytes(), "root": str(ca.root)}


def _run(tmp_path: Path, signed: dict[str, Any], served: str, *, accept: bool) -> tuple[Any, Any, RecordingBackend]:
    pinned_body = signed["v1"]
    with HttpServer() as server:
        url = server.add("/setup.exe", signed[served])
        params = {
            "replacement_id": "test-av",
            "method": "download",
            "url": url,
            "sha256": hashlib.sha256(pinned_body).hexdigest(),
            "size": len(signed[served]),
            "format": "exe",
            "signer": PIN,
        }
        stage = Step("stage.test-av", "stage", "Download", params=params)
        install = Step("install.test-av", "install", "Install", params=params)
        backend = RecordingBackend(tmp_path / "root")
        ctx = Context(
            plan=Plan("windows", "test-av", [stage, install]),
            catalogue=load_catalogue(catalogue_id="kaspersky"),
            replacement=None,
            policy=Policy(accept_new_hash_if_signed=accept),
            backend=backend,
            journal=Journal(tmp_path / "journal.jsonl"),
            state=MigrationState(support_code="TST-123", plan={}, options={}),
            options=Options(silent=True, allow_loopback_http=True, trust_roots=signed["root"]),
            downloads_dir=tmp_path / "downloads",
        )
        staged = act_stage(ctx, stage)
        installed = act_install(ctx, install) if staged.status == "done" else None
    return staged, installed, backend


@pytest.mark.parametrize(
    "served, accept, exit_code, runs",
    [
        ("v1", False, 0, True),  # the pinned file, signed by the pinned publisher
        ("v2", True, 0, True),  # re-published, same publisher, the policy accepts it
        ("v2", False, 23, False),  # re-published, the policy does not accept new hashes
        ("wrong", True, 32, False),  # a new hash, signed by someone else: the policy is no loophole
    ],
)
def test_the_signer_decides_what_runs(
    tmp_path: Path, signed: dict[str, Any], served: str, accept: bool, exit_code: int, runs: bool
) -> None:
    staged, installed, backend = _run(tmp_path, signed, served, accept=accept)
    assert staged.exit_code == exit_code, staged.message
    assert bool(backend.installed) is runs
    if runs:
        assert installed.status == "done"
        assert backend.installed[0] is not None
        assert backend.installed[0] == signed[served]
    else:
        assert not (tmp_path / "downloads" / "setup.exe").exists()
