"""The frozen build: packaging/build.py (what `make dist` runs) once per session, then the programs it made.

The slow tests run the very checks CI runs on Windows and macOS (packaging/smoke.py), look at what the bundle
holds and leaves out, and install the .deb into a private dpkg root.
"""

from __future__ import annotations

import configparser
import gzip
import json
import os
import re
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO
from tests.support import linux_fixtures as fx
from tests.support.packaging_scripts import load_script
from tests.support.pkgbed import DpkgRoot, RpmRoot
from tests.support.pkgbed_fixtures import BuiltPackages, require_tools

PACKAGING = REPO / "packaging"
BUILD_TIMEOUT_S = 1200


def packaging_module(name: str) -> ModuleType:
    return load_script(f"packaging/{name}.py")


layout = packaging_module("layout")
smoke = packaging_module("smoke")
deb = packaging_module("deb")
rpm_package = packaging_module("rpm_package")


@dataclass(frozen=True)
class Built:
    bundle: Path
    deb: Path
    rpm: Path
    seconds: float


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    if not sys.platform.startswith("linux"):
        pytest.skip("the packaging tests build the Linux bundle and .deb; CI builds the others")
    out = tmp_path_factory.mktemp("frozen")
    started = time.perf_counter()
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
    rpms = list((out / "dist").glob("offramp-*.rpm"))
    assert len(rpms) == 1, f"expected one .rpm, found {rpms}"
    return Built(out / "dist" / layout.BUNDLE_NAME, debs[0], rpms[0], time.perf_counter() - started)


def test_the_wizard_smoke_test_option_runs_unfrozen() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "offramp.gui.main", "--smoke-test"],
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
        r"QtNetwork|QtDBus\.abi3|QtOpenGL|QtQml|Wayland|EglFS|libgtk|libcairo|libpango|tkinter|_tkinter|libtcl|libtk"
    )
    assert not sorted(f for f in files if unwanted.search(f))
    # Qt's own translations only for the languages Offramp itself speaks (its Back/Next/Cancel buttons).
    languages = sorted(p.stem for p in (REPO / "resources" / "translations").glob("*.po"))
    qt_translations = sorted(f for f in files if "Qt/translations/" in f)
    assert qt_translations == [f"PySide6/Qt/translations/qtbase_{lang}.qm" for lang in languages]
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


