"""Builds dist/offramp-<version>-1.<arch>.rpm from the frozen bundle, for RHEL-family machines.

Kaspersky Endpoint Security for Linux runs on RHEL, Rocky, Alma and Fedora servers too, so Offramp ships
as an RPM beside the .deb. Both are made from the same bundle and the same installed tree
(packaging/deb.py's stage_tree: /usr/lib/offramp, /usr/bin links, manual pages, desktop metadata, icons,
the polkit policy), so the two packages cannot drift apart.

Dependencies are RPM's own: rpmbuild reads every ELF file and requires the shared libraries it links by
soname (libEGL.so.1()(64bit) …), which each distribution maps to its own package names. The libraries the
bundle carries itself are neither required nor provided: Offramp's private copy of Qt must not satisfy
another package's dependency on Qt.

    python packaging/rpm_package.py BUNDLE DIST WORK
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import deb
import layout

PACKAGE = "offramp"
RELEASE = "1"
RPMLINT_CONFIG = layout.ROOT / "packaging" / "rpm" / "rpmlint.toml"

SPEC = """\
Name:           {name}
Version:        {version}
Release:        {release}
Summary:        Move a computer off a banned security product
License:        GPL-3.0-or-later
Group:          Applications/System
Packager:       Offramp maintainers <maintainers@offramp.invalid>
BuildArch:      {arch}
Recommends:     polkit
# The bundle's own libraries are private: never offered to other packages, never required from the system.
AutoProv:       no
%global __requires_exclude ^({private})$
# The bundle is already built, stripped and byte-compiled: rpmbuild must not change its files.
%global debug_package %{{nil}}
%global __os_install_post %{{nil}}
%global _build_id_links none

%description
Offramp finds Kaspersky products and their leftovers, explains what the US ban
means for this machine, removes them cleanly, installs the replacement you
choose and checks the machine is protected again.

offramp-gui is the guided window; offramp is the command line for admins.

%install
cp -a {tree}/. %{{buildroot}}/

%files
%license /usr/share/doc/offramp/copyright
/usr/bin/offramp
/usr/bin/offramp-gui
/usr/lib/offramp
/usr/share/applications/org.offramp.Offramp.desktop
/usr/share/icons/hicolor/*/apps/offramp.*
/usr/share/man/man1/offramp.1.gz
/usr/share/man/man1/offramp-gui.1.gz
/usr/share/metainfo/org.offramp.Offramp.metainfo.xml
/usr/share/polkit-1/actions/org.offramp.Offramp.policy

%changelog
* {date} Offramp maintainers <maintainers@offramp.invalid> - {version}-{release}
- Release {version}.
"""


def rpm_arch() -> str:
    return {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}[platform.machine()]


def private_sonames(tree: Path) -> list[str]:
    """The sonames of the libraries the bundle holds (regular expressions for __requires_exclude)."""
    names = set()
    for path in (tree / deb.PREFIX).rglob("*.so*"):
        if path.is_file():
            names.add(path.name.split(".so")[0] + r"\.so.*")
    return sorted(names)


def build_rpm(bundle: Path, dist: Path, work: Path) -> Path:
    version, epoch, arch = layout.version(), deb.source_date_epoch(), rpm_arch()
    tree = work / "rpm" / "tree"
    deb.stage_tree(bundle, tree, version, epoch)
    # Debian's own files have no place in an RPM: the changelog lives in the spec, lintian is Debian's.
    shutil.rmtree(tree / "usr/share/lintian")
    (tree / "usr/share/doc/offramp/changelog.gz").unlink()
    # RPM distributions mark shared libraries executable (rpmlint: shared-library-not-executable); Debian
    # does the opposite, which is why deb.stage_tree made them 0644.
    for library in (tree / deb.PREFIX).rglob("*.so*"):
        if library.is_file() and not library.is_symlink():
            library.chmod(0o755)
    top = work / "rpm" / "top"
    if top.exists():
        shutil.rmtree(top)
    for sub in ("SPECS", "RPMS", "BUILD", "BUILDROOT", "SOURCES", "SRPMS"):
        (top / sub).mkdir(parents=True)
    spec = top / "SPECS" / f"{PACKAGE}.spec"
    spec.write_text(
        SPEC.format(
            name=PACKAGE,
            version=version,
            release=RELEASE,
            arch=arch,
            tree=tree,
            private="|".join(private_sonames(tree)),
            date=time.strftime("%a %b %d %Y", time.gmtime(epoch)),
        ),
        encoding="utf-8",
    )
    subprocess.run(
        [
            "rpmbuild",
            "-bb",
            "--define",
            f"_topdir {top}",
            "--define",
            "_source_date_epoch_from_changelog 0",
            "--define",
            "use_source_date_epoch_as_buildtime 1",
            "--define",
            "clamp_mtime_to_source_date_epoch 1",
            str(spec),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "SOURCE_DATE_EPOCH": str(epoch)},
    )
    (built,) = (top / "RPMS" / arch).glob(f"{PACKAGE}-{version}-{RELEASE}*.rpm")
    target = dist / built.name
    shutil.move(built, target)
    return target


if __name__ == "__main__":
    print(build_rpm(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
