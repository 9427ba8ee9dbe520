"""A pinned signer in a real migration: the download is refused before anything is removed or run.

The refusals go through the whole silent CLI on a private dpkg root; the acceptance of a re-published
installer (new hash, pinned signer) goes through the real download over loopback HTTP with real
Authenticode signatures, since a signed Windows executable cannot also be a .deb that dpkg installs.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from offramp.core.migrate.download import download
from offramp.core.migrate.signer import SignerError, Trust, check_signer
from tests.conftest import run_cli
from tests.support import authenticode
from tests.support import linux_fixtures as fx
from tests.support.http_server import HttpServer
from tests.support.pkgbed import DpkgRoot
from tests.support.playbook_fixtures import pinned_playbook

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

LOOPBACK = {"OFFRAMP_ALLOW_LOOPBACK_HTTP": "1"}
PIN = {"authenticode": {"subject": {"common_name": "Example Security Ltd"}}}
PIN_YAML = '      signer:\n        authenticode:\n          subject: {common_name: "Example Security Ltd"}\n'


def _with_signer(playbook: Path) -> Path:
    text = playbook.read_text()
    # The linux download block is the one pinned_playbook pointed at 127.0.0.1; add the pin after its size.
    patched, count = re.subn(
        r"(url: http://127\.0\.0\.1[^\n]*\n(?:      [^\n]*\n)*?      size: \d+\n)",
        r"\1" + PIN_YAML.replace("\\", "\\\\"),
        text,
    )
    assert count == 1
    playbook.write_text(patched)
    return playbook


@pytest.mark.parametrize(
    "case, expected",
    [("hash matches, unsigned", 32), ("new hash, policy accepts signed", 32), ("new hash, policy default", 23)],
)
def test_a_pinned_signer_refuses_before_anything_is_removed(
    case: str, expected: int, dpkg_root: DpkgRoot, built_packages: BuiltPackages, tmp_path: Path, private_home: Path
) -> None:
    dpkg_root.install(*(built_packages.deb(s) for s in (fx.KESL, fx.KLNAGENT64)))
    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    policy = tmp_path / "policy.yaml"
    accept = "true" if case == "new hash, policy accepts signed" else "false"
    policy.write_text(f"kind: policy\nschema_version: 1\ninstallers: {{accept_new_hash_if_signed: {accept}}}\n")
    report = tmp_path / "report.json"
    with HttpServer() as server:
        url = server.add("/offramp-test-av_1.0_all.deb", payload)
        stale = None if case.startswith("hash matches") else "ab" * 32  # the vendor re-published the file
        playbook = _with_signer(pinned_playbook(tmp_path, "linux", url, payload, sha256=stale))
        before = dpkg_root.installed()
        result = run_cli(
            "migrate", "--silent", "--root", str(dpkg_root.path), "--to", str(playbook),
            "--policy", str(policy), "--report", str(report), env=LOOPBACK,
        )  # fmt: skip
    assert result.returncode == expected, result.stdout + result.stderr
    # nothing removed, nothing installed; on a failure, what dpkg and the report say, to tell the two apart
    steps = [(s["id"], s["status"]) for s in json.loads(report.read_text())["steps"]] if report.exists() else None
    assert dpkg_root.installed() == before, (dpkg_root.states(), steps, result.stdout)
    downloads = private_home / "cache" / "downloads"
    assert not downloads.exists() or list(downloads.iterdir()) == []
    if expected == 32:
        assert "was refused" in result.stdout and "exit 32" in result.stdout
        stage = next(s for s in json.loads(report.read_text())["steps"] if s["id"].startswith("stage."))
        assert stage["status"] == "failed"
        assert "Example Security Ltd" in stage["message"] and "no Authenticode signature" in stage["message"]


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    if authenticode.missing_tools():
        pytest.skip("needs openssl, osslsigncode, mingw-w64")
    folder = tmp_path_factory.mktemp("republished")
    ca = authenticode.TestCA.create(folder / "ca", "Offramp Test Root")
    plain = authenticode.build_pe(folder / "plain.exe")
    right = authenticode.sign(plain, folder / "right.exe", ca.issue("good", "/CN=Example Security Ltd"))
    wrong = authenticode.sign(plain, folder / "wrong.exe", ca.issue("bad", "/CN=Someone Else Ltd"))
    return {"right": right.read_bytes(), "wrong": wrong.read_bytes(), "trust": Trust(roots=ca.root)}


class TestRepublished:
    """The vendor re-publishes its installer under the same URL: a new hash, signed by the same publisher."""

    @pytest.mark.parametrize("served, kept", [("right", True), ("wrong", False)])
    def test_a_new_hash_is_kept_only_when_the_pinned_signer_signed_it(
        self, served: str, kept: bool, signed: dict[str, object], tmp_path: Path
    ) -> None:
        body = signed[served]
        assert isinstance(body, bytes)
        trust = signed["trust"]
        assert isinstance(trust, Trust)
        with HttpServer() as server:
            url = server.add("/setup.exe", body)
            call = lambda: download(  # noqa: E731
                url, tmp_path, sha256="ab" * 32, max_size=10**6, filename="setup.exe", allow_loopback_http=True,
                vouch=lambda path: check_signer(path, PIN, trust=trust),
            )  # fmt: skip
            if kept:
                path = call()
                assert hashlib.sha256(path.read_bytes()).hexdigest() == hashlib.sha256(body).hexdigest()
            else:
                with pytest.raises(SignerError) as caught:
                    call()
                assert caught.value.kind == "wrong-signer"
        assert sorted(p.name for p in tmp_path.iterdir()) == (["setup.exe"] if kept else [])
