"""The Windows build for the packaging tests: packaging/windows/build_windows.py loaded by path, and the build made
once per test session (the ``windows_build`` fixture in tests/packaging/conftest.py), with the budget it must keep.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.packaging_scripts import load_script
from tests.support.testbeds import unavailable
from tests.support.winpython import ProvisionError

REPO = Path(__file__).resolve().parents[2]
INSTALL_HINT = (
    "Debian: apt-get install the packages in tools/apt/wine.txt and tools/apt/packaging-windows.txt, "
    "or run `make system-packages`"
)
# The build without provisioning the runtime (a cold pip cache adds a 90 MB download): CI runs the whole suite
# in 90 minutes on 2 cores; this build takes about 85 s on such a machine.
BUILD_BUDGET_S = 600


def load_build_windows() -> ModuleType:
    return load_script("packaging/windows/build_windows.py")


build_windows = load_build_windows()


def build_once(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The bundle and its installer, built in a temporary folder; skips (or fails) when a tool is missing."""
    missing = build_windows.missing_tools()
    if missing:
        unavailable(f"the Windows build needs {', '.join(missing)} on PATH ({INSTALL_HINT})")
    out = tmp_path_factory.mktemp("windows-build")
    try:
        result = build_windows.build(out / "dist", out / "work", log=lambda message: print(message, flush=True))
    except ProvisionError as exc:
        unavailable(f"could not provision the Windows build runtime: {exc}")
    building = result.seconds["total"] - result.seconds["build runtime"]
    print(f"Windows build: {building:.0f} s ({', '.join(f'{k} {v:.0f} s' for k, v in result.seconds.items())})")
    assert building < BUILD_BUDGET_S, f"the Windows build took {building:.0f} s: {result.seconds}"
    return result
