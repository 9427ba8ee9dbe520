"""Builds Offramp's frozen bundle (dist/offramp/) from build.spec and, on Linux, its .deb and .rpm.

`make dist`, the packaging tests and every CI job run this one script, so what they check is what ships.

    python packaging/build.py [--dist DIR] [--work DIR] [--no-deb] [--no-rpm]

It installs what the build needs when it is missing: PyInstaller into the running Python (the version the
`dev` extra of pyproject.toml asks for) and, on Debian as root, the packages in packaging/apt.txt.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import deb
import layout
import rpm_package


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


def ensure_build_tools() -> None:
    """PyInstaller and the manual-page generator, at the versions the `dev` extra of pyproject.toml asks for."""
    extras = tomllib.loads((layout.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]["dev"]
    for module, name in (("PyInstaller", "pyinstaller"), ("argparse_manpage", "argparse-manpage")):
        if importlib.util.find_spec(module) is not None:
            continue
        requirement = next(req for req in extras if re.match(rf"{name}\b", req, re.IGNORECASE))
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
    parser.add_argument("--no-rpm", action="store_true", help="on Linux, build the .deb but not the .rpm")
    args = parser.parse_args(argv)
    dist, work = args.dist.resolve(), args.work.resolve()
    started = time.perf_counter()
    ensure_system_packages()
    ensure_build_tools()
    bundle = run_pyinstaller(dist, work)
    print(f"bundle: {bundle} ({time.perf_counter() - started:.1f} s)", flush=True)
    if sys.platform.startswith("linux") and not args.no_deb:
        package = deb.build_deb(bundle, dist, work)
        print(f"package: {package} ({time.perf_counter() - started:.1f} s)", flush=True)
        if not args.no_rpm and shutil.which("rpmbuild"):
            package = rpm_package.build_rpm(bundle, dist, work)
            print(f"package: {package} ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
