"""pytest fixtures for the Linux package test bed (load with ``pytest_plugins``).

* ``built_packages`` (session): builds each ``PackageSpec`` at most once per test session and format.
  Packages are cheap to build (well under a second each), so nothing is cached on disk across runs:
  a stale cached package could hide a change to a spec.
* ``dpkg_root`` / ``rpm_root`` (function): a fresh private root with an empty database for each test.

When a tool is missing the test is skipped with the reason; with ``OFFRAMP_REQUIRE_TESTBEDS=1`` (CI) it
fails instead, so a misconfigured runner cannot pass by skipping everything.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.support.linux_fixtures import ALL_SPECS
from tests.support.pkgbed import (
    DPKG_TOOLS,
    RPM_TOOLS,
    DpkgRoot,
    PackageSpec,
    RpmRoot,
    build_deb,
    build_rpm,
    missing_tools,
)

__all__ = ["BuiltPackages", "built_packages", "dpkg_root", "require_tools", "rpm_root"]

REQUIRE_ENV = "OFFRAMP_REQUIRE_TESTBEDS"


def require_tools(tools: Iterable[str], purpose: str) -> None:
    """Skip (or, with OFFRAMP_REQUIRE_TESTBEDS=1, fail) when any of ``tools`` is not on PATH."""
    if missing := missing_tools(tools):
        reason = (
            f"{purpose} needs {', '.join(missing)} on PATH "
            f"(Debian: apt-get install the packages in tools/apt/packages.txt, or run `make system-packages`)"
        )
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{reason}; {REQUIRE_ENV}=1 forbids skipping", pytrace=False)
        pytest.skip(reason)


class BuiltPackages:
    """Session cache of built package files, keyed by format and the spec's full content."""

    def __init__(self, outdir: Path) -> None:
        self._outdir = outdir
        self._cache: dict[tuple[str, str], Path] = {}

    def deb(self, spec: PackageSpec | str) -> Path:
        """The .deb for ``spec`` (or a name from ``linux_fixtures.ALL_SPECS``), built on first use."""
        require_tools(("dpkg-deb",), "building .deb packages")
        return self._get("deb", spec)

    def rpm(self, spec: PackageSpec | str) -> Path:
        """The .rpm for ``spec`` (or a name from ``linux_fixtures.ALL_SPECS``), built on first use."""
        require_tools(("rpmbuild",), "building .rpm packages")
        return self._get("rpm", spec)

    def _get(self, fmt: str, spec: PackageSpec | str) -> Path:
        if isinstance(spec, str):
            spec = ALL_SPECS[spec]
        # Keyed by content, not name: variants such as kesl_spec(bases_date=...) share name and version.
        digest = hashlib.sha256(repr(spec).encode()).hexdigest()[:16]
        key = (fmt, digest)
        if key not in self._cache:
            builder = build_deb if fmt == "deb" else build_rpm
            self._cache[key] = builder(spec, self._outdir / fmt / digest)
        return self._cache[key]


@pytest.fixture(scope="session")
def built_packages(tmp_path_factory: pytest.TempPathFactory) -> BuiltPackages:
    return BuiltPackages(tmp_path_factory.mktemp("pkgbed-packages"))


@pytest.fixture
def dpkg_root(tmp_path: Path) -> DpkgRoot:
    require_tools(DPKG_TOOLS, "the dpkg test bed")
    return DpkgRoot(tmp_path / "dpkg-root")


@pytest.fixture
def rpm_root(tmp_path: Path) -> RpmRoot:
    require_tools(RPM_TOOLS, "the rpm test bed")
    return RpmRoot(tmp_path / "rpm-root")
