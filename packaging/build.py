"""Builds Offramp's frozen bundle (dist/offramp/) from build.spec and, on Linux, its .deb.

`make dist`, the packaging tests and every CI job run this one script, so what they check is what ships.

    python packaging/build.py [--dist DIR] [--work DIR] [--no-deb]

It installs what the build needs when it is missing: PyInstaller into the running Python (the version the
`dev` extra of pyproject.toml asks for) and, on Debian as root, the packages in packaging/apt.txt.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import layout

# Shared libraries the bundle takes from the system (libc, OpenGL/EGL, xcb) or that Qt's xcb platform links
# and PyInstaller bundles only when the build machine has them. Measured with readelf on the bundle;
# tests/packaging/test_frozen.py checks every library the bundle needs is here or inside it.
DEB_DEPENDS = (
    "libegl1",
    "libgl1",
    "libfontconfig1",
    "libfreetype6",
    "libdbus-1-3",
    "libglib2.0-0",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libx11-6",
    "libx11-xcb1",
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-render0",
    "libxcb-shape0",
    "libxcb-shm0",
    "libxcb-sync1",
    "libxcb-util1",
    "libxcb-xfixes0",
    "libxcb-xkb1",
)
DESKTOP_ENTRY = """\
[Desktop Entry]
Type=Application
Name=Offramp
GenericName=Security software switcher
Comment=Find Kaspersky, remove it cleanly and install a replacement you choose
Exec=offramp-gui
Icon=offramp
Terminal=false
Categories=System;Security;
Keywords=Kaspersky;antivirus;security;migration;uninstall;
"""


def ensure_system_packages() -> None:
    if sys.platform.startswith("linux") and shutil.which("dpkg-query"):
        subprocess.run(
            [
                "bash",
                str(layout.ROOT / "tools" / "ensure-system-packages.sh"),
                str(layout.ROOT / "packaging" / "apt.txt"),
            ],
            check=True,
        )


def ensure_pyinstaller() -> None:
    if importlib.util.find_spec("PyInstaller") is not None:
        return
    extras = tomllib.loads((layout.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]["dev"]
    requirement = next(req for req in extras if re.match(r"pyinstaller\b", req, re.IGNORECASE))
    print(f"Installing {requirement} into {sys.prefix}", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", requirement], check=True)


def run_pyinstaller(dist: Path, work: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(dist),
            "--workpath",
            str(work),
            str(layout.ROOT / "build.spec"),
        ],
        check=True,
        cwd=layout.ROOT,
    )
    return dist / layout.BUNDLE_NAME


def min_glibc(bundle: Path) -> str:
    """The newest GLIBC_x.y symbol version any binary in the bundle asks for."""
    versions = set()
    for path in bundle.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.read_bytes()[:4] == b"\x7fELF":
            symbols = subprocess.run(["objdump", "-T", str(path)], capture_output=True, text=True).stdout
            versions.update(re.findall(r"GLIBC_(\d+(?:\.\d+)+)", symbols))
    return max(versions, key=lambda v: tuple(map(int, v.split("."))))


def deb_architecture() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()


def build_deb(bundle: Path, dist: Path, work: Path) -> Path:
    """dist/offramp_<version>_<arch>.deb: the bundle in /opt/offramp, commands, desktop entry and icon."""
    version, arch = layout.version(), deb_architecture()
    stage = work / "deb" / f"offramp_{version}_{arch}"
    if stage.exists():
        shutil.rmtree(stage)
    opt = stage / "opt" / "offramp"
    shutil.copytree(bundle, opt, symlinks=True)
    (stage / "usr" / "bin").mkdir(parents=True)
    # Absolute links: /usr/bin and /opt are different top-level folders (Debian policy 10.5).
    (stage / "usr" / "bin" / "offramp").symlink_to(f"/opt/offramp/{layout.CLI_NAME}")
    (stage / "usr" / "bin" / "offramp-gui").symlink_to(f"/opt/offramp/{layout.GUI_NAME}")
    applications = stage / "usr" / "share" / "applications"
    applications.mkdir(parents=True)
    (applications / "offramp.desktop").write_text(DESKTOP_ENTRY, encoding="utf-8")
    icons = stage / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps"
    icons.mkdir(parents=True)
    shutil.copyfile(layout.ROOT / "resources" / "icons" / "offramp.svg", icons / "offramp.svg")
    for path in [stage, *stage.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
    installed_kib = sum(p.stat().st_size for p in stage.rglob("*") if p.is_file() and not p.is_symlink()) // 1024
    depends = ", ".join([f"libc6 (>= {min_glibc(bundle)})", *DEB_DEPENDS])
    control = stage / "DEBIAN" / "control"
    control.parent.mkdir(mode=0o755)
    control.write_text(
        f"Package: offramp\nVersion: {version}\nArchitecture: {arch}\n"
        "Maintainer: Offramp maintainers <maintainers@offramp.invalid>\n"
        f"Installed-Size: {installed_kib}\nDepends: {depends}\nSection: admin\nPriority: optional\n"
        "Description: move a computer off a banned security product\n"
        " Offramp finds Kaspersky products and their leftovers, explains what the US ban\n"
        " means for this machine, removes them cleanly, installs the replacement you\n"
        " choose and checks the machine is protected again.\n"
        " .\n"
        " offramp-gui is the guided window; offramp is the command line for admins.\n",
        encoding="utf-8",
    )
    target = dist / f"{stage.name}.deb"
    # zstd -9 packs the 122 MB tree in 2 s into 46 MB; xz, dpkg-deb's default, takes 48 s for 37 MB (measured
    # on a 2-CPU builder). Every dpkg that can run the bundle reads zstd: the bundle needs the build machine's
    # glibc (2.36 when built on Debian 12), and Debian's dpkg reads zstd since 1.21.18.
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zzstd", "-z9", "--build", str(stage), str(target)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=layout.DIST, help="output folder (default: dist/)")
    parser.add_argument(
        "--work",
        type=Path,
        default=layout.WORK / "pyinstaller",
        help="PyInstaller's work folder (default: build/pyinstaller/)",
    )
    parser.add_argument("--no-deb", action="store_true", help="on Linux, stop after the bundle")
    args = parser.parse_args(argv)
    dist, work = args.dist.resolve(), args.work.resolve()
    started = time.perf_counter()
    ensure_system_packages()
    ensure_pyinstaller()
    bundle = run_pyinstaller(dist, work)
    print(f"bundle: {bundle} ({time.perf_counter() - started:.1f} s)", flush=True)
    if sys.platform.startswith("linux") and not args.no_deb:
        deb = build_deb(bundle, dist, work)
        print(f"package: {deb} ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