@pytest.fixture(scope="session")
def unpacked(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .deb's files as dpkg would install them under /."""
    tree = tmp_path_factory.mktemp("deb-tree")
    subprocess.run(["dpkg-deb", "-x", str(built.deb), str(tree)], check=True)
    return tree


@pytest.mark.slow
def test_every_library_the_package_takes_from_the_system_is_a_dependency(unpacked: Path, built: Built) -> None:
    require_tools(("readelf", "dpkg"), "checking the .deb's dependencies")
    depends = subprocess.run(
        ["dpkg-deb", "-f", str(built.deb), "Depends"], capture_output=True, text=True, check=True
    ).stdout
    allowed = {entry.strip().split(" ")[0] for entry in depends.split(",")}
    missing = {
        soname: (user, _package_of(soname))
        for soname, user in _needed_libraries(unpacked / "usr/lib/offramp").items()
        if _package_of(soname) not in allowed
    }
    assert not missing, (
        "linked by the package, neither bundled nor a dependency "
        f"(soname: (needed by, providing package here)): {missing}"
    )
    # What Debian ships on its own is taken from Debian, so its security updates reach Offramp.
    for soname in deb.SYSTEM_LIBRARIES:
        assert not list((unpacked / "usr/lib/offramp").rglob(soname)), soname


@pytest.mark.slow
def test_the_deb_passes_lintian_with_only_reasoned_overrides(built: Built) -> None:
    require_tools(("lintian",), "checking the .deb against Debian policy")
    proc = subprocess.run(
        ["lintian", "--tag-display-limit", "0", "--show-overrides", str(built.deb)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    tags = [line for line in proc.stdout.splitlines() if re.match(r"^[EWO]: ", line)]
    assert not [t for t in tags if t.startswith(("E:", "W:"))], proc.stdout
    # Every override is one the overrides file explains: a comment stands above each.
    overrides = (REPO / "packaging/debian/lintian-overrides").read_text(encoding="utf-8").split("\n\n")
    for block in overrides:
        lines = [line for line in block.strip().splitlines() if line]
        if any(line.startswith("offramp:") for line in lines):
            assert lines[0].startswith("#"), block


@pytest.mark.slow
def test_the_deb_has_no_runpath_from_the_build_machine(unpacked: Path) -> None:
    require_tools(("readelf",), "reading RUNPATHs")
    foreign = {}
    for path in (unpacked / "usr/lib/offramp").rglob("*"):
        if path.is_symlink() or not path.is_file() or path.read_bytes()[:4] != b"\x7fELF":
            continue
        dynamic = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
        for entries in re.findall(r"\((?:RUNPATH|RPATH)\)\s+Library (?:runpath|rpath): \[([^\]]*)\]", dynamic):
            bad = [e for e in entries.split(":") if e and not e.startswith("$ORIGIN")]
            if bad:
                foreign[path.relative_to(unpacked).as_posix()] = bad
    assert not foreign, foreign


@pytest.mark.slow
def test_the_deb_carries_the_documentation_and_desktop_metadata_debian_expects(unpacked: Path) -> None:
    require_tools(("appstreamcli", "desktop-file-validate"), "validating the desktop metadata")
    share = unpacked / "usr/share"
    assert (
        (share / "doc/offramp/copyright")
        .read_text(encoding="utf-8")
        .startswith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/")
    )
    changelog = gzip.decompress((share / "doc/offramp/changelog.gz").read_bytes()).decode()
    assert changelog.startswith(f"offramp ({layout.version()}) ")
    for program in ("offramp", "offramp-gui"):
        page = gzip.decompress((share / f"man/man1/{program}.1.gz").read_bytes()).decode()
        title = program.upper().replace("-", "\\-")  # roff escapes a hyphen in the title
        assert page.startswith(f'.TH {title} "1"'), page[:200]
    cli_page = gzip.decompress((share / "man/man1/offramp.1.gz").read_bytes()).decode()
    # Generated from the parser, so every command is in it.
    for command in ("scan", "migrate", "resume", "playbooks", "walkthrough", "export"):
        assert f"offramp {command}" in cli_page, command
    for size in deb.ICON_SIZES:
        png = (share / f"icons/hicolor/{size}x{size}/apps/offramp.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", png[16:24]) == (size, size)
    metainfo = share / "metainfo/org.offramp.Offramp.metainfo.xml"
    check = subprocess.run(["appstreamcli", "validate", "--no-net", str(metainfo)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert f'version="{layout.version()}"' in metainfo.read_text(encoding="utf-8")
    desktop = share / "applications/org.offramp.Offramp.desktop"
    check = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
    assert check.returncode == 0 and not check.stdout.strip(), check.stdout + check.stderr
    policy = (share / "polkit-1/actions/org.offramp.Offramp.policy").read_text(encoding="utf-8")
    # The console program's worker is what runs as root (app/core/platform/elevation.py), never the window.
    assert '<annotate key="org.freedesktop.policykit.exec.path">/usr/lib/offramp/offramp</annotate>' in policy
    assert "allow_gui" not in policy
    assert (unpacked / f"usr/lib/offramp/{layout.GUI_NAME}").is_file()


@pytest.mark.slow
def test_the_same_bundle_always_makes_the_same_deb(built: Built, tmp_path: Path) -> None:
    again = deb.build_deb(built.bundle, tmp_path, tmp_path / "work")
    if again.read_bytes() != built.deb.read_bytes():
        # Say what differs (the control fields or which files, with their sizes and times), not only that it does.
        def listing(package: Path) -> list[str]:
            info = subprocess.run(["dpkg-deb", "--info", str(package)], capture_output=True, text=True).stdout
            files = subprocess.run(["dpkg-deb", "--contents", str(package)], capture_output=True, text=True).stdout
            return info.splitlines() + files.splitlines()

        first, second = listing(built.deb), listing(again)
        pytest.fail(
            "the same bundle made a different .deb:\n"
            + "\n".join(f"- {line}" for line in first if line not in second)
            + "\n"
            + "\n".join(f"+ {line}" for line in second if line not in first)
        )


@pytest.mark.slow
def test_the_deb_installs_the_bundle_commands_desktop_entry_and_icon(built: Built, tmp_path: Path) -> None:
    require_tools(("dpkg", "dpkg-deb"), "installing the .deb")
    assert built.deb.name == f"offramp_{layout.version()}_{deb.architecture()}.deb"
    listing = subprocess.run(["dpkg-deb", "-c", str(built.deb)], capture_output=True, text=True, check=True).stdout
    for entry in (
        "./usr/lib/offramp/offramp",
        f"./usr/lib/offramp/{layout.GUI_NAME}",
        "./usr/bin/offramp -> ../lib/offramp/offramp",
        f"./usr/bin/offramp-gui -> ../lib/offramp/{layout.GUI_NAME}",
        "./usr/share/applications/org.offramp.Offramp.desktop",
        "./usr/share/icons/hicolor/scalable/apps/offramp.svg",
    ):
        assert entry in listing
    assert "./opt/" not in listing

    root = DpkgRoot(tmp_path / "root")
    # The private root has none of the system libraries the package depends on.
    subprocess.run(
        [*root.dpkg_args, "--force-depends", "--install", str(built.deb)], capture_output=True, text=True, check=True
    )
    assert root.installed() == {"offramp": layout.version()}
    desktop_file = configparser.ConfigParser(interpolation=None)
    desktop_file.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    desktop_file.read(root.path / "usr/share/applications/org.offramp.Offramp.desktop", encoding="utf-8")
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
    # The installed copy works from its new place, through the links in /usr/bin, with the system's own
    # copies of the libraries the package leaves out.
    installed = root.path / "usr" / "lib" / "offramp"
    assert not smoke.check_version(installed) and not smoke.check_gui(installed)


@pytest.mark.slow
def test_the_rpm_passes_rpmlint_with_only_reasoned_filters(built: Built) -> None:
    require_tools(("rpmlint",), "checking the .rpm")
    config = REPO / "packaging/rpm/rpmlint.toml"
    proc = subprocess.run(["rpmlint", "-c", str(config), str(built.rpm)], capture_output=True, text=True, timeout=600)
    assert "0 errors, 0 warnings" in proc.stdout, proc.stdout + proc.stderr
    # Every filter carries its reason: the line above each filter is a comment or another filter.
    lines = config.read_text(encoding="utf-8").splitlines()
    filters = lines[lines.index("Filters = [") + 1 : lines.index("]")]
    assert filters[0].strip().startswith("#")
    for before, line in zip(filters, filters[1:], strict=False):
        if line.strip().startswith('"'):
            assert before.strip().startswith(("#", '"')), line


@pytest.mark.slow
def test_the_rpm_installs_runs_and_removes_cleanly_in_a_private_rpm_root(
    built: Built, tmp_path: Path, dpkg_root: DpkgRoot, built_packages: BuiltPackages
) -> None:
    require_tools(("rpm",), "installing the .rpm")
    requires = subprocess.run(["rpm", "-qpR", str(built.rpm)], capture_output=True, text=True, check=True).stdout
    assert "libEGL.so.1()(64bit)" in requires
    # The bundle's own Qt is private: neither required from the system nor offered to other packages.
    assert "libQt6Core" not in requires
    provides = subprocess.run(["rpm", "-qp", "--provides", str(built.rpm)], capture_output=True, text=True).stdout
    assert not [line for line in provides.splitlines() if ".so" in line], provides

    root = RpmRoot(tmp_path / "rpmroot")
    assert root.install(built.rpm).returncode == 0
    assert root.installed() == {"offramp": f"{layout.version()}-{rpm_package.RELEASE}"}
    installed = root.path / "usr" / "lib" / "offramp"
    assert not smoke.check_version(installed)
    assert dpkg_root.install(built_packages.deb(fx.KESL)).returncode == 0
    scan = subprocess.run(
        [str(root.path / "usr/bin/offramp"), "scan", "--json", "--root", str(dpkg_root.path)],
        capture_output=True,
        text=True,
        env={**os.environ, "OFFRAMP_HOME": str(tmp_path / "home")},
        timeout=120,
    )
    assert scan.returncode == 1, scan.stderr
    assert json.loads(scan.stdout)["installed"]

    assert root.remove("offramp").returncode == 0
    assert root.installed() == {}
    assert not (root.path / "usr/lib/offramp").exists() and not (root.path / "usr/bin/offramp").exists()
