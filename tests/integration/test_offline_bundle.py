"""Offline bundles end to end: made over loopback HTTP, then used by a migration that has no network at all.

The migration runs inside a network namespace without interfaces (``unshare -rn``): any connection it
tried would fail, so a successful migration there shows it used only what the bundle holds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import REPO, run_cli
from tests.support import linux_fixtures as fx
from tests.support.http_server import HttpServer
from tests.support.pkgbed import DpkgRoot
from tests.support.playbook_fixtures import pinned_playbook

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

LOOPBACK = {"OFFRAMP_ALLOW_LOOPBACK_HTTP": "1"}


def _no_network_available() -> bool:
    if shutil.which("unshare") is None:
        return True
    return subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False).returncode != 0


needs_netns = pytest.mark.skipif(_no_network_available(), reason="needs unshare -rn (a user network namespace)")


def _no_network(*argv: str) -> subprocess.CompletedProcess[str]:
    """ARGV in a network namespace with no interface up, not even loopback."""
    return subprocess.run(
        ["unshare", "-rn", *argv],
        cwd=REPO,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture
def bundle(tmp_path: Path, built_packages: BuiltPackages) -> tuple[Path, HttpServer]:
    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    with HttpServer() as server:
        url = server.add("/offramp-test-av_1.0_all.deb", payload)
        playbook = pinned_playbook(tmp_path, "linux", url, payload)
        out = tmp_path / "bundle"
        made = run_cli("bundle", "create", "--to", str(playbook), "--os", "linux", "--output", str(out), env=LOOPBACK)
        assert made.returncode == 0, made.stdout + made.stderr
        assert len(server.requests) == 1
    return out, server


def test_the_bundle_holds_the_playbook_and_the_verified_installer(bundle: tuple[Path, HttpServer]) -> None:
    out, _server = bundle
    manifest = json.loads((out / "offramp-bundle.json").read_text())
    assert manifest["platform"] == "linux"
    [entry] = manifest["playbooks"]
    assert entry["id"] == "offramp-test-av"
    assert (out / entry["installer"]).is_file() and (out / entry["playbook"]).is_file()
    import hashlib

    assert hashlib.sha256((out / entry["installer"]).read_bytes()).hexdigest() == entry["installer_sha256"]


@needs_netns
def test_an_offline_migration_uses_only_the_bundle(
    bundle: tuple[Path, HttpServer], dpkg_root: DpkgRoot, built_packages: BuiltPackages, tmp_path: Path
) -> None:
    dpkg_root.install(*(built_packages.deb(s) for s in (fx.KESL, fx.KESL_GUI, fx.KLNAGENT64)))
    out, _server = bundle
    probe = _no_network(sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9), 2)")
    assert probe.returncode != 0 and "unreachable" in probe.stderr.lower()  # the namespace really has no network
    report = tmp_path / "report.json"
    result = _no_network(
        sys.executable,
        "-m",
        "offramp",
        "migrate",
        "--silent",
        "--offline",
        str(out),
        "--root",
        str(dpkg_root.path),
        "--report",
        str(report),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    installed = dpkg_root.installed()
    assert "offramp-test-av" in installed and not {"kesl", "kesl-gui", "klnagent64"} & set(installed)
    data = json.loads(report.read_text())
    stage = next(s for s in data["steps"] if s["id"].startswith("stage."))
    assert "offline bundle" in stage["message"]
    assert data["playbook"]["id"] == "offramp-test-av" and data["playbook"]["path"].startswith(str(out))
    assert "Playbook: offramp-test-av, verified " in result.stdout and "(offline bundle)" in result.stdout
    assert data["playbook"]["source"] == "offline bundle"


@pytest.mark.parametrize("damage", ["installer", "playbook"])
def test_a_changed_bundle_is_refused_before_anything_is_removed(
    damage: str, bundle: tuple[Path, HttpServer], dpkg_root: DpkgRoot, built_packages: BuiltPackages
) -> None:
    dpkg_root.install(*(built_packages.deb(s) for s in (fx.KESL, fx.KLNAGENT64)))
    out, _server = bundle
    [entry] = json.loads((out / "offramp-bundle.json").read_text())["playbooks"]
    target = out / entry[damage]
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit
    target.write_bytes(bytes(data))
    before = dpkg_root.installed()
    result = run_cli("migrate", "--silent", "--offline", str(out), "--root", str(dpkg_root.path))
    assert result.returncode == 23, result.stdout + result.stderr
    assert "does not match its SHA-256" in result.stderr
    assert dpkg_root.installed() == before


def test_a_folder_that_is_not_a_bundle_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("migrate", "--silent", "--offline", str(tmp_path))
    assert result.returncode == 2 and "not an Offramp bundle" in result.stderr


def test_a_bundle_refuses_an_installer_its_pinned_signer_did_not_sign(
    tmp_path: Path, built_packages: BuiltPackages
) -> None:
    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    with HttpServer() as server:
        url = server.add("/offramp-test-av_1.0_all.deb", payload)
        playbook = pinned_playbook(tmp_path, "linux", url, payload)
        text = playbook.read_text().replace(
            "\n      silent:",
            '\n      signer: {authenticode: {subject: {common_name: "Example Ltd"}}}\n      silent:',
            1,
        )
        playbook.write_text(text)
        out = tmp_path / "bundle"
        made = run_cli("bundle", "create", "--to", str(playbook), "--os", "linux", "--output", str(out), env=LOOPBACK)
    assert made.returncode == 32, made.stdout + made.stderr
    assert "no Authenticode signature" in made.stderr
    assert not (out / "offramp-bundle.json").exists() and list((out / "installers").iterdir()) == []


def test_staging_copies_no_more_than_the_playbook_says_and_leaves_no_part_file(
    bundle: tuple[Path, HttpServer], tmp_path: Path
) -> None:
    from offramp.core.migrate.bundle import BundleError, stage_from

    out, _server = bundle
    dest = tmp_path / "staged" / "offramp-test-av_1.0_all.deb"
    with pytest.raises(BundleError, match="larger than its playbook says"):
        stage_from(out, "offramp-test-av", dest, max_size=100)
    assert not dest.parent.exists() or sorted(p.name for p in dest.parent.iterdir()) == []
    assert stage_from(out, "offramp-test-av", dest).stat().st_mode & 0o777 == 0o600


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_swapped_in_for_the_bundles_installer_is_refused_without_waiting_on_it(
    bundle: tuple[Path, HttpServer], tmp_path: Path
) -> None:
    from offramp.core.migrate.bundle import BundleError, stage_from

    out, _server = bundle
    [entry] = json.loads((out / "offramp-bundle.json").read_text())["playbooks"]
    (out / entry["installer"]).unlink()
    os.mkfifo(out / entry["installer"])  # nobody writes to it: a reader that opened it would wait for ever
    with pytest.raises(BundleError, match="not a plain file"):
        stage_from(out, "offramp-test-av", tmp_path / "staged" / "x.deb")


# --- a bundle in a folder its carrier controls, read by root: links, pipes and sizes of their choosing --------
def _sparse(path: Path, size: int) -> None:
    """A file of `size` bytes that takes no disk space: what a user makes in an instant to keep root reading."""
    path.unlink(missing_ok=True)
    with path.open("wb") as handle:
        handle.truncate(size)


@pytest.mark.parametrize("planted", ["link", "pipe", "huge"])
def test_a_manifest_that_is_a_link_a_pipe_or_huge_is_refused_without_being_followed_waited_on_or_read(
    planted: str, bundle: tuple[Path, HttpServer], tmp_path: Path
) -> None:
    from offramp.core.migrate.bundle import MAX_MANIFEST, BundleError, stage_from

    out, _server = bundle
    manifest = out / "offramp-bundle.json"
    if planted == "link":
        # A link to a manifest elsewhere, or to /dev/zero (root would read it until its memory runs out).
        elsewhere = tmp_path / "elsewhere.json"
        manifest.rename(elsewhere)
        manifest.symlink_to(elsewhere)
    elif planted == "pipe":
        manifest.unlink()
        os.mkfifo(manifest)  # nobody writes to it: a reader that opened it would wait for ever
    else:
        _sparse(manifest, MAX_MANIFEST + 1)
    with pytest.raises(BundleError) as caught:
        stage_from(out, "offramp-test-av", tmp_path / "staged" / "x.deb")
    said = str(caught.value)
    assert "larger than any bundle manifest" in said if planted == "huge" else "not a plain file" in said, said
    assert not (tmp_path / "staged" / "x.deb").exists()


@pytest.mark.parametrize("swapped", ["installer", "playbook"])
def test_a_bundle_file_larger_than_it_can_be_is_not_read_to_its_end(
    swapped: str, bundle: tuple[Path, HttpServer], tmp_path: Path
) -> None:
    # Checking the manifest's hash would read a sparse file of a terabyte for hours, as root, with no way to
    # stop it: a file past its playbook's size (an installer) or any playbook's (a playbook) is refused first.
    from offramp.core.migrate.bundle import MAX_PLAYBOOK, BundleError, stage_from

    out, _server = bundle
    [entry] = json.loads((out / "offramp-bundle.json").read_text())["playbooks"]
    size = (out / entry["installer"]).stat().st_size
    _sparse(out / entry[swapped], (size if swapped == "installer" else MAX_PLAYBOOK) + 1)
    with pytest.raises(BundleError, match="larger than"):
        stage_from(out, "offramp-test-av", tmp_path / "staged" / "x.deb", max_size=size)


def test_staging_reads_only_the_entry_it_stages(bundle: tuple[Path, HttpServer], tmp_path: Path) -> None:
    # The manifest may name any number of other files (each as large as a file can be): none is root's concern.
    out, _server = bundle
    manifest = json.loads((out / "offramp-bundle.json").read_text())
    _sparse(out / "installers" / "other.bin", 64 * 1024 * 1024)
    other = {"id": "other-av", "playbook": manifest["playbooks"][0]["playbook"], "playbook_sha256": "0" * 64}
    other |= {"installer": "installers/other.bin", "installer_sha256": "0" * 64}
    manifest["playbooks"] = [other, *manifest["playbooks"], other]
    (out / "offramp-bundle.json").write_text(json.dumps(manifest))
    from offramp.core.migrate.bundle import stage_from

    staged = stage_from(out, "offramp-test-av", tmp_path / "staged" / "x.deb")
    assert staged.read_bytes() == (out / manifest["playbooks"][1]["installer"]).read_bytes()


def test_a_folder_link_inside_the_bundle_is_not_followed(bundle: tuple[Path, HttpServer], tmp_path: Path) -> None:
    # Its carrier can link installers/ to a folder only root may read: root would read the files there and
    # say whether each exists and matches a SHA-256 the carrier wrote into the manifest.
    from offramp.core.migrate.bundle import BundleError, stage_from

    out, _server = bundle
    (out / "installers").rename(tmp_path / "root-only")
    (out / "installers").symlink_to(tmp_path / "root-only")
    with pytest.raises(BundleError, match="not a plain file"):
        stage_from(out, "offramp-test-av", tmp_path / "staged" / "x.deb")
    assert not (tmp_path / "staged" / "x.deb").exists()
