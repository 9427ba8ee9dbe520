"""Builds dist/offramp_<version>_<arch>.deb from the frozen bundle, laid out as Debian policy asks.

- The bundle goes to /usr/lib/offramp (FHS: an application's private files), with relative links to its two
  programs in /usr/bin.
- Shared libraries Debian itself ships (zlib, bzip2, expat, libpng, FreeType) are left out of the bundle and
  depended on instead, so Debian's security updates reach them. What remains bundled is what no Debian
  package provides at the right version (Qt 6.8+, CPython 3.11 as built, the Python wheels): lintian's
  overrides (packaging/debian/lintian-overrides) say so, file by file class, with the reason.
- No RUNPATH points at the build machine: each is reduced to its $ORIGIN entries, or removed.
- Shared libraries are not executable, and every file's time is SOURCE_DATE_EPOCH (default: the last
  commit's time), compressed without names or times, so the same bundle always gives the same .deb bytes.
- Documentation Debian expects: copyright (machine-readable), changelog, a manual page per program
  generated from the program's own argument parser, a desktop entry, AppStream metainfo, hicolor PNG
  icons from 48 to 512 pixels, and the polkit policy the wizard elevates through.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import icons  # packaging/icons.py: Qt draws each icon size from the one SVG
import layout

PACKAGE = "offramp"
PREFIX = Path("usr/lib/offramp")
DEBIAN = layout.ROOT / "packaging" / "debian"
ICON_SIZES = (48, 64, 128, 256, 512)

# Shared libraries PyInstaller copies from the build machine that Debian ships in a package of its own:
# soname -> the package. The bundle loads them from the system instead (the dynamic loader's usual search
# finds them once they are not beside the bundle's other libraries).
SYSTEM_LIBRARIES = {
    "libbz2.so.1.0": "libbz2-1.0",
    "libexpat.so.1": "libexpat1",
    "libfreetype.so.6": "libfreetype6",
    "libpng16.so.16": "libpng16-16",
    "libz.so.1": "zlib1g",
}

# Libraries the bundle takes from the system (libc, OpenGL/EGL, xcb) or that Qt's xcb platform links and
# PyInstaller bundles only when the build machine has them. Measured with readelf on the bundle;
# tests/packaging/test_frozen.py checks every library the installed package needs is here or inside it.
DEPENDS = (
    "libegl1",
    "libgl1",
    "libfontconfig1",
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
    *sorted(set(SYSTEM_LIBRARIES.values())),
)


def source_date_epoch() -> int:
    """SOURCE_DATE_EPOCH when set (reproducible-builds.org), else the last commit's time, else now."""
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return int(os.environ["SOURCE_DATE_EPOCH"])
    found = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=layout.ROOT, capture_output=True, text=True)
    return int(found.stdout.strip()) if found.returncode == 0 and found.stdout.strip() else int(time.time())


def architecture() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()


def _is_elf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"\x7fELF"


def _elf_files(tree: Path) -> list[Path]:
    return sorted(p for p in tree.rglob("*") if p.is_file() and not p.is_symlink() and _is_elf(p))


def min_glibc(tree: Path) -> str:
    """The newest GLIBC_x.y symbol version any binary in the tree asks for."""
    versions = set()
    for path in _elf_files(tree):
        symbols = subprocess.run(["objdump", "-T", str(path)], capture_output=True, text=True).stdout
        versions.update(re.findall(r"GLIBC_(\d+(?:\.\d+)+)", symbols))
    return max(versions, key=lambda v: tuple(map(int, v.split("."))))


def clean_runpaths(tree: Path) -> None:
    """Keeps only the $ORIGIN-relative parts of each RUNPATH/RPATH: the rest names the build machine."""
    for path in _elf_files(tree):
        current = subprocess.run(["patchelf", "--print-rpath", str(path)], capture_output=True, text=True)
        if current.returncode != 0 or not current.stdout.strip():
            continue
        entries = current.stdout.strip().split(":")
        kept = [entry for entry in entries if entry.startswith("$ORIGIN")]
        if kept == entries:
            continue
        command = ["patchelf", "--set-rpath", ":".join(kept)] if kept else ["patchelf", "--remove-rpath"]
        subprocess.run([*command, str(path)], check=True)


def _gzip(data: bytes) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=out, mtime=0) as packed:
        packed.write(data)
    return out.getvalue()


def _manual_pages(version: str, date: str) -> dict[str, str]:
    """offramp.1 and offramp-gui.1, generated from the programs' own argument parsers."""
    from argparse_manpage.manpage import Manpage

    sys.path.insert(0, str(layout.ROOT))
    try:
        from offramp.cli import build_parser as cli_parser
        from offramp.gui.main import build_parser as gui_parser
    finally:
        sys.path.remove(str(layout.ROOT))
    pages = {}
    for name, parser, summary in (
        ("offramp", cli_parser(), "move a computer off a banned security product (command line)"),
        ("offramp-gui", gui_parser(), "move a computer off a banned security product (guided window)"),
    ):
        parser.prog = name
        data = {
            "project_name": "Offramp",
            "prog": name,
            "description": summary,
            "authors": ["Offramp maintainers"],
            "version": version,
            "date": date,
            "url": None,
        }
        pages[name] = str(Manpage(parser, _data=data, format="single-commands-section"))
    return pages


