"""The Python package as pip and pipx install it: built into a wheel and an sdist, installed into clean
environments, and run from there, never from the checkout.

`python -m build` makes the sdist and then the wheel *from that sdist*, so a file the sdist forgets is
missing from the wheel too, and these tests see it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.support import linux_fixtures as fx
from tests.support.pkgbed import DpkgRoot
from tests.support.pkgbed_fixtures import BuiltPackages

pytestmark = pytest.mark.slow

TIMEOUT_S = 900


@dataclass(frozen=True)
class Artifacts:
    wheel: Path
    sdist: Path


@dataclass(frozen=True)
class Installed:
    """An installed Offramp: its console programs and the environment to run them in."""

    bin: Path
    home: Path

    def run(self, *args: str, gui: bool = False) -> subprocess.CompletedProcess[str]:
        program = self.bin / ("offramp-gui" if gui else "offramp")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "OFFRAMP_HOME": str(self.home / "offramp"),
            "QT_QPA_PLATFORM": "offscreen",
            "LANG": "C.UTF-8",
        }
        # From a folder that holds no Offramp source, so nothing can be imported from the checkout.
        return subprocess.run(
            [str(program), *args],
            cwd=self.home,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=TIMEOUT_S,
        )


def _pip(python: Path, *args: str) -> None:
    proc = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=TIMEOUT_S,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Artifacts:
    tools = tmp_path_factory.mktemp("build-tool")
    venv.create(tools, with_pip=True)
    _pip(tools / "bin" / "python", "build")
    out = tmp_path_factory.mktemp("artifacts")
    # A copy of the tracked files, so the build sees exactly what a clone has (no venv, no caches).
    source = tmp_path_factory.mktemp("source") / "offramp"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    proc = subprocess.run(
        [str(tools / "bin" / "python"), "-m", "build", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=TIMEOUT_S,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    # setuptools announces what a project must change before a release removes it: none may be due.
    assert "deprecat" not in (proc.stdout + proc.stderr).lower(), proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = out.glob("offramp-*.whl")
    (sdist,) = out.glob("offramp-*.tar.gz")
    return Artifacts(wheel, sdist)


@pytest.fixture(scope="session")
def from_wheel(artifacts: Artifacts, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    env = tmp_path_factory.mktemp("wheel-venv")
    venv.create(env, with_pip=True)
    _pip(env / "bin" / "python", str(artifacts.wheel))
    return Installed(env / "bin", tmp_path_factory.mktemp("wheel-home"))


@pytest.fixture(scope="session")
def from_pipx(artifacts: Artifacts, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tools = tmp_path_factory.mktemp("pipx-tool")
    venv.create(tools, with_pip=True)
    _pip(tools / "bin" / "python", "pipx")
    home = tmp_path_factory.mktemp("pipx-home")
    env = {**os.environ, "PIPX_HOME": str(home / "pipx"), "PIPX_BIN_DIR": str(home / "bin")}
    proc = subprocess.run(
        [str(tools / "bin" / "pipx"), "install", str(artifacts.sdist)],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=TIMEOUT_S,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return Installed(home / "bin", home)


def test_the_wheel_holds_the_shipped_data_and_one_package_of_ours(artifacts: Artifacts) -> None:
    names = zipfile.ZipFile(artifacts.wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.startswith("offramp-")}
    assert tops == {"offramp"}
    for needed in (
        "offramp/playbooks/banned/kaspersky.yaml",
        "offramp/playbooks/schema/catalogue.schema.json",
        "offramp/playbooks/compiled/banned.json",
        "offramp/playbooks/compiled/replacements.json",
        "offramp/resources/style.qss",
        "offramp/resources/icons/offramp.svg",
    ):
        assert needed in names, needed
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)


@pytest.mark.parametrize("channel", ["from_wheel", "from_pipx"])
def test_an_installed_offramp_scans_a_root_and_lists_its_playbooks(
    channel: str, request: pytest.FixtureRequest, dpkg_root: DpkgRoot, built_packages: BuiltPackages
) -> None:
    installed: Installed = request.getfixturevalue(channel)
    assert dpkg_root.install(built_packages.deb(fx.KESL)).returncode == 0

    scan = installed.run("scan", "--json", "--root", str(dpkg_root.path))
    assert scan.returncode == 1, scan.stderr
    found = json.loads(scan.stdout)
    assert found["installed"], found

    listed = installed.run("playbooks", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) > 1

    smoke = installed.run("--smoke-test", gui=True)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert "Traceback" not in smoke.stderr


def test_an_install_missing_its_playbooks_says_so_instead_of_reporting_clean(
    artifacts: Artifacts, tmp_path: Path
) -> None:
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    _pip(env / "bin" / "python", str(artifacts.wheel))
    site = Path(
        subprocess.run(
            [
                str(env / "bin" / "python"),
                "-c",
                "import offramp, pathlib; print(pathlib.Path(offramp.__file__).parent)",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    for folder in ("banned", "replacements"):
        shutil.rmtree(site / "playbooks" / folder)
        (site / "playbooks" / folder).mkdir()
    installed = Installed(env / "bin", tmp_path)
    for args in (("scan",), ("timeline",), ("playbooks", "list")):
        proc = installed.run(*args)
        assert proc.returncode == 70, (args, proc.stdout, proc.stderr)
        assert "reinstall Offramp" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
