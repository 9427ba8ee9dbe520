"""Integration fixtures for Windows code under Wine: one WineBed per test session and the fixture MSIs.

* ``winebed`` (session): a fresh 64-bit prefix with Windows CPython 3.13 and Offramp's source on its path.
  Creating one takes about 5 s (plus about 12 s the first time the runtime is provisioned into the cache), so
  tests share it. A test that installs something or adds a service removes it again before it ends.
* ``windows_fixtures`` / ``windows_msis`` (session): the machines described in
  tests/fixtures/windows/products.yaml, and their packages built once with wixl ({package id: .msi path}).

If Wine, wixl or mingw-w64 are missing, or the runtime cannot be provisioned (pip needs PyPI), the tests
are skipped with the reason; with OFFRAMP_REQUIRE_TESTBEDS=1 (CI) they fail instead, so a runner without
the tools cannot pass by skipping. OFFRAMP_KEEP_WINEBED=1 keeps the prefix (about 700 MB) for debugging.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.msibuild import WIXL, build_msi
from tests.support.testbeds import fresh_wine_bed, unavailable
from tests.support.windows_fixtures import WindowsFixtures, load_windows_fixtures
from tests.support.winebed import WINEBED_TOOLS, WineBed

INSTALL_HINT = "Debian: apt-get install the packages in tools/apt/wine.txt, or run `make system-packages`"


@pytest.fixture(scope="session")
def windows_fixtures() -> WindowsFixtures:
    return load_windows_fixtures()


@pytest.fixture(scope="session")
def windows_msis(tmp_path_factory: pytest.TempPathFactory, windows_fixtures: WindowsFixtures) -> dict[str, Path]:
    if shutil.which(WIXL) is None:
        unavailable(f"building the Windows fixture packages needs {WIXL} ({INSTALL_HINT})")
    out = tmp_path_factory.mktemp("windows-msis")
    return {pid: build_msi(spec, out / pid) for pid, spec in windows_fixtures.packages.items()}


@pytest.fixture(scope="session")
def winebed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WineBed]:
    missing = [tool for tool in WINEBED_TOOLS if shutil.which(tool) is None]
    if missing:
        unavailable(f"the Wine test bed needs {', '.join(missing)} on PATH ({INSTALL_HINT})")
    with fresh_wine_bed(tmp_path_factory.mktemp("winebed")) as bed:
        yield bed
