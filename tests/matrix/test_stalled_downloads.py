"""A download that stalls fails like one that drops: the same error kind (exit 22 in a migration), nothing
left half-written, and never a wait until the hour-long overall deadline.

The loopback server drips bytes in several shapes: fast enough to beat the socket's read timeout but
far under the stall rate, one byte per pause longer than the stall window, a stall after a good
start, and a resumable server that drips on every retry (so each attempt "progresses" by a byte).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from offramp.core.migrate.download import DownloadError, download
from tests.conftest import run_cli
from tests.matrix.tally import Tally
from tests.support import linux_fixtures as fx
from tests.support.http_server import Fault, HttpServer
from tests.support.playbook_fixtures import pinned_playbook

if TYPE_CHECKING:
    from tests.support.pkgbed import DpkgRoot
    from tests.support.pkgbed_fixtures import BuiltPackages

PAYLOAD = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(2000))  # 64 000 bytes
SHA = hashlib.sha256(PAYLOAD).hexdigest()
STALL = 0.3  # seconds: tiny, so the test stays quick; the default is 60

SHAPES = {
    "1 byte every 20 ms (under the stall rate, over the read timeout)": Fault(drip=(1, 0.02)),
    "1 byte per pause longer than the stall window": Fault(drip=(1, 0.5)),
    "2 bytes every 50 ms": Fault(drip=(2, 0.05)),
    "16 bytes every 100 ms, ranges honoured on every retry": Fault(drip=(16, 0.1)),
}


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def test_stalled_downloads_fail_like_dropped_ones(tmp_path: Path) -> None:
    tally = Tally("stalled downloads")
    with HttpServer() as server:
        for number, (label, fault) in enumerate(SHAPES.items()):
            url = server.add(f"/setup-{number}.bin", PAYLOAD, always=fault)
            dest = tmp_path / f"staging-{number}"
            try:
                download(
                    url,
                    dest,
                    sha256=SHA,
                    max_size=len(PAYLOAD),
                    expected_size=len(PAYLOAD),
                    allow_loopback_http=True,
                    attempts=3,
                    backoff=0.01,
                    stall_timeout=STALL,
                    total_timeout=None,  # only the stall rule may end it: no deadline to hide behind
                )
            except DownloadError as exc:
                left = sorted(p.name for p in dest.iterdir())
                tally.case(label, exc.kind == "network" and not left, f"kind {exc.kind}, left behind {left}")
            else:
                tally.case(label, False, "the download finished although the server only trickled")
    tally.report()


def test_a_good_transfer_is_not_a_stall(tmp_path: Path) -> None:
    with HttpServer() as server:
        url = server.add("/setup.bin", PAYLOAD, always=Fault(drip=(8192, 0.01)))
        path = download(
            url, tmp_path / "s", sha256=SHA, max_size=len(PAYLOAD), allow_loopback_http=True, stall_timeout=5
        )
    assert path.read_bytes() == PAYLOAD


def test_the_policy_sets_the_stall_window(tmp_path: Path) -> None:
    from offramp.core.data.policy import Policy, load_policy

    policy = tmp_path / "policy.yaml"
    policy.write_text("kind: policy\nschema_version: 1\ndownload:\n  stall_seconds: 15\n")
    assert load_policy(policy).download_stall_seconds == 15
    assert Policy().download_stall_seconds == 60


@pytest.mark.slow
def test_a_stalled_replacement_download_stops_the_migration_with_exit_22(
    dpkg_root: DpkgRoot, built_packages: BuiltPackages, tmp_path: Path, private_home: Path
) -> None:
    dpkg_root.install(built_packages.deb(fx.KESL))
    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    policy = tmp_path / "policy.yaml"
    policy.write_text("kind: policy\nschema_version: 1\ndata_rescue: assume-done\ndownload:\n  stall_seconds: 1\n")
    with HttpServer() as server:
        url = server.add("/offramp-test-av_1.0_all.deb", payload, always=Fault(drip=(1, 0.05)))
        playbook = pinned_playbook(tmp_path, "linux", url, payload)
        before = dpkg_root.installed()
        result = run_cli(
            "migrate", "--silent", "--root", str(dpkg_root.path), "--to", str(playbook), "--policy", str(policy),
            env={"OFFRAMP_ALLOW_LOOPBACK_HTTP": "1"},
        )  # fmt: skip
    assert result.returncode == 22, result.stdout + result.stderr
    assert "stalled" in result.stdout
    assert dpkg_root.installed() == before  # nothing was removed
    downloads = private_home / "cache" / "downloads"
    assert not downloads.exists() or list(downloads.iterdir()) == []
