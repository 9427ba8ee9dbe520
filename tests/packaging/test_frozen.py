"""The frozen build: packaging/build.py (what `make dist` runs) once per session, then the programs it made.

The slow tests run the very checks CI runs on Windows and macOS (packaging/smoke.py), look at what the bundle
holds and leaves out, and install the .deb into a private dpkg root.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO
from tests.support.pkgbed import DpkgRoot
from tests.support.pkgbed_fixtures import require_tools

PACKAGING = REPO / "packaging"
BUILD_TIMEOUT_S = 1200


def packaging_module(name: str) -> ModuleType:
    """A script from packaging/ (not a package: a folder named `packaging` must not shadow the PyPI one)."""
    spec = importlib.util.spec_from_file_location(f"offramp_packaging_{name}", PACKAGING / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(PACKAGING))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(PACKAGING))
    return module


layout = packaging_module("layout")
smoke = packaging_module("smoke")
build = packaging_module("build")


@dataclass(frozen=True)
class Built:
    bundle: Path
    deb: Path


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    if not sys.platform.startswith("linux"):
        pytest.skip("the packaging tests build the Linux bundle and .deb; CI builds the others")
    out = tmp_path_factory.mktemp("frozen")
    proc = subprocess.run(
        [sys.executable, str(PACKAGING / "build.py"), "--dist", str(out / "dist"), "--work", str(out / "work")],
        cwd=REPO,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=BUILD_TIMEOUT_S,
    )
    assert proc.returncode == 0, f"packaging/build.py failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    debs = list((out / "dist").glob("offramp_*.deb"))
    assert len(debs) == 1, f"expected one .deb, found {debs}"
    return Built(out / "dist" / layout.BUNDLE_NAME, debs[0])


def test_the_wizard_smoke_test_option_runs_unfrozen() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "app.gui.main", "--smoke-test"],
        cwd=REPO,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert (proc.returncode, proc.stdout.splitlines(), proc.stderr) == (0, ["first page shown", "ok"], "")


@pytest.mark.slow
@pytest.mark.parametrize("check", list(smoke.CHECKS))
def test_frozen_program(built: Built, check: str) -> None:
    problems = smoke.CHECKS[check](built.bundle)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_the_bundle_holds_what_offramp_loads_and_nothing_it_does_not(built: Built) -> None:
    internal = built.bundle / "_internal"
    files = {path.relative_to(internal).as_posix() for path in internal.rglob("*") if not path.is_dir()}
    plugins = {f for f in files if f.startswith("PySide6/Qt/plugins/")}
    assert plugins == {
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
        "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
    }
    assert "playbooks/banned/kaspersky.yaml" in files and "playbooks/compiled/banned.json" in files
    # The window icon is drawn at build time, so neither Qt's svg icon engine nor QtSvg is needed.
    assert "resources/icons/window/offramp-32.png" in files and not any("Svg" in f for f in files)
    unwanted = re.compile(
        r"Qt/translations/|QtNetwork|QtDBus\.abi3|QtOpenGL|QtQml|Wayland|EglFS|libgtk|libcairo"
        r"|libpango|tkinter|_tkinter|libtcl|libtk"
    )
    assert not sorted(f for f in files if unwanted.search(f))
    # Stripped: the build machine's libpython alone is 22 MB with its symbols.
    assert (internal / "libpython3.11.so.1.0").stat().st_size < 10 * 2**20
    assert {layout.GUI_NAME, layout.CLI_NAME, "_internal"} == {p.name for p in built.bundle.iterdir()}


def _needed_libraries(bundle: Path) -> dict[str, str]:
    """Shared libraries some binary in the bundle links but the bundle does not hold: soname -> a user."""
    provided = {path.name for path in bundle.rglob("*")}
    needed: dict[str, str] = {}
    for path in bundle.rglob("*"):
        if path.is_symlink() or not path.is_file() or path.read_bytes()[:4] != b"\x7fELF":
            continue
        dynamic = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
        for soname in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic):
            if soname not in provided:
                needed.setdefault(soname, path.relative_to(bundle).as_posix())
    return needed


def _package_of(soname: str) -> str | None:
    found = subprocess.run(["dpkg", "-S", f"*/{soname}"], capture_output=True, text=True)
    return found.stdout.split(":", 1)[0] if found.returncode == 0 else None


@pytest.mark.slow
def test_every_library_the_bundle_takes_from_the_system_is_a_deb_dependency(built: Built) -> None:
    require_tools(("readelf", "dpkg"), "checking the .deb's dependencies")
    allowed = {"libc6", *build.DEB_DEPENDS}
    missing = {
        soname: (user, _package_of(soname))
        for soname, user in _needed_libraries(built.bundle).items()
        if _package_of(soname) not in allowed
    }
    assert not missing, (
        "linked by the bundle, neither bundled nor in build.DEB_DEPENDS "
        f"(soname: (needed by, providing package here)): {missing}"
    )


@pytest.mark.slow
def test_the_deb_installs_the_bundle_commands_desktop_entry_and_icon(built: Built, tmp_path: Path) -> None:
    require_tools(("dpkg", "dpkg-deb"), "installing the .deb")
    assert built.deb.name == f"offramp_{layout.version()}_{build.deb_architecture()}.deb"
    listing = subprocess.run(["dpkg-deb", "-c", str(built.deb)], capture_output=True, text=True, check=True).stdout
    for entry in (
        "./opt/offramp/offramp",
        f"./opt/offramp/{layout.GUI_NAME}",
        "./usr/bin/offramp -> /opt/offramp/offramp",
        f"./usr/bin/offramp-gui -> /opt/offramp/{layout.GUI_NAME}",
        "./usr/share/applications/offramp.desktop",
        "./usr/share/icons/hicolor/scalable/apps/offramp.svg",
    ):
        assert entry in listing
    depends = subprocess.run(
        ["dpkg-deb", "-f", str(built.deb), "Depends"], capture_output=True, text=True, check=True
    ).stdout
    for lib in ("libegl1", "libxkbcommon0", "libfontconfig1", "libdbus-1-3", "libglib2.0-0", "libc6"):
        assert re.search(rf"(^|, ){re.escape(lib)}( \(|,|$)", depends.strip()), depends

    root = DpkgRoot(tmp_path / "root")
    # The private root has none of the system libraries the package depends on.
    subprocess.run(
        [*root.dpkg_args, "--force-depends", "--install", str(built.deb)], capture_output=True, text=True, check=True
    )
    assert root.installed() == {"offramp": layout.version()}
    assert os.readlink(root.path / "usr/bin/offramp") == "/opt/offramp/offramp"
    assert os.readlink(root.path / "usr/bin/offramp-gui") == f"/opt/offramp/{layout.GUI_NAME}"
    desktop_file = configparser.ConfigParser(interpolation=None)
    desktop_file.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    desktop_file.read(root.path / "usr/share/applications/offramp.desktop", encoding="utf-8")
    desktop = desktop_file["Desktop Entry"]
    assert (desktop["Type"], desktop["Exec"], desktop["Icon"], desktop["Terminal"]) == (
        "Application",
        "offramp-gui",
        "offramp",
        "false",
    )
    assert (root.path / "usr/share/icons/hicolor/scalable/apps/offramp.svg").read_bytes() == (
        REPO / "resources/icons/offramp.svg"
    ).read_bytes()
    # The installed copy works from its new place, as it will from /opt/offramp.
    installed = root.path / "opt" / "offramp"
    assert not smoke.check_version(installed) and not smoke.check_gui(installed)