def _changelog(version: str, epoch: int) -> str:
    stamp = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(epoch))
    return (
        f"{PACKAGE} ({version}) unstable; urgency=medium\n\n"
        f"  * Release {version}. See the project's history for what changed.\n\n"
        f" -- Offramp maintainers <maintainers@offramp.invalid>  {stamp}\n"
    )


def _metainfo(version: str, epoch: int) -> str:
    template = (DEBIAN / "org.offramp.Offramp.metainfo.xml").read_text(encoding="utf-8")
    return template.replace("@VERSION@", version).replace("@DATE@", time.strftime("%Y-%m-%d", time.gmtime(epoch)))


def stage_tree(bundle: Path, stage: Path, version: str, epoch: int) -> None:
    """The package's files under `stage`, as they will be installed under /."""
    if stage.exists():
        shutil.rmtree(stage)
    private = stage / PREFIX
    shutil.copytree(bundle, private, symlinks=True)
    for soname in SYSTEM_LIBRARIES:
        for copy in private.rglob(soname):
            copy.unlink()
    clean_runpaths(private)

    usr = stage / "usr"
    (usr / "bin").mkdir(parents=True)
    # Relative links: /usr/bin and /usr/lib are inside the same top-level folder (Debian policy 10.5).
    (usr / "bin" / "offramp").symlink_to(f"../lib/offramp/{layout.CLI_NAME}")
    (usr / "bin" / "offramp-gui").symlink_to(f"../lib/offramp/{layout.GUI_NAME}")

    share = usr / "share"
    doc = share / "doc" / PACKAGE
    doc.mkdir(parents=True)
    shutil.copyfile(DEBIAN / "copyright", doc / "copyright")
    (doc / "changelog.gz").write_bytes(_gzip(_changelog(version, epoch).encode()))

    man = share / "man" / "man1"
    man.mkdir(parents=True)
    date = time.strftime("%Y-%m-%d", time.gmtime(epoch))
    for name, page in _manual_pages(version, date).items():
        (man / f"{name}.1.gz").write_bytes(_gzip(page.encode()))

    (share / "applications").mkdir(parents=True)
    shutil.copyfile(DEBIAN / "org.offramp.Offramp.desktop", share / "applications" / "org.offramp.Offramp.desktop")
    (share / "metainfo").mkdir(parents=True)
    (share / "metainfo" / "org.offramp.Offramp.metainfo.xml").write_text(_metainfo(version, epoch), encoding="utf-8")
    actions = share / "polkit-1" / "actions"
    actions.mkdir(parents=True)
    shutil.copyfile(DEBIAN / "org.offramp.Offramp.policy", actions / "org.offramp.Offramp.policy")
    (share / "lintian" / "overrides").mkdir(parents=True)
    shutil.copyfile(DEBIAN / "lintian-overrides", share / "lintian" / "overrides" / PACKAGE)

    svg = layout.ROOT / "resources" / "icons" / "offramp.svg"
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copyfile(svg, scalable / "offramp.svg")
    for size, png in icons.render_pngs(svg, list(ICON_SIZES)).items():
        folder = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True)
        (folder / "offramp.png").write_bytes(png)

    for path in [stage, *stage.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        elif ".so" in path.name or not os.access(path, os.X_OK):
            path.chmod(0o644)  # shared libraries are mapped, not run (lintian: shared-library-is-executable)
        else:
            path.chmod(0o755)
    for path in [stage, *stage.rglob("*")]:
        os.utime(path, (epoch, epoch), follow_symlinks=False)


def _control(stage: Path, version: str, arch: str) -> str:
    installed_kib = sum(p.stat().st_size for p in stage.rglob("*") if p.is_file() and not p.is_symlink()) // 1024
    depends = ", ".join([f"libc6 (>= {min_glibc(stage / PREFIX)})", *DEPENDS])
    return (
        f"Package: {PACKAGE}\nVersion: {version}\nArchitecture: {arch}\n"
        "Maintainer: Offramp maintainers <maintainers@offramp.invalid>\n"
        f"Installed-Size: {installed_kib}\nDepends: {depends}\nRecommends: pkexec\nSection: admin\n"
        "Priority: optional\n"
        "Description: move a computer off a banned security product\n"
        " Offramp finds Kaspersky products and their leftovers, explains what the US ban\n"
        " means for this machine, removes them cleanly, installs the replacement you\n"
        " choose and checks the machine is protected again.\n"
        " .\n"
        " offramp-gui is the guided window; offramp is the command line for admins.\n"
    )


def build_deb(bundle: Path, dist: Path, work: Path) -> Path:
    """dist/offramp_<version>_<arch>.deb from the bundle; the same bundle always gives the same bytes."""
    version, arch, epoch = layout.version(), architecture(), source_date_epoch()
    stage = work / "deb" / f"{PACKAGE}_{version}_{arch}"
    stage_tree(bundle, stage, version, epoch)
    control = stage / "DEBIAN" / "control"
    control.parent.mkdir(mode=0o755)
    control.write_text(_control(stage, version, arch), encoding="utf-8")
    for path in (control.parent, control):
        os.utime(path, (epoch, epoch))
    target = dist / f"{stage.name}.deb"
    # xz, which every dpkg and lintian read (Debian 12's lintian refuses zstd members). Level 6 is dpkg-deb's
    # default; the threads option lets xz use every core.
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "-z6", "--threads-max=0", "--build", str(stage), str(target)],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "SOURCE_DATE_EPOCH": str(epoch)},
    )
    return target
